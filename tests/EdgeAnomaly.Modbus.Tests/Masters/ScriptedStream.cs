using System.Collections.Concurrent;
using System.Threading.Channels;

namespace EdgeAnomaly.Modbus.Tests.Masters;

/// <summary>
/// An in-memory link to a scripted slave: every frame the master writes goes to <see cref="Respond"/>, whose bytes
/// (if any) the master then reads; a test can also inject bytes at any time (late answers, garbage), end the
/// stream, or break it.
/// </summary>
internal sealed class ScriptedStream : Stream
{
    private readonly Channel<byte[]> _toMaster = Channel.CreateUnbounded<byte[]>();
    private byte[] _current = [];
    private int _offset;

    /// <summary>The scripted slave: request frame in, bytes to send back (or null for silence).</summary>
    public Func<byte[], byte[]?>? Respond { get; set; }

    public ConcurrentQueue<byte[]> Written { get; } = new();

    public bool IsDisposed { get; private set; }

    public void Inject(byte[] bytes) => _toMaster.Writer.TryWrite(bytes);

    /// <summary>The peer closed: reads return 0.</summary>
    public void EndOfStream() => _toMaster.Writer.TryComplete();

    /// <summary>The device vanished: reads and writes throw IOException.</summary>
    public void Break()
    {
        Broken = true;
        _toMaster.Writer.TryComplete(new IOException("device vanished"));
    }

    public bool Broken { get; private set; }

    /// <summary>When set, the line never goes quiet: once queued bytes are read, every read returns this byte.</summary>
    public byte? Babble { get; set; }

    public override bool CanRead => true;
    public override bool CanWrite => true;
    public override bool CanSeek => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        while (_offset >= _current.Length)
        {
            if (Babble is { } noise && !_toMaster.Reader.TryPeek(out _) && !IsDisposed)
            {
                await Task.Yield();
                buffer.Span[0] = noise;
                return 1;
            }
            bool more;
            try
            {
                more = await _toMaster.Reader.WaitToReadAsync(cancellationToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                throw new IOException("link broken", e);
            }
            if (!more)
            {
                return 0;
            }
            if (_toMaster.Reader.TryRead(out var next))
            {
                _current = next;
                _offset = 0;
            }
        }
        var n = Math.Min(buffer.Length, _current.Length - _offset);
        _current.AsMemory(_offset, n).CopyTo(buffer);
        _offset += n;
        return n;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(IsDisposed, this);
        if (Broken)
        {
            throw new IOException("device vanished");
        }
        var frame = buffer.ToArray();
        Written.Enqueue(frame);
        if (Respond?.Invoke(frame) is { } answer)
        {
            Inject(answer);
        }
        return ValueTask.CompletedTask;
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public override void Flush()
    {
    }

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException("async only");

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException("async only");

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        IsDisposed = true;
        _toMaster.Writer.TryComplete(new ObjectDisposedException(nameof(ScriptedStream)));
        base.Dispose(disposing);
    }
}
