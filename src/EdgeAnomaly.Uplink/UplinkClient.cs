using System.Buffers;
using EdgeAnomaly.Contracts;
using EdgeAnomaly.Core.Diagnostics;
using EdgeAnomaly.Core.Net;
using EdgeAnomaly.Core.Resilience;
using EdgeAnomaly.Mqtt;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using MQTTnet;
using MQTTnet.Protocol;

namespace EdgeAnomaly.Uplink;

/// <summary>Where the uplink's own reconnect loop is.</summary>
public enum UplinkState
{
    Disconnected = 0,
    Connecting,
    Connected,
    Backoff,
    Stopped,
}

/// <summary>A publish result as data: success means the broker acknowledged it (PUBACK for QoS 1).</summary>
public readonly record struct PublishOutcome(bool Success, string? Error = null)
{
    public static PublishOutcome Ok => new(true);

    public static PublishOutcome NotConnected => new(false, "not connected");
}

/// <summary>
/// A publish under way, read without a continuation of its own: a caller that collects many in order (the forwarder)
/// polls <see cref="IsCompleted"/> and waits only for the oldest, where an async wrapper per publish would cost a
/// thread-pool hop for every PUBACK.
/// </summary>
public readonly struct PendingPublish
{
    private readonly Task<MqttClientPublishResult>? _task;
    private readonly PublishOutcome _immediate;
    private readonly CancellationToken _ct;

    internal PendingPublish(Task<MqttClientPublishResult> task, CancellationToken ct)
    {
        _task = task;
        _immediate = default;
        _ct = ct;
    }

    internal PendingPublish(PublishOutcome immediate)
    {
        _task = null;
        _immediate = immediate;
        _ct = default;
    }

    public bool IsCompleted => _task is null || _task.IsCompleted;

    /// <summary>Completes with the publish (never throws: the outcome carries a failure).</summary>
    public System.Runtime.CompilerServices.ConfiguredTaskAwaitable WhenCompleted() =>
        (_task ?? Task.CompletedTask).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);

    /// <summary>
    /// The outcome of a completed publish. Throws <see cref="OperationCanceledException"/> only when the caller's
    /// token was cancelled; any other failure (a lost link, a broker refusal) is an unsuccessful outcome.
    /// </summary>
    public PublishOutcome Outcome
    {
        get
        {
            var task = _task;
            if (task is null)
            {
                return _immediate;
            }
            if (!task.IsCompleted)
            {
                throw new InvalidOperationException("the publish has not completed");
            }
            if (task.IsCompletedSuccessfully)
            {
                var result = task.Result;
                // MQTT 5 brokers answer "no matching subscribers" when nobody listens: the broker still took it.
                return result.ReasonCode is MqttClientPublishReasonCode.Success or MqttClientPublishReasonCode.NoMatchingSubscribers
                    ? PublishOutcome.Ok
                    : new PublishOutcome(false, $"{result.ReasonCode} {result.ReasonString}");
            }
            if (task.IsCanceled && _ct.IsCancellationRequested)
            {
                throw new OperationCanceledException(_ct);
            }
            var ex = task.Exception?.InnerException;
            return new PublishOutcome(false, ex is null ? "canceled" : ex.GetType().Name + ": " + ex.Message);
        }
    }
}

/// <summary>
/// The connection to the central broker. MQTTnet 5 has no managed client, so this class owns reconnect as an
/// explicit state machine run by <see cref="RunAsync"/>:
/// <code>
/// Disconnected -> Connecting -> Connected -(link lost)-> Backoff -> Connecting ...
///                     \-(connect failed)-> Backoff        any -(stop)-> Stopped
/// </code>
/// Backoff delays come from <see cref="Backoff.Delay"/> (capped exponential with jitter) on the injected clock.
/// Every connect sets a retained {"v":1,"state":"offline"} last will on the state topic and then publishes the
/// retained online state; a clean stop publishes the offline state itself, then disconnects.
/// A fresh MQTTnet client is made per connection, so a half-dead one can never be reused.
/// </summary>
public sealed class UplinkClient : IAsyncDisposable
{
    private const double Jitter = 0.2;
    private readonly LoginRefusalHint _loginHint = new();

    private readonly UplinkOptions _options;
    private readonly GatewayCounters _counters;
    private readonly TimeProvider _time;
    private readonly ILogger _log;
    private readonly MqttClientFactory _factory = new();
    private readonly Lock _gate = new();
    private readonly Random _random = new();
    private IMqttClient? _client;
    private TaskCompletionSource _connected = NewSignal();
    private TaskCompletionSource _lost = NewSignal();
    private UplinkState _state = UplinkState.Disconnected;
    private bool _everConnected;
    private int _serverReceiveMaximum;
    private readonly ServerCertificateValidator? _certificateValidator;

    public UplinkClient(UplinkOptions options, GatewayCounters counters, TimeProvider? time = null, ILogger<UplinkClient>? log = null)
    {
        // Options are validated once, at start (the gateway's options validation); not again here.
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
        _counters = counters;
        _time = time ?? TimeProvider.System;
        _log = log ?? (ILogger)NullLogger.Instance;
        Topics = new GatewayTopics(options.TopicPrefix, options.GatewayId);
        _certificateValidator = ServerCertificateValidator.ForOptions("Central", options.Host, options.UseTls, options.AllowUntrustedCertificates, options.CaFile);
    }

    /// <summary>This gateway's topics, named by <see cref="UplinkOptions.GatewayId"/>: events, health and state all go through these.</summary>
    public GatewayTopics Topics { get; }

    public UplinkOptions Options => _options;

    public UplinkState State
    {
        get
        {
            lock (_gate)
            {
                return _state;
            }
        }
    }

    public bool IsConnected => State == UplinkState.Connected && _client is { IsConnected: true };

    /// <summary>The Receive Maximum of the current connection's CONNACK; 0 when the broker sent none (65 535 then).</summary>
    public int ServerReceiveMaximum => Volatile.Read(ref _serverReceiveMaximum);

    /// <summary>
    /// Event publishes the forwarder may keep awaiting PUBACK on this connection: <see cref="UplinkOptions.MaxInflight"/>,
    /// lowered to the broker's Receive Maximum less two slots kept free for state and health publishes.
    /// </summary>
    public int EventInflightLimit => InflightLimit(_options.MaxInflight, ServerReceiveMaximum);

    /// <summary>The pure rule behind <see cref="EventInflightLimit"/>.</summary>
    public static int InflightLimit(int maxInflight, int serverReceiveMaximum) =>
        serverReceiveMaximum <= 0 ? maxInflight : Math.Clamp(serverReceiveMaximum - 2, 1, maxInflight);

    /// <summary>Raised on every state change (on the thread that made it; keep handlers short).</summary>
    public event Action<UplinkState>? StateChanged;

    /// <summary>Completes when the link is (or becomes) connected and the online state is published.</summary>
    public Task WaitConnectedAsync(CancellationToken ct)
    {
        Task task;
        lock (_gate)
        {
            task = _connected.Task;
        }
        return task.WaitAsync(ct);
    }

    /// <summary>Runs the connect/backoff loop until <paramref name="ct"/> is cancelled, then stops cleanly.</summary>
    public async Task RunAsync(CancellationToken ct)
    {
        var attempt = 0;
        var options = BuildMqttOptions(_options, _certificateValidator);
        try
        {
            while (!ct.IsCancellationRequested)
            {
                SetState(UplinkState.Connecting);
                _certificateValidator?.Reset();
                string error;
                try
                {
                    await ConnectOnceAsync(options, ct);
                    attempt = 0;
                    Task lost;
                    lock (_gate)
                    {
                        lost = _lost.Task;
                    }
                    await lost.WaitAsync(ct);
                    error = "connection lost";
                }
                catch (OperationCanceledException) when (ct.IsCancellationRequested)
                {
                    break;
                }
                catch (Exception ex)
                {
                    error = ex.GetType().Name + ": " + ex.Message;
                    error += _certificateValidator?.RefusalNote;
                }
                DropClient(abort: true);
                SetState(UplinkState.Backoff);
                var delay = Backoff.Delay(Math.Min(attempt, 30), _options.ReconnectInitial, _options.ReconnectMax, Jitter, _random.NextDouble());
                attempt++;
                Log.ConnectFailed(_log, _options.Host, _options.Port, attempt, delay, error);
                try
                {
                    await Task.Delay(delay, _time, ct);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }
        }
        finally
        {
            await StopCleanlyAsync();
            SetState(UplinkState.Stopped);
            Log.Stopped(_log);
        }
    }

    private async Task ConnectOnceAsync(MqttClientOptions options, CancellationToken ct)
    {
        var client = _factory.CreateMqttClient();
        lock (_gate)
        {
            _lost = NewSignal();
            _client = client;
        }
        client.DisconnectedAsync += args =>
        {
            OnDisconnected(client, args.Reason.ToString());
            return Task.CompletedTask;
        };
        using (var timeout = new CancellationTokenSource(_options.OperationTimeout, _time))
        using (var linked = CancellationTokenSource.CreateLinkedTokenSource(ct, timeout.Token))
        {
            var result = await client.ConnectAsync(options, linked.Token);
            if (_loginHint.ShouldGive(result.ResultCode))
            {
                Log.NotAuthorized(_log, _options.Host, _options.Port, result.ResultCode.ToString(), _options.Username ?? "(none)");
            }
            BrokerConnect.ThrowIfRefused(result);
            _loginHint.Reset();
            // MQTT 5: the client must not have more QoS 1 publishes unacknowledged than the CONNACK allows (0 = not sent).
            Volatile.Write(ref _serverReceiveMaximum, result.ReceiveMaximum ?? 0);
        }
        var online = GatewayStateJson.Online(_time.GetUtcNow().ToUnixTimeMilliseconds(), _options.Version);
        var outcome = await PublishOnAsync(client, Topics.State, online, MqttQualityOfServiceLevel.AtLeastOnce, retain: true, ct);
        if (!outcome.Success)
        {
            throw new InvalidOperationException("online state not acknowledged: " + outcome.Error);
        }
        if (_everConnected)
        {
            _counters.AddUplinkReconnect();
        }
        _everConnected = true;
        Log.Connected(_log, _options.Host, _options.Port, _options.ClientId);
        if (_certificateValidator?.ExpiryWarning is { } expiring)
        {
            Log.CertificateExpiring(_log, expiring);
        }
        SetState(UplinkState.Connected);
    }

    private void OnDisconnected(IMqttClient client, string reason)
    {
        lock (_gate)
        {
            if (!ReferenceEquals(client, _client))
            {
                return; // an old connection's late notification
            }
            _lost.TrySetResult();
        }
        if (State == UplinkState.Connected)
        {
            Log.ConnectionLost(_log, reason);
            SetState(UplinkState.Disconnected);
        }
    }

    private void SetState(UplinkState state)
    {
        lock (_gate)
        {
            if (_state == state)
            {
                return;
            }
            _state = state;
            if (state == UplinkState.Connected)
            {
                _connected.TrySetResult();
            }
            else if (_connected.Task.IsCompleted)
            {
                _connected = NewSignal();
            }
        }
        StateChanged?.Invoke(state);
    }

    /// <summary>
    /// Publishes on the current connection. Never throws for link faults: they come back as a failed outcome
    /// (the caller decides to retry). Only cancellation of <paramref name="ct"/> throws.
    /// </summary>
    public Task<PublishOutcome> PublishAsync(string topic, ReadOnlyMemory<byte> payload, MqttQualityOfServiceLevel qos, bool retain, CancellationToken ct)
    {
        var pending = StartPublish(topic, payload, qos, retain, ct);
        return pending.IsCompleted ? Task.FromResult(pending.Outcome) : OutcomeAsync(pending);
    }

    /// <summary>As <see cref="PublishAsync"/>, but returns the publish under way instead of a task of its outcome.</summary>
    public PendingPublish StartPublish(string topic, ReadOnlyMemory<byte> payload, MqttQualityOfServiceLevel qos, bool retain, CancellationToken ct)
    {
        IMqttClient? client;
        lock (_gate)
        {
            client = _state == UplinkState.Connected ? _client : null;
        }
        return client is null ? new PendingPublish(PublishOutcome.NotConnected) : StartOn(client, topic, payload, qos, retain, ct);
    }

    private static PendingPublish StartOn(IMqttClient client, string topic, ReadOnlyMemory<byte> payload, MqttQualityOfServiceLevel qos, bool retain, CancellationToken ct)
    {
        var message = new MqttApplicationMessage
        {
            Topic = topic,
            Payload = new ReadOnlySequence<byte>(payload),
            QualityOfServiceLevel = qos,
            Retain = retain,
        };
        try
        {
            return new PendingPublish(client.PublishAsync(message, ct), ct);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception ex)
        {
            return new PendingPublish(new PublishOutcome(false, ex.GetType().Name + ": " + ex.Message));
        }
    }

    private static Task<PublishOutcome> PublishOnAsync(IMqttClient client, string topic, ReadOnlyMemory<byte> payload, MqttQualityOfServiceLevel qos, bool retain, CancellationToken ct) =>
        OutcomeAsync(StartOn(client, topic, payload, qos, retain, ct));

    private static async Task<PublishOutcome> OutcomeAsync(PendingPublish pending)
    {
        await pending.WhenCompleted();
        return pending.Outcome;
    }

    private async Task StopCleanlyAsync()
    {
        IMqttClient? client;
        lock (_gate)
        {
            client = _client;
            _client = null;
        }
        if (client is null)
        {
            return;
        }
        try
        {
            if (client.IsConnected)
            {
                using var timeout = new CancellationTokenSource(_options.OperationTimeout, _time);
                await PublishOnAsync(client, Topics.State, GatewayStateJson.Offline(), MqttQualityOfServiceLevel.AtLeastOnce, retain: true, timeout.Token);
                await client.DisconnectAsync(new MqttClientDisconnectOptionsBuilder().WithReason(MqttClientDisconnectOptionsReason.NormalDisconnection).Build(), timeout.Token);
            }
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // Shutting down over a dead link: the broker publishes our last will instead.
            Log.ConnectionLost(_log, "during shutdown: " + ex.Message);
        }
        finally
        {
            client.Dispose();
        }
    }

    private void DropClient(bool abort)
    {
        IMqttClient? client;
        lock (_gate)
        {
            client = _client;
            _client = null;
        }
        if (abort)
        {
            client?.Dispose();
        }
    }

    /// <summary>Test hook: kills the TCP link without a DISCONNECT packet, as a crash or cable pull would.</summary>
    internal void AbortConnection()
    {
        IMqttClient? client;
        lock (_gate)
        {
            client = _client;
        }
        client?.Dispose();
        if (client is not null)
        {
            OnDisconnected(client, "aborted");
        }
    }

    /// <summary>The MQTTnet options for these settings: will, TLS, credentials, keep-alive (public for tests and diagnostics).</summary>
    /// <param name="certificateValidator">Keeps why a broker certificate was refused; one is made from the options when null.</param>
    public static MqttClientOptions BuildMqttOptions(UplinkOptions o, ServerCertificateValidator? certificateValidator = null)
    {
        ArgumentNullException.ThrowIfNull(o);
        var topics = new GatewayTopics(o.TopicPrefix, o.GatewayId);
        // Null (any certificate accepted) only with AllowUntrustedCertificates: test benches only.
        certificateValidator ??= ServerCertificateValidator.ForOptions("Central", o.Host, o.UseTls, o.AllowUntrustedCertificates, o.CaFile);
        return BrokerClientOptions.Create(o.Host, o.Port, o.ClientId, o.Username, o.Password, o.UseTls, certificateValidator)
            .WithCleanStart(true) // the outbox is our session: nothing needs to survive on the broker
            .WithKeepAlivePeriod(o.KeepAlive)
            .WithTimeout(o.OperationTimeout)
            // One socket write per packet: with fragmentation allowed MQTTnet writes a PUBLISH's header and its payload
            // separately (two send calls, two TCP segments with Nagle off), which is most of the per-event send cost
            // in a backlog drain. Some brokers (AWS IoT) also reject fragmented packets.
            .WithoutPacketFragmentation()
            .WithWillTopic(topics.State)
            .WithWillPayload(GatewayStateJson.Offline())
            .WithWillRetain(true)
            .WithWillQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
            .Build();
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    public async ValueTask DisposeAsync()
    {
        await StopCleanlyAsync();
    }
}
