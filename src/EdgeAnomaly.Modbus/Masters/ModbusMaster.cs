using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace EdgeAnomaly.Modbus;

/// <summary>
/// What every master shares: argument checks before any IO, one transaction at a time (callers queue in arrival
/// order on an async semaphore), lazy open and reopen after a link failure (no background threads), counters and
/// rate-limited fault lines. Subclasses frame one transaction on an open link.
/// </summary>
internal abstract class ModbusMaster : IModbusMaster
{
    private readonly Func<CancellationToken, ValueTask<Stream>> _open;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly byte[] _pdu = new byte[ModbusPdu.MaxLength];
    private readonly FaultLogLimiter _faultLog;
    private LinkReader? _link;
    private bool _everOpened;
    private bool _failedSinceOpen;
    private bool _disposed;

    protected ModbusMaster(string linkName, Func<CancellationToken, ValueTask<Stream>> open, ModbusLinkOptions options, TimeProvider time, ILogger? logger)
    {
        ArgumentNullException.ThrowIfNull(open);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(time);
        options.Validate();
        LinkName = linkName;
        _open = open;
        Options = options;
        Time = time;
        Logger = logger ?? NullLogger.Instance;
        _faultLog = new FaultLogLimiter(time, options.FaultLogInterval);
    }

    public ModbusLinkCounters Counters { get; } = new();

    public string LinkName { get; }

    protected ModbusLinkOptions Options { get; }

    protected TimeProvider Time { get; }

    protected ILogger Logger { get; }

    public async ValueTask ReadRegistersAsync(byte unitId, ModbusTable table, ushort address, Memory<ushort> destination, CancellationToken ct)
    {
        var request = ModbusRequest.ReadRegisters(table, address, destination.Length);
        CheckUnit(unitId, request);
        await _gate.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            var length = ModbusPdu.WriteRequest(request, _pdu);
            var response = await ExecuteAsync(unitId, request, length, ct).ConfigureAwait(false);
            ModbusPdu.ReadRegisterValues(response.Span, destination.Span);
        }
        finally
        {
            _gate.Release();
        }
    }

    public async ValueTask ReadBitsAsync(byte unitId, ModbusTable table, ushort address, Memory<bool> destination, CancellationToken ct)
    {
        var request = ModbusRequest.ReadBits(table, address, destination.Length);
        CheckUnit(unitId, request);
        await _gate.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            var length = ModbusPdu.WriteRequest(request, _pdu);
            var response = await ExecuteAsync(unitId, request, length, ct).ConfigureAwait(false);
            ModbusPdu.ReadBitValues(response.Span, destination.Span);
        }
        finally
        {
            _gate.Release();
        }
    }

    public ValueTask WriteSingleCoilAsync(byte unitId, ushort address, bool value, CancellationToken ct) =>
        WriteAsync(unitId, ModbusRequest.WriteSingleCoil(address, value), ct);

    public ValueTask WriteSingleRegisterAsync(byte unitId, ushort address, ushort value, CancellationToken ct) =>
        WriteAsync(unitId, ModbusRequest.WriteSingleRegister(address, value), ct);

    public async ValueTask WriteMultipleCoilsAsync(byte unitId, ushort address, ReadOnlyMemory<bool> values, CancellationToken ct)
    {
        var request = ModbusRequest.WriteMultipleCoils(address, values.Length);
        CheckUnit(unitId, request);
        await _gate.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            var length = ModbusPdu.WriteMultipleCoilsRequest(address, values.Span, _pdu);
            await ExecuteAsync(unitId, request, length, ct).ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }

    public async ValueTask WriteMultipleRegistersAsync(byte unitId, ushort address, ReadOnlyMemory<ushort> values, CancellationToken ct)
    {
        var request = ModbusRequest.WriteMultipleRegisters(address, values.Length);
        CheckUnit(unitId, request);
        await _gate.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            var length = ModbusPdu.WriteMultipleRegistersRequest(address, values.Span, _pdu);
            await ExecuteAsync(unitId, request, length, ct).ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Waits for a running transaction (bounded by the timeouts), then closes the link.</summary>
    public async ValueTask DisposeAsync()
    {
        await _gate.WaitAsync().ConfigureAwait(false);
        try
        {
            _disposed = true;
            CloseLink();
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> for a unit id this kind of link cannot address.</summary>
    protected virtual void CheckUnit(byte unitId, in ModbusRequest request)
    {
    }

    /// <summary>Called after the link was (re)opened, before its first transaction.</summary>
    protected virtual void OnOpened()
    {
    }

    /// <summary>
    /// One transaction on an open link: send the request PDU, return the validated response PDU (empty for a
    /// broadcast). The returned memory stays valid until the next transaction. Stream failures may escape as they
    /// are (the caller turns them into <see cref="ModbusTransportException"/> and closes the link).
    /// </summary>
    protected abstract ValueTask<ReadOnlyMemory<byte>> TransactAsync(LinkReader link, byte unitId, ModbusRequest request, ReadOnlyMemory<byte> pdu, CancellationToken ct);

    /// <summary>Drops the link; the next transaction opens it again.</summary>
    protected void CloseLink()
    {
        var link = _link;
        _link = null;
        if (link is null)
        {
            return;
        }
        link.Abandon();
        try
        {
            link.Stream.Dispose();
        }
        catch (Exception e) when (IsLinkFailure(e))
        {
            // Closing a stream whose device is already gone may fail; it is gone either way.
        }
    }

    /// <summary>Writes a whole frame within the link timeout; a write that cannot complete means a broken link.</summary>
    protected async ValueTask SendAsync(Stream stream, ReadOnlyMemory<byte> frame, CancellationToken ct)
    {
        var write = stream.WriteAsync(frame, ct);
        if (!write.IsCompleted)
        {
            var task = write.AsTask();
            try
            {
                await task.WaitAsync(Options.Timeout, Time, ct).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                _ = task.ContinueWith(static t => _ = t.Exception, CancellationToken.None,
                    TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
                throw new IOException($"write did not complete within {Options.Timeout.TotalMilliseconds:0} ms");
            }
        }
        else
        {
            await write.ConfigureAwait(false);
        }
        await stream.FlushAsync(ct).ConfigureAwait(false);
    }

    private ValueTask WriteAsync(byte unitId, ModbusRequest request, CancellationToken ct)
    {
        CheckUnit(unitId, request);
        return WriteSingleAsync(unitId, request, ct);
    }

    private async ValueTask WriteSingleAsync(byte unitId, ModbusRequest request, CancellationToken ct)
    {
        await _gate.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            var length = ModbusPdu.WriteRequest(request, _pdu);
            await ExecuteAsync(unitId, request, length, ct).ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }

    // Runs under the gate.
    private async ValueTask<ReadOnlyMemory<byte>> ExecuteAsync(byte unitId, ModbusRequest request, int pduLength, CancellationToken ct)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        try
        {
            var link = await OpenAsync(ct).ConfigureAwait(false);
            var response = await TransactAsync(link, unitId, request, _pdu.AsMemory(0, pduLength), ct).ConfigureAwait(false);
            if (!response.IsEmpty)
            {
                Counters.AddResponse();
            }
            return response;
        }
        catch (ModbusSlaveException e)
        {
            Counters.AddResponse();
            Counters.AddSlaveException();
            Fault(e);
            throw;
        }
        catch (ModbusTimeoutException e)
        {
            Counters.AddTimeout();
            Fault(e);
            throw;
        }
        catch (ModbusFrameException e)
        {
            Counters.AddFrameError();
            Fault(e);
            throw;
        }
        catch (ModbusTransportException e)
        {
            Counters.AddTransportError();
            Fault(e);
            throw;
        }
        catch (Exception e) when (IsLinkFailure(e))
        {
            CloseLink();
            Counters.AddTransportError();
            var failure = new ModbusTransportException($"{LinkName}: link failed: {e.Message}", e);
            Fault(failure);
            throw failure;
        }
    }

    private async ValueTask<LinkReader> OpenAsync(CancellationToken ct)
    {
        if (_link is not null)
        {
            return _link;
        }
        Stream stream;
        using (var timeout = new CancellationTokenSource(Options.ConnectTimeout, Time))
        using (var linked = CancellationTokenSource.CreateLinkedTokenSource(ct, timeout.Token))
        {
            try
            {
                stream = await _open(linked.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested)
            {
                throw new ModbusTransportException($"{LinkName}: not open within {Options.ConnectTimeout.TotalMilliseconds:0} ms");
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                throw new ModbusTransportException($"{LinkName}: cannot open: {e.Message}", e);
            }
        }
        if (_everOpened)
        {
            Counters.AddReconnect();
        }
        if (_failedSinceOpen)
        {
            Log.LinkReopened(Logger, LinkName);
        }
        else
        {
            Log.LinkOpened(Logger, LinkName);
        }
        _everOpened = true;
        _failedSinceOpen = false;
        _link = new LinkReader(stream, Time);
        OnOpened();
        return _link;
    }

    private void Fault(ModbusException e)
    {
        if (e is ModbusTransportException)
        {
            _failedSinceOpen = true;
        }
        if (_faultLog.TryEnter(out var suppressed))
        {
            Log.LinkFault(Logger, LinkName, e.Message, suppressed);
        }
    }

    private static bool IsLinkFailure(Exception e) =>
        e is IOException or SocketException or ObjectDisposedException or UnauthorizedAccessException or InvalidOperationException;
}
