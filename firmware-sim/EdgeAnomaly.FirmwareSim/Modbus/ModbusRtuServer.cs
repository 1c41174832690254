using Microsoft.Extensions.Logging;

namespace EdgeAnomaly.FirmwareSim.Modbus;

/// <summary>
/// A Modbus RTU server on one serial line shared by every simulated unit, as several slaves share one RS-485
/// bus: frames for other unit ids are read and ignored, broadcast (unit 0) writes are executed on every unit
/// without an answer. If the line fails it is reopened every second.
/// </summary>
public sealed class ModbusRtuServer
{
    private readonly ModbusSimulator _simulator;
    private readonly SerialLineOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Func<SerialLine> _open;
    private readonly byte[] _scratch = new byte[ModbusFunction.MaxPduLength];
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private long _bytesReceived;

    public ModbusRtuServer(ModbusSimulator simulator, SerialLineOptions options, TimeProvider time, ILogger logger, Func<SerialLine>? open = null)
    {
        options.Validate();
        _simulator = simulator;
        _options = options;
        _time = time;
        _logger = logger;
        _open = open ?? (() => SerialLine.Open(options, logger));
    }

    /// <summary>Set once the line is open: whether <see cref="System.IO.Ports.SerialPort"/> opened it (false: file-stream fallback).</summary>
    public bool? UsesSerialPort { get; private set; }

    /// <summary>Completes when the line has been opened the first time.</summary>
    public Task Opened => _opened.Task;

    private readonly TaskCompletionSource _opened = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Opens the line and serves it until cancelled.</summary>
    public async Task RunAsync(CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            SerialLine line;
            try
            {
                line = _open();
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException)
            {
                ModbusLog.RtuLineFailed(_logger, _options.Device, ex.Message);
                _opened.TrySetException(ex);
                if (!await DelayAsync(TimeSpan.FromSeconds(1), ct))
                {
                    return;
                }
                continue;
            }
            using (line)
            {
                UsesSerialPort = line.UsesSerialPort;
                ModbusLog.RtuListening(_logger, _options.Device, line.UsesSerialPort ? "SerialPort" : "FileStream", _options.Describe(),
                    string.Join(',', _simulator.Units.Select(u => u.UnitId)), _options.EffectiveFrameGap.TotalMilliseconds);
                _opened.TrySetResult();
                try
                {
                    await ServeAsync(line.Stream, ct);
                }
                catch (OperationCanceledException) when (ct.IsCancellationRequested)
                {
                    return;
                }
                catch (Exception ex) when (ex is IOException or EndOfStreamException or ObjectDisposedException or InvalidOperationException or UnauthorizedAccessException)
                {
                    ModbusLog.RtuLineFailed(_logger, _options.Device, ex.Message);
                }
            }
            if (!await DelayAsync(TimeSpan.FromSeconds(1), ct))
            {
                return;
            }
        }
    }

    private async Task<bool> DelayAsync(TimeSpan delay, CancellationToken ct)
    {
        try
        {
            await Task.Delay(delay, _time, ct);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    private async Task ServeAsync(Stream stream, CancellationToken ct)
    {
        var assembler = new RtuFrameAssembler();
        var read = new byte[RtuFrameAssembler.MaxFrameLength];
        var frame = new byte[RtuFrameAssembler.MaxFrameLength];
        var response = new byte[RtuFrameAssembler.MaxFrameLength];
        var gap = _options.EffectiveFrameGap;
        long lastByte = 0;
        long discardedBefore = 0;
        Task<int>? pending = null;
        while (true)
        {
            ct.ThrowIfCancellationRequested();
            pending ??= stream.ReadAsync(read, ct).AsTask();
            if (assembler.Buffered > 0 && !pending.IsCompleted)
            {
                // Part of a frame is waiting: either more bytes come or the line goes quiet and ends it.
                using var silence = CancellationTokenSource.CreateLinkedTokenSource(ct);
                var quiet = Task.Delay(gap, _time, silence.Token);
                if (await Task.WhenAny(pending, quiet) != pending)
                {
                    int length;
                    while (assembler.TryTakeAtSilence(frame, out length))
                    {
                        await HandleFrameAsync(stream, frame, length, response, ct);
                    }
                    discardedBefore = ReportDiscarded(assembler, discardedBefore);
                    continue;
                }
                await silence.CancelAsync();
            }
            // WaitAsync: a file-stream read on a pty does not observe cancellation; stop waiting for it anyway.
            var count = await pending.WaitAsync(ct);
            pending = null;
            if (count == 0)
            {
                throw new EndOfStreamException("the line was closed");
            }
            Interlocked.Add(ref _bytesReceived, count);
            var now = _time.GetTimestamp();
            var afterSilence = lastByte != 0 && _time.GetElapsedTime(lastByte, now) >= gap;
            lastByte = now;
            assembler.Append(read.AsSpan(0, count), afterSilence);
            int frameLength;
            while (assembler.TryTakeFrame(frame, out frameLength))
            {
                await HandleFrameAsync(stream, frame, frameLength, response, ct);
            }
            discardedBefore = ReportDiscarded(assembler, discardedBefore);
        }
    }

    private long ReportDiscarded(RtuFrameAssembler assembler, long before)
    {
        var now = assembler.DiscardedBytes;
        if (now > before)
        {
            _simulator.Counters.RtuDiscarded(now - before);
            ModbusLog.RtuDiscarded(_logger, now - before, _simulator.Counters.RtuDiscardedBytes);
        }
        return now;
    }

    private async ValueTask HandleFrameAsync(Stream stream, byte[] frame, int length, byte[] response, CancellationToken ct)
    {
        var unitId = frame[0];
        if (unitId == 0)
        {
            Broadcast(frame.AsSpan(1, length - 3));
            return;
        }
        var unit = _simulator.Find(unitId);
        if (unit is null)
        {
            // Another slave's frame on a shared bus.
            _simulator.Counters.Ignore();
            return;
        }
        _simulator.Counters.Request();
        var faults = unit.Transport;
        if (faults.Drop)
        {
            _simulator.Counters.Fault();
            return;
        }
        if (faults.DelayMs > 0)
        {
            // Answered later in the background so the other units on the line keep their cadence.
            _simulator.Counters.Fault();
            _ = AnswerLateAsync(stream, frame.AsSpan(0, length).ToArray(), unit, faults, Interlocked.Read(ref _bytesReceived), ct);
            return;
        }
        var total = BuildResponse(frame, length, unit, faults, response);
        if (total > 0)
        {
            await WriteAsync(stream, response, total, ct);
        }
    }

    /// <summary>
    /// A late answer goes out only if the line stayed quiet since the request: once the master has sent anything
    /// else it has given up, and on a real bus the late answer would collide with the next exchange.
    /// </summary>
    private async Task AnswerLateAsync(Stream stream, byte[] frame, PumpUnit unit, UnitTransportFaults faults, long receivedAtRequest, CancellationToken ct)
    {
        try
        {
            await Task.Delay(TimeSpan.FromMilliseconds(faults.DelayMs), _time, ct);
            if (Interlocked.Read(ref _bytesReceived) != receivedAtRequest)
            {
                return;
            }
            var response = new byte[RtuFrameAssembler.MaxFrameLength];
            var total = BuildResponse(frame, frame.Length, unit, faults, response);
            if (total > 0)
            {
                await WriteAsync(stream, response, total, ct);
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException or ObjectDisposedException or InvalidOperationException)
        {
            // The line closed or the server stopped while the answer was held back: nothing to answer to.
        }
    }

    private int BuildResponse(byte[] frame, int length, PumpUnit unit, UnitTransportFaults faults, byte[] response)
    {
        var pduLength = faults.Exception != ModbusExceptionCode.None
            ? ModbusRequestHandler.WriteException(frame[1], faults.Exception, response.AsSpan(1))
            : ModbusRequestHandler.Handle(frame.AsSpan(1, length - 3), unit, response.AsSpan(1, ModbusFunction.MaxPduLength));
        if (pduLength == 0)
        {
            return 0;
        }
        response[0] = frame[0];
        var total = ModbusCrc.Append(response, 1 + pduLength);
        if (faults.BadCrc)
        {
            _simulator.Counters.Fault();
            response[total - 1] ^= 0xA5;
        }
        return total;
    }

    private async ValueTask WriteAsync(Stream stream, byte[] response, int total, CancellationToken ct)
    {
        // Answers held back by a delay fault are written from their own task: one frame at a time on the line.
        await _writeLock.WaitAsync(ct);
        try
        {
            await stream.WriteAsync(response.AsMemory(0, total), ct);
            await stream.FlushAsync(ct);
        }
        finally
        {
            _writeLock.Release();
        }
        _simulator.Counters.Response((response[1] & ModbusFunction.ExceptionFlag) != 0);
    }

    private void Broadcast(ReadOnlySpan<byte> pdu)
    {
        if (pdu.IsEmpty || !ModbusFunction.IsWrite(pdu[0]))
        {
            _simulator.Counters.Ignore();
            return;
        }
        _simulator.Counters.Broadcast();
        foreach (var unit in _simulator.Units)
        {
            if (!unit.Transport.Drop)
            {
                ModbusRequestHandler.Handle(pdu, unit, _scratch);
            }
        }
    }
}
