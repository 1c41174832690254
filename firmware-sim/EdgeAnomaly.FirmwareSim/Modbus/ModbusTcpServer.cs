using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;

namespace EdgeAnomaly.FirmwareSim.Modbus;

/// <summary>Where a TCP listener binds and which units it answers for.</summary>
public sealed class ModbusTcpServerOptions
{
    /// <summary>Address and port; port 0 picks a free one (see <see cref="ModbusTcpServer.LocalEndpoint"/>).</summary>
    public IPEndPoint Endpoint { get; init; } = new(IPAddress.Loopback, 502);

    /// <summary>
    /// A per-unit listener: answers only this unit (unit ids 0 and 255, "this device" in Modbus TCP, address it
    /// too), and a drop fault on it stops the listener so connects are refused. Null: every simulated unit,
    /// unit ids 0 and 255 addressing the first.
    /// </summary>
    public byte? OnlyUnit { get; init; }

    /// <summary>Answer unit ids that are not simulated with exception 0x0B (gateway target failed to respond) instead of silence.</summary>
    public bool AnswerUnknownUnit { get; init; }

    /// <summary>Connections beyond this are closed at once (each costs a task and two small buffers).</summary>
    public int MaxConnections { get; init; } = 1024;
}

/// <summary>
/// A Modbus TCP server over the simulator's units: one accept loop, one task per connection, requests on a
/// connection answered in order. A client that misbehaves or vanishes only ends its own connection.
/// </summary>
public sealed class ModbusTcpServer : IAsyncDisposable
{
    private readonly ModbusSimulator _simulator;
    private readonly ModbusTcpServerOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<long, Connection> _connections = new();
    private readonly Lock _gate = new();
    private TcpListener? _listener;
    private CancellationTokenSource? _acceptCts;
    private TaskCompletionSource? _resume;
    private bool _dropped;
    private long _nextConnectionId;

    public ModbusTcpServer(ModbusSimulator simulator, ModbusTcpServerOptions options, TimeProvider time, ILogger logger)
    {
        _simulator = simulator;
        _options = options;
        _time = time;
        _logger = logger;
        if (options.OnlyUnit is { } only && simulator.Find(only) is null)
        {
            throw new ArgumentException($"tcp listener for unit {only}: the unit is not simulated");
        }
        simulator.DropChanged += OnDropChanged;
    }

    /// <summary>The bound address and actual port (after <see cref="Start"/>).</summary>
    public IPEndPoint LocalEndpoint { get; private set; } = new(IPAddress.Loopback, 0);

    public int ActiveConnections => _connections.Count;

    public ModbusTcpServerOptions Options => _options;

    /// <summary>Binds and listens, so the port is known (and connects queue) before <see cref="RunAsync"/>.</summary>
    public void Start()
    {
        _listener = Listen(_options.Endpoint);
        LocalEndpoint = (IPEndPoint)_listener.LocalEndpoint;
        var units = _options.OnlyUnit is { } only ? only.ToString(System.Globalization.CultureInfo.InvariantCulture) : string.Join(',', _simulator.Units.Select(u => u.UnitId));
        ModbusLog.TcpListening(_logger, LocalEndpoint.ToString(), units);
    }

    /// <summary>Accepts connections until cancelled; then closes the listener and every connection.</summary>
    public async Task RunAsync(CancellationToken ct)
    {
        if (_listener is null)
        {
            Start();
        }
        var handlers = new ConcurrentDictionary<long, Task>();
        try
        {
            while (!ct.IsCancellationRequested)
            {
                TaskCompletionSource? resume;
                CancellationTokenSource? acceptCts;
                lock (_gate)
                {
                    // A drop on a per-unit listener cancels the pending accept through _acceptCts.
                    resume = _dropped ? _resume : null;
                    acceptCts = _dropped ? null : CancellationTokenSource.CreateLinkedTokenSource(ct);
                    _acceptCts = acceptCts;
                }
                if (acceptCts is null)
                {
                    await RefuseUntilResumedAsync(resume!, ct);
                    continue;
                }
                Socket socket;
                try
                {
                    socket = await _listener!.AcceptSocketAsync(acceptCts.Token);
                }
                catch (OperationCanceledException) when (!ct.IsCancellationRequested)
                {
                    continue;
                }
                catch (SocketException ex) when (!ct.IsCancellationRequested)
                {
                    ModbusLog.TcpListenerFailed(_logger, LocalEndpoint.ToString(), ex.Message);
                    await Task.Delay(TimeSpan.FromMilliseconds(100), _time, ct);
                    continue;
                }
                finally
                {
                    lock (_gate)
                    {
                        _acceptCts = null;
                    }
                    acceptCts.Dispose();
                }
                if (_connections.Count >= _options.MaxConnections)
                {
                    ModbusLog.TcpConnectionLimit(_logger, _options.MaxConnections, socket.RemoteEndPoint?.ToString() ?? "?");
                    socket.Dispose();
                    continue;
                }
                var id = Interlocked.Increment(ref _nextConnectionId);
                var connection = new Connection(socket, ct);
                _connections[id] = connection;
                _simulator.Counters.Connection();
                handlers[id] = ServeAsync(id, connection).ContinueWith(
                    (_, state) => handlers.TryRemove((long)state!, out Task? _), id, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
        finally
        {
            _listener?.Stop();
            foreach (var connection in _connections.Values)
            {
                connection.Close();
            }
            await Task.WhenAll(handlers.Values);
        }
    }

    public ValueTask DisposeAsync()
    {
        _simulator.DropChanged -= OnDropChanged;
        _listener?.Stop();
        foreach (var connection in _connections.Values)
        {
            connection.Close();
        }
        return ValueTask.CompletedTask;
    }

    private static TcpListener Listen(IPEndPoint endpoint)
    {
        var listener = new TcpListener(endpoint);
        // Lets a per-unit listener re-bind its port after a drop while old connections sit in TIME_WAIT.
        listener.Server.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
        listener.Start(512);
        return listener;
    }

    private async Task RefuseUntilResumedAsync(TaskCompletionSource resume, CancellationToken ct)
    {
        _listener?.Stop();
        ModbusLog.TcpDropListener(_logger, _options.OnlyUnit ?? 0, "starts, listener closed", LocalEndpoint.ToString());
        await resume.Task.WaitAsync(ct);
        while (true)
        {
            try
            {
                _listener = Listen(LocalEndpoint);
                ModbusLog.TcpDropListener(_logger, _options.OnlyUnit ?? 0, "ends, listening again", LocalEndpoint.ToString());
                return;
            }
            catch (SocketException ex)
            {
                ModbusLog.TcpListenerFailed(_logger, LocalEndpoint.ToString(), ex.Message);
                await Task.Delay(TimeSpan.FromSeconds(1), _time, ct);
            }
        }
    }

    private void OnDropChanged(PumpUnit unit, bool dropped)
    {
        if (dropped)
        {
            foreach (var connection in _connections.Values)
            {
                // On a per-unit listener every connection belongs to the unit, even one that has not asked yet.
                if (connection.LastUnit == unit.UnitId || _options.OnlyUnit == unit.UnitId)
                {
                    connection.Close();
                }
            }
        }
        if (_options.OnlyUnit != unit.UnitId)
        {
            return;
        }
        lock (_gate)
        {
            if (dropped)
            {
                _dropped = true;
                _resume = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                _acceptCts?.Cancel();
            }
            else
            {
                _dropped = false;
                _resume?.TrySetResult();
            }
        }
    }

    private PumpUnit? Resolve(byte unitId)
    {
        if (_options.OnlyUnit is { } only)
        {
            return unitId == only || unitId is 0 or 255 ? _simulator.Find(only) : null;
        }
        return unitId is 0 or 255 ? _simulator.Units[0] : _simulator.Find(unitId);
    }

    private async Task ServeAsync(long id, Connection connection)
    {
        await Task.Yield();
        var remote = connection.Socket.RemoteEndPoint?.ToString() ?? "?";
        ModbusLog.TcpConnected(_logger, remote, LocalEndpoint.ToString());
        var reason = "closed by client";
        var header = new byte[MbapHeader.Size];
        var request = new byte[ModbusFunction.MaxPduLength];
        var response = new byte[MbapHeader.Size + ModbusFunction.MaxPduLength];
        var ct = connection.Token;
        try
        {
            await using var stream = new NetworkStream(connection.Socket, ownsSocket: false);
            while (!ct.IsCancellationRequested)
            {
                if (await stream.ReadAtLeastAsync(header, MbapHeader.Size, throwOnEndOfStream: false, ct) < MbapHeader.Size)
                {
                    break;
                }
                var mbap = MbapHeader.Read(header);
                if (!mbap.IsValid)
                {
                    _simulator.Counters.Malform();
                    var count = _simulator.Counters.Malformed;
                    if (count <= 10 || count % 1000 == 0)
                    {
                        ModbusLog.TcpMalformed(_logger, remote, mbap.ProtocolId, mbap.Length, count);
                    }
                    reason = "malformed header";
                    break;
                }
                await stream.ReadExactlyAsync(request.AsMemory(0, mbap.PduLength), ct);
                var unit = Resolve(mbap.UnitId);
                if (unit is null)
                {
                    _simulator.Counters.Ignore();
                    if (_options.AnswerUnknownUnit)
                    {
                        var length = ModbusRequestHandler.WriteException(request[0], ModbusExceptionCode.GatewayTargetFailedToRespond, response.AsSpan(MbapHeader.Size));
                        await SendAsync(stream, mbap, response, length, 0, ct);
                        _simulator.Counters.Response(exception: true);
                    }
                    continue;
                }
                connection.LastUnit = unit.UnitId;
                _simulator.Counters.Request();
                var faults = unit.Transport;
                if (faults.Drop)
                {
                    _simulator.Counters.Fault();
                    reason = "drop fault";
                    break;
                }
                if (faults.DelayMs > 0)
                {
                    // Answered later from its own task: requests behind it on this connection (other units
                    // through a shared connection) are answered meanwhile; the master matches by transaction id.
                    _simulator.Counters.Fault();
                    _ = AnswerLateAsync(stream, connection, mbap, request.AsSpan(0, mbap.PduLength).ToArray(), unit, faults, ct);
                    continue;
                }
                await AnswerAsync(stream, connection, mbap, request.AsMemory(0, mbap.PduLength), unit, faults, response, ct);
            }
        }
        catch (OperationCanceledException)
        {
            reason = "closed by server";
        }
        catch (Exception ex) when (ex is IOException or SocketException or EndOfStreamException or ObjectDisposedException)
        {
            reason = ex.Message;
        }
        finally
        {
            _connections.TryRemove(id, out _);
            connection.Close();
            connection.Release();
            ModbusLog.TcpDisconnected(_logger, remote, reason);
        }
    }

    private async ValueTask AnswerAsync(NetworkStream stream, Connection connection, MbapHeader mbap, ReadOnlyMemory<byte> request, PumpUnit unit, UnitTransportFaults faults, byte[] response, CancellationToken ct)
    {
        var pduLength = Execute(unit, faults, request.Span, response.AsSpan(MbapHeader.Size));
        if (pduLength == 0)
        {
            return;
        }
        if (faults.CorruptMode != 0)
        {
            _simulator.Counters.Fault();
        }
        await connection.WriteLock.WaitAsync(ct);
        try
        {
            await SendAsync(stream, mbap, response, pduLength, faults.CorruptMode, ct);
        }
        finally
        {
            connection.WriteLock.Release();
        }
        _simulator.Counters.Response((response[MbapHeader.Size] & ModbusFunction.ExceptionFlag) != 0);
    }

    private async Task AnswerLateAsync(NetworkStream stream, Connection connection, MbapHeader mbap, byte[] request, PumpUnit unit, UnitTransportFaults faults, CancellationToken ct)
    {
        try
        {
            await Task.Delay(TimeSpan.FromMilliseconds(faults.DelayMs), _time, ct);
            await AnswerAsync(stream, connection, mbap, request, unit, faults, new byte[MbapHeader.Size + ModbusFunction.MaxPduLength], ct);
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException or SocketException or ObjectDisposedException)
        {
            // The connection closed while the answer was held back.
        }
    }

    private static int Execute(PumpUnit unit, UnitTransportFaults faults, ReadOnlySpan<byte> request, Span<byte> response) =>
        faults.Exception != ModbusExceptionCode.None
            ? ModbusRequestHandler.WriteException(request[0], faults.Exception, response)
            : ModbusRequestHandler.Handle(request, unit, response);

    private static async ValueTask SendAsync(NetworkStream stream, MbapHeader request, byte[] response, int pduLength, int corruptMode, CancellationToken ct)
    {
        var transactionId = corruptMode == 1 ? unchecked((ushort)(request.TransactionId + 1)) : request.TransactionId;
        var length = (ushort)(pduLength + 1 + (corruptMode == 2 ? 1 : 0));
        new MbapHeader(transactionId, 0, length, request.UnitId).Write(response);
        await stream.WriteAsync(response.AsMemory(0, MbapHeader.Size + pduLength), ct);
    }

    private sealed class Connection(Socket socket, CancellationToken serverToken)
    {
        private readonly CancellationTokenSource _cts = CancellationTokenSource.CreateLinkedTokenSource(serverToken);
        private int _closed;

        public Socket Socket { get; } = socket;

        /// <summary>One response at a time on the stream (late answers are written from their own task).</summary>
        public SemaphoreSlim WriteLock { get; } = new(1, 1);

        public CancellationToken Token => _cts.Token;

        /// <summary>Unit id of the last request (drop faults close connections by it); -1 before the first.</summary>
        public volatile int LastUnit = -1;

        public void Close()
        {
            if (Interlocked.Exchange(ref _closed, 1) != 0)
            {
                return;
            }
            try
            {
                _cts.Cancel();
            }
            catch (ObjectDisposedException)
            {
            }
            Socket.Dispose();
        }

        /// <summary>Unhooks the connection's token from the server's (called once, by the connection's own task).</summary>
        public void Release() => _cts.Dispose();
    }
}
