using System.IO.Ports;
using EdgeAnomaly.Core.Readings;
using EdgeAnomaly.Devices.Modbus;
using Microsoft.Extensions.Logging;

namespace EdgeAnomaly.Devices.Serial;

/// <summary>Opens the byte stream of a serial sensor; the default opens the serial port, tests may open anything.</summary>
public interface ISerialPortOpener
{
    /// <summary>Opens the port; throws (IOException, UnauthorizedAccessException, ...) when it is missing or busy.</summary>
    Stream Open(SerialSensorOptions options);
}

/// <summary>Opens a <see cref="SerialPort"/> with the sensor's settings and reads it through its base stream.</summary>
public sealed class SystemSerialPortOpener : ISerialPortOpener
{
    public static SystemSerialPortOpener Instance { get; } = new();

    public Stream Open(SerialSensorOptions options)
    {
        if (!ModbusMapCompiler.TryParseParity(options.Parity, out var parity))
        {
            throw new ArgumentException($"parity '{options.Parity}' is not None, Even or Odd", nameof(options));
        }
#pragma warning disable CA2000 // The returned OwningStream owns the port; the catch disposes it when opening fails.
        var port = new SerialPort(options.Port, options.BaudRate, parity, options.DataBits,
            options.StopBits == 2 ? StopBits.Two : StopBits.One)
        {
            Handshake = Handshake.None,
            ReadTimeout = SerialPort.InfiniteTimeout,
        };
#pragma warning restore CA2000
        try
        {
            port.Open();
            try
            {
                port.DtrEnable = true; // many USB-serial sensors (ESP32 boards, Arduinos) only send while DTR is asserted
            }
            catch (IOException)
            {
                // a line without modem control (a pty, some adapters): nothing to assert
            }
            return new OwningStream(port);
        }
        catch
        {
            port.Dispose();
            throw;
        }
    }

    /// <summary>The port's base stream, closing the port with it.</summary>
    private sealed class OwningStream(SerialPort port) : Stream
    {
        private readonly Stream _inner = port.BaseStream;

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count) => _inner.Read(buffer, offset, count);
        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => _inner.ReadAsync(buffer, cancellationToken);
        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) => _inner.ReadAsync(buffer, offset, count, cancellationToken);
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                try
                {
                    port.Dispose();
                }
                catch (IOException)
                {
                    // closing a port whose device is gone can fail; it is gone either way
                }
            }
            base.Dispose(disposing);
        }
    }
}

/// <summary>Status of one serial sensor for health.</summary>
public sealed record SerialSensorStatus(string Name, string Port, bool Open, DateTimeOffset? LastLine, SerialSensorCounters Counters);

/// <summary>
/// Reads a serial-line sensor: opens the port, reads with cancellation, frames lines, decodes them and writes
/// the readings to the sink (one batch per read). When the port is missing, fails or is unplugged it is closed and
/// reopened on backoff until it comes back; the line in progress is dropped and reading resumes at the next line.
/// </summary>
public sealed class SerialSensorReader
{
    private const int ReadBufferSize = 4096;
    private const int MaxBatch = 512;

    private readonly SerialSensorOptions _options;
    private readonly IReadingSink _sink;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly ISerialPortOpener _opener;
    private readonly Func<double> _random01;
    private readonly SerialLineFramer _framer;
    private readonly SerialLineDecoder _decoder;
    private readonly string _source;
    private readonly Reading[] _batch = new Reading[MaxBatch];
    private readonly LogThrottle _portLog = new();
    private readonly LogThrottle _rejectLog = new();
    private volatile bool _open;
    private long _lastLineMs = long.MinValue;

    public SerialSensorReader(SerialSensorOptions options, Func<string, string, int?> resolveTag, IReadingSink sink,
        TimeProvider time, ILogger logger, ISerialPortOpener? opener = null, Func<double>? random01 = null)
    {
        var errors = SerialSensorValidation.Validate(options, $"{DevicesOptions.Section}:Serial:{options.Name}", resolveTag).ToList();
        if (errors.Count > 0)
        {
            throw new DevicesConfigException(errors);
        }
        if (!SerialSensorValidation.TryParseFormat(options.Format, out var format))
        {
            throw new DevicesConfigException([$"format '{options.Format}' is not Json or KeyValue"]);
        }
        _options = options;
        _sink = sink;
        _time = time;
        _logger = logger;
        _opener = opener ?? SystemSerialPortOpener.Instance;
        _random01 = random01 ?? Random.Shared.NextDouble;
        _framer = new SerialLineFramer(options.MaxLineLength);
        _decoder = new SerialLineDecoder(format, options.Asset, options.Tags, resolveTag, options.UseDeviceTimestamp);
        _source = "serial:" + options.Name;
    }

    public string Name => _options.Name;

    public SerialSensorCounters Counters => _decoder.Counters;

    public SerialSensorStatus GetStatus()
    {
        var last = Interlocked.Read(ref _lastLineMs);
        return new SerialSensorStatus(_options.Name, _options.Port, _open,
            last == long.MinValue ? null : DateTimeOffset.FromUnixTimeMilliseconds(last), _decoder.Counters);
    }

    /// <summary>Reads until <paramref name="ct"/> is cancelled, then returns normally.</summary>
    public async Task RunAsync(CancellationToken ct)
    {
        var buffer = new byte[ReadBufferSize];
        var failures = 0;
        try
        {
            while (!ct.IsCancellationRequested)
            {
                Stream? stream = null;
                string error;
                try
                {
                    stream = _opener.Open(_options);
                    _open = true;
                    Counters.AddOpen();
                    DevicesLog.SerialOpened(_logger, _options.Name, _options.Port);
                    while (true)
                    {
                        var n = await stream.ReadAsync(buffer, ct);
                        if (n == 0)
                        {
                            throw new EndOfStreamException("the port was closed (device unplugged?)");
                        }
                        failures = 0; // data flows: the next outage starts its backoff from the beginning
                        await ProcessAsync(buffer.AsMemory(0, n), ct);
                    }
                }
                catch (Exception ex) when (!ct.IsCancellationRequested && IsPortFault(ex))
                {
                    error = ex.Message;
                }
                finally
                {
                    _open = false;
                    if (stream is not null)
                    {
                        await stream.DisposeAsync();
                    }
                    _framer.Reset();
                    Counters.SetPartial(_framer.PartialLinesDropped);
                }
                Counters.AddPortError();
                var delay = _options.Reopen.Delay(failures, _random01());
                failures++;
                if (_portLog.ShouldLog(NowMs(), out var suppressed))
                {
                    DevicesLog.SerialUnavailable(_logger, _options.Name, _options.Port, error, (long)delay.TotalMilliseconds, suppressed);
                }
                await Task.Delay(delay, _time, ct);
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
    }

    private static bool IsPortFault(Exception ex) =>
        ex is IOException or UnauthorizedAccessException or InvalidOperationException or TimeoutException
            or ArgumentException or OperationCanceledException or ObjectDisposedException;

    private async ValueTask ProcessAsync(ReadOnlyMemory<byte> data, CancellationToken ct)
    {
        var count = 0;
        var offset = 0;
        while (offset < data.Length)
        {
            // the framer works on spans; spans cannot live across the await below, so lines are decoded in a
            // synchronous pass that stops when the batch is full
            offset += DecodeLines(data.Span[offset..], ref count);
            if (count > 0)
            {
                await _sink.WriteAsync(new ReadingBatch(_source, _batch.AsMemory(0, count)), ct);
                count = 0;
            }
        }
    }

    /// <summary>Decodes lines from <paramref name="data"/> into the batch until it is used up or the batch is nearly full; returns bytes consumed.</summary>
    private int DecodeLines(ReadOnlySpan<byte> data, ref int count)
    {
        var input = data;
        var now = NowMs();
        while (count <= MaxBatch - SerialLineDecoder.MaxValuesPerLine && _framer.TryReadLine(ref input, out var line))
        {
            var readings = _decoder.Decode(line, now, out var reject);
            Interlocked.Exchange(ref _lastLineMs, now);
            if (reject != SerialLineReject.None)
            {
                if (_rejectLog.ShouldLog(now, out var suppressed))
                {
                    DevicesLog.SerialRejected(_logger, _options.Name, reject == SerialLineReject.Malformed ? $"not {_options.Format}" : "no usable value", suppressed);
                }
                continue;
            }
            readings.CopyTo(_batch.AsSpan(count));
            count += readings.Length;
        }
        Counters.SetOverlong(_framer.OverlongLines);
        return data.Length - input.Length;
    }

    private long NowMs() => _time.GetUtcNow().ToUnixTimeMilliseconds();
}
