using System.Threading.Channels;
using EdgeAnomaly.Contracts;
using EdgeAnomaly.Core.Diagnostics;
using EdgeAnomaly.Core.Net;
using EdgeAnomaly.Core.Resilience;
using EdgeAnomaly.Mqtt;
using Microsoft.Extensions.Logging;
using MQTTnet;
using MQTTnet.Protocol;

namespace EdgeAnomaly.Ingest;

/// <summary>
/// Adapter between the local broker and the pipeline: subscribes to node readings and status, copies each message
/// into a pooled buffer and writes it, in arrival order, to a bounded channel. When the channel is full the receive
/// handler waits, so QoS 1 acknowledgements stop and the broker holds further messages (back-pressure instead of
/// drops). Owns its reconnect loop (MQTTnet 5 has no managed client) with capped, jittered exponential backoff,
/// and connects with a persistent MQTT 5 session so readings queued while the gateway restarts are delivered.
/// </summary>
public sealed class MqttIngestClient : IAsyncDisposable
{
    private readonly MqttIngestOptions _options;
    private readonly IngestOptions _ingest;
    private readonly TimeProvider _time;
    private readonly ILogger<MqttIngestClient> _log;
    private readonly GatewayCounters _counters;
    private readonly Channel<IngestMessage> _channel;
    private readonly IMqttClient _client;
    private readonly MqttClientOptions _clientOptions;
    private readonly ServerCertificateValidator? _certificateValidator;
    private readonly MqttClientSubscribeOptions _subscribeOptions;
    private readonly RateLimitedLog _rateLimit = new(RateLimitedLog.DefaultInterval);
    private readonly CancellationTokenSource _disposeCts = new();
    private readonly Random _random = new();
    private TaskCompletionSource<string>? _connectionLost;
    private CancellationToken _runToken;
    private Task? _runTask;
    private int _started;
    private long _reconnects;
    private long _connections;
    private volatile bool _subscribed;
    private readonly LoginRefusalHint _loginHint = new();

    public MqttIngestClient(MqttIngestOptions options, IngestOptions ingest, TimeProvider time, ILogger<MqttIngestClient> log, GatewayCounters counters)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(ingest);
        ArgumentNullException.ThrowIfNull(time);
        ArgumentNullException.ThrowIfNull(log);
        ArgumentNullException.ThrowIfNull(counters);
        // Options are validated once, at start (the gateway's options validation); not again here.
        _options = options;
        _ingest = ingest;
        _time = time;
        _log = log;
        _counters = counters;
        _channel = Channel.CreateBounded<IngestMessage>(new BoundedChannelOptions(options.ChannelCapacity)
        {
            FullMode = BoundedChannelFullMode.Wait,
            SingleReader = false,
            SingleWriter = true,
            AllowSynchronousContinuations = false,
        });
        _certificateValidator = ServerCertificateValidator.ForOptions(MqttIngestOptions.Section, options.Host, options.UseTls, options.AllowUntrustedCertificates, options.CaFile);
        _clientOptions = BuildClientOptions(options, _certificateValidator);
        _subscribeOptions = new MqttClientSubscribeOptionsBuilder()
            .WithTopicFilter(f => f.WithTopic(NodeTopics.ReadingsFilter(ingest.TopicPrefix)).WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce))
            .WithTopicFilter(f => f.WithTopic(NodeTopics.StatusFilter(ingest.TopicPrefix)).WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce))
            .Build();
        _client = new MqttClientFactory().CreateMqttClient();
        _client.ApplicationMessageReceivedAsync += OnMessageAsync;
        _client.DisconnectedAsync += OnDisconnectedAsync;
    }

    /// <summary>Messages in arrival order. The consumer must <see cref="IngestMessage.Release"/> each one.</summary>
    public ChannelReader<IngestMessage> Messages => _channel.Reader;

    /// <summary>Connected and subscribed, i.e. node messages are flowing (not merely a TCP session).</summary>
    public bool IsConnected => _subscribed && _client.IsConnected;

    /// <summary>Successful connections after the first one.</summary>
    public long Reconnects => Interlocked.Read(ref _reconnects);

    /// <summary>
    /// Connects, subscribes and reconnects until <paramref name="stop"/> fires, then disconnects cleanly and
    /// completes <see cref="Messages"/>. Returns normally on stop. Call once.
    /// </summary>
    public Task RunAsync(CancellationToken stop)
    {
        if (Interlocked.Exchange(ref _started, 1) != 0)
        {
            throw new InvalidOperationException("RunAsync was already called");
        }
        _runTask = RunCoreAsync(stop);
        return _runTask;
    }

    private async Task RunCoreAsync(CancellationToken stop)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(stop, _disposeCts.Token);
        var token = linked.Token;
        _runToken = token;
        var attempt = 0;
        try
        {
            while (!token.IsCancellationRequested)
            {
                var lost = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
                Volatile.Write(ref _connectionLost, lost);
                _certificateValidator?.Reset();
                try
                {
                    var result = await _client.ConnectAsync(_clientOptions, token);
                    if (_loginHint.ShouldGive(result.ResultCode))
                    {
                        IngestLog.NotAuthorized(_log, _options.Host, _options.Port, result.ResultCode.ToString(), _options.Username ?? "(none)");
                    }
                    BrokerConnect.ThrowIfRefused(result);
                    var subscribed = await _client.SubscribeAsync(_subscribeOptions, token);
                    foreach (var item in subscribed.Items)
                    {
                        if (item.ResultCode > MqttClientSubscribeResultCode.GrantedQoS2)
                        {
                            IngestLog.SubscribeRefused(_log, item.TopicFilter.Topic, item.ResultCode.ToString());
                        }
                    }
                    attempt = 0;
                    _loginHint.Reset();
                    _subscribed = true;
                    if (Interlocked.Increment(ref _connections) > 1)
                    {
                        Interlocked.Increment(ref _reconnects);
                    }
                    IngestLog.Connected(_log, _options.Host, _options.Port, _options.ClientId, result.IsSessionPresent);
                    if (_certificateValidator?.ExpiryWarning is { } expiring)
                    {
                        IngestLog.CertificateExpiring(_log, expiring);
                    }
                    var reason = await lost.Task.WaitAsync(token);
                    IngestLog.Disconnected(_log, _options.Host, _options.Port, reason);
                    // Reconnect after a lost connection still waits the first backoff step, so a broker that
                    // accepts and drops at once is not hammered.
                }
                catch (OperationCanceledException) when (token.IsCancellationRequested)
                {
                    break;
                }
                catch (Exception ex)
                {
                    var failedDelay = NextDelay(attempt);
                    IngestLog.ConnectFailed(_log, _options.Host, _options.Port, attempt + 1, (long)failedDelay.TotalMilliseconds, _certificateValidator?.RefusalNote ?? "", ex);
                    attempt++;
                    if (!await DelayAsync(failedDelay, token))
                    {
                        break;
                    }
                    continue;
                }
                if (!await DelayAsync(NextDelay(attempt++), token))
                {
                    break;
                }
            }
        }
        finally
        {
            _subscribed = false;
            await DisconnectQuietlyAsync();
            _channel.Writer.TryComplete();
            IngestLog.Stopped(_log);
        }
    }

    private TimeSpan NextDelay(int attempt) =>
        Backoff.Delay(attempt, _options.ReconnectInitialDelay, _options.ReconnectMaxDelay, _options.ReconnectJitter, _random.NextDouble());

    private async Task<bool> DelayAsync(TimeSpan delay, CancellationToken token)
    {
        try
        {
            await Task.Delay(delay, _time, token);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    private async Task DisconnectQuietlyAsync()
    {
        if (!_client.IsConnected)
        {
            return;
        }
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            // Normal disconnection: the broker keeps our session (expiry set at connect) and drops no will.
            var disconnect = new MqttClientDisconnectOptionsBuilder().WithReason(MqttClientDisconnectOptionsReason.NormalDisconnection).Build();
            await _client.DisconnectAsync(disconnect, timeout.Token);
        }
        catch (Exception)
        {
            // Shutting down anyway; the broker notices the closed socket.
        }
    }

    private async Task OnMessageAsync(MqttApplicationMessageReceivedEventArgs e)
    {
        var message = e.ApplicationMessage;
        var payload = message.Payload;
        if (payload.Length > _ingest.MaxPayloadBytes)
        {
            // Refused here rather than copied: counted once, as the decoder would, and acknowledged (redelivery
            // would only be refused again).
            _counters.AddMessageReceived();
            _counters.AddRejected(RejectReason.OversizedPayload);
            if (_rateLimit.ShouldLog(RejectReason.OversizedPayload, _time.GetUtcNow().ToUnixTimeMilliseconds(), out var suppressed))
            {
                IngestLog.InputRejected(_log, RejectReason.OversizedPayload.ToWire(), message.Topic, suppressed);
            }
            return;
        }
        var item = IngestMessage.Copy(message.Topic, payload, _time.GetUtcNow().ToUnixTimeMilliseconds());
        if (message.QualityOfServiceLevel != MqttQualityOfServiceLevel.AtMostOnce)
        {
            item.DeferAcknowledgement(e);
        }
        if (_channel.Writer.TryWrite(item))
        {
            return;
        }
        try
        {
            // Full: wait. MQTTnet hands messages to this handler one at a time, so order is kept and the
            // QoS 1 acknowledgement is held back until there is room.
            await _channel.Writer.WriteAsync(item, _runToken);
        }
        catch (Exception ex) when (ex is OperationCanceledException or ChannelClosedException)
        {
            item.Release();
            // Not acknowledged (deferred above for QoS 1): the persistent session redelivers it after the restart.
            IngestLog.NotQueued(_log, message.Topic);
        }
    }

    private Task OnDisconnectedAsync(MqttClientDisconnectedEventArgs e)
    {
        _subscribed = false;
        if (e.ClientWasConnected)
        {
            var reason = e.Exception is { } ex ? $"{e.Reason}: {ex.Message}" : e.Reason.ToString();
            Volatile.Read(ref _connectionLost)?.TrySetResult(reason);
        }
        return Task.CompletedTask;
    }

    private static MqttClientOptions BuildClientOptions(MqttIngestOptions o, ServerCertificateValidator? certificateValidator) =>
        BrokerClientOptions.Create(o.Host, o.Port, o.ClientId, o.Username, o.Password, o.UseTls, certificateValidator)
            .WithCleanStart(false)
            .WithSessionExpiryInterval((uint)o.SessionExpiry.TotalSeconds)
            .WithKeepAlivePeriod(o.KeepAlive)
            .WithTimeout(o.ConnectTimeout)
            .WithReceiveMaximum((ushort)o.ReceiveMaximum)
            .Build();

    public async ValueTask DisposeAsync()
    {
        await _disposeCts.CancelAsync();
        if (_runTask is { } run)
        {
            try
            {
                await run;
            }
            catch (Exception)
            {
                // The loop's own failures were logged; disposal must not throw.
            }
        }
        _channel.Writer.TryComplete();
        while (_channel.Reader.TryRead(out var left))
        {
            left.Release();
        }
        _client.Dispose();
        _disposeCts.Dispose();
    }
}
