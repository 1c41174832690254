using System.IO.Ports;

namespace EdgeAnomaly.Modbus;

/// <summary>
/// A serial port as a Stream: async reads and writes on <see cref="SerialPort.BaseStream"/> (no DataReceived
/// event), input flush for RTU resync, and disposal that closes the port.
/// </summary>
internal sealed class SerialLineStream : Stream, IDiscardableInput
{
    private readonly SerialPort _port;
    private readonly Stream _inner;

    private SerialLineStream(SerialPort port)
    {
        _port = port;
        _inner = port.BaseStream;
    }

    public static SerialLineStream Open(SerialLinkSettings settings)
    {
        var port = new SerialPort(settings.PortName, settings.BaudRate, settings.Parity, settings.DataBits, settings.StopBits)
        {
            Handshake = Handshake.None,
            ReadTimeout = SerialPort.InfiniteTimeout,
            WriteTimeout = SerialPort.InfiniteTimeout,
            ReadBufferSize = 4096,
        };
        try
        {
            port.Open();
            port.DiscardInBuffer();
            return new SerialLineStream(port);
        }
        catch
        {
            port.Dispose();
            throw;
        }
    }

    public override bool CanRead => true;
    public override bool CanWrite => true;
    public override bool CanSeek => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public int DiscardInput()
    {
        var pending = _port.BytesToRead;
        _port.DiscardInBuffer();
        return pending;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        _inner.ReadAsync(buffer, offset, count, cancellationToken);

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        _inner.ReadAsync(buffer, cancellationToken);

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        _inner.WriteAsync(buffer, offset, count, cancellationToken);

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) =>
        _inner.WriteAsync(buffer, cancellationToken);

    public override Task FlushAsync(CancellationToken cancellationToken) => _inner.FlushAsync(cancellationToken);

    public override int Read(byte[] buffer, int offset, int count) => _inner.Read(buffer, offset, count);

    public override void Write(byte[] buffer, int offset, int count) => _inner.Write(buffer, offset, count);

    public override void Flush() => _inner.Flush();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            // Close the stream first: SerialPort.Dispose on an open port drains output (tcdrain), which blocks
            // forever when the device has vanished with a write still queued. A closed stream skips the drain.
            _inner.Dispose();
            _port.Dispose();
        }
        base.Dispose(disposing);
    }
}
