using EdgeAnomaly.FirmwareSim.Contract;
using EdgeAnomaly.FirmwareSim.Generation;
using Microsoft.Extensions.Logging;
using MQTTnet;
using MQTTnet.Protocol;

namespace EdgeAnomaly.FirmwareSim.Publishing;

/// <summary>
/// One ESP32's MQTT session: client id = node id, last will = retained offline status, retained online status
/// after every connect. Not thread-safe: the publisher drives each link from one task at a time.
/// </summary>
internal sealed class NodeLink : IAsyncDisposable
{
    private readonly string _nodeId;
    private readonly FleetPublisherOptions _options;
    private readonly PublisherCounters _counters;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly IMqttClient _client;
    private readonly MqttClientOptions _clientOptions;
    private readonly string _readingsTopic;
    private readonly string _statusTopic;
    private readonly MqttQualityOfServiceLevel _qos;
    private bool _everConnected;
    private bool _silenced;
    private int _failedAttempts;
    private long _nextAttemptTimestamp;

    public NodeLink(string nodeId, FleetPublisherOptions options, PublisherCounters counters, TimeProvider time, ILogger logger)
    {
        _nodeId = nodeId;
        _options = options;
        _counters = counters;
        _time = time;
        _logger = logger;
        _readingsTopic = MqttContract.ReadingsTopic(options.Prefix, nodeId);
        _statusTopic = MqttContract.StatusTopic(options.Prefix, nodeId);
        _qos = options.Qos == 0 ? MqttQualityOfServiceLevel.AtMostOnce : MqttQualityOfServiceLevel.AtLeastOnce;
        _client = new MqttClientFactory().CreateMqttClient();
        // MQTT 5 so a dropout can end the session with "disconnect with will message": the broker then publishes
        // the will exactly as after a lost TCP link, without waiting 1.5 keep-alives.
        _clientOptions = new MqttClientOptionsBuilder()
            .WithTcpServer(options.Host, options.Port)
            .WithClientId(nodeId)
            .WithProtocolVersion(MQTTnet.Formatter.MqttProtocolVersion.V500)
            .WithCleanSession(true)
            .WithKeepAlivePeriod(options.KeepAlive)
            .WithTimeout(options.ConnectTimeout)
            .WithWillTopic(_statusTopic)
            .WithWillPayload(MqttContract.OfflineStatus())
            .WithWillRetain(true)
            .WithWillQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
            .Build();
    }

    public bool IsConnected => _client.IsConnected;

    /// <summary>Connects unless connected, silenced or inside the backoff delay; true when connected afterwards.</summary>
    public async Task<bool> EnsureConnectedAsync(CancellationToken ct)
    {
        if (_client.IsConnected)
        {
            return true;
        }
        if (_silenced || _time.GetTimestamp() < _nextAttemptTimestamp)
        {
            return false;
        }
        try
        {
            var result = await _client.ConnectAsync(_clientOptions, ct);
            if (result.ResultCode != MqttClientConnectResultCode.Success)
            {
                throw new InvalidOperationException("CONNACK " + result.ResultCode);
            }
            await PublishStatusAsync(MqttContract.OnlineStatus(_time.GetUtcNow().ToUnixTimeMilliseconds(), _options.Firmware), ct);
            _counters.Connected(_everConnected);
            Log.NodeConnected(_logger, _nodeId, _everConnected);
            _everConnected = true;
            _failedAttempts = 0;
            return true;
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception ex) when (ex is MQTTnet.Exceptions.MqttCommunicationException or InvalidOperationException or OperationCanceledException)
        {
            _counters.ConnectFailed();
            Log.NodeConnectFailed(_logger, _nodeId, _failedAttempts + 1, ex.Message);
            var delay = ReconnectBackoff.Delay(_failedAttempts++, _options.ReconnectMinDelay, _options.ReconnectMaxDelay);
            _nextAttemptTimestamp = _time.GetTimestamp() + (long)(delay.TotalSeconds * _time.TimestampFrequency);
            return false;
        }
    }

    /// <summary>Publishes a readings message; a message that cannot go out now is dropped and counted (no backlog).</summary>
    public async Task PublishAsync(NodeMessage message, CancellationToken ct)
    {
        if (!await EnsureConnectedAsync(ct))
        {
            _counters.Dropped();
            return;
        }
        var mqtt = new MqttApplicationMessageBuilder()
            .WithTopic(_readingsTopic)
            .WithPayload(message.Payload)
            .WithQualityOfServiceLevel(_qos)
            .Build();
        try
        {
            var result = await _client.PublishAsync(mqtt, ct);
            if (!result.IsSuccess)
            {
                _counters.Dropped();
                return;
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception ex) when (ex is MQTTnet.Exceptions.MqttCommunicationException or OperationCanceledException or InvalidOperationException)
        {
            _counters.Dropped();
            Log.NodeConnectionLost(_logger, _nodeId, ex.Message);
            return;
        }
        _counters.Published(message.ReadingCount);
        if (message.BadInput is { } bad)
        {
            _counters.BadInputPublished.Increment(bad);
        }
    }

    /// <summary>Whole-node dropout: go away uncleanly (the broker sends the will) or just stop talking.</summary>
    public async Task SilenceAsync(CancellationToken ct)
    {
        _silenced = true;
        Log.NodeSilenced(_logger, _nodeId, _options.NodeDropout);
        if (_options.NodeDropout == NodeDropoutMode.Disconnect && _client.IsConnected)
        {
            try
            {
                var disconnect = new MqttClientDisconnectOptionsBuilder()
                    .WithReason(MqttClientDisconnectOptionsReason.DisconnectWithWillMessage)
                    .Build();
                await _client.DisconnectAsync(disconnect, ct);
            }
            catch (MQTTnet.Exceptions.MqttCommunicationException)
            {
                // Already gone: the broker sends the will either way.
            }
        }
    }

    public async Task ResumeAsync(CancellationToken ct)
    {
        _silenced = false;
        _nextAttemptTimestamp = 0;
        Log.NodeResumed(_logger, _nodeId);
        await EnsureConnectedAsync(ct);
    }

    /// <summary>Clean stop: retained offline status, then a normal DISCONNECT (which suppresses the will).</summary>
    public async Task StopAsync(CancellationToken ct)
    {
        if (!_client.IsConnected)
        {
            return;
        }
        try
        {
            await PublishStatusAsync(MqttContract.OfflineStatus(), ct);
            await _client.DisconnectAsync(new MqttClientDisconnectOptionsBuilder().Build(), ct);
        }
        catch (MQTTnet.Exceptions.MqttCommunicationException ex)
        {
            Log.NodeConnectionLost(_logger, _nodeId, ex.Message);
        }
    }

    public ValueTask DisposeAsync()
    {
        _client.Dispose();
        return ValueTask.CompletedTask;
    }

    private async Task PublishStatusAsync(byte[] payload, CancellationToken ct)
    {
        var status = new MqttApplicationMessageBuilder()
            .WithTopic(_statusTopic)
            .WithPayload(payload)
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
            .WithRetainFlag(true)
            .Build();
        await _client.PublishAsync(status, ct);
    }
}
