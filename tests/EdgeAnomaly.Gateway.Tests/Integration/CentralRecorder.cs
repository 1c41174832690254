using System.Text.Json;
using MQTTnet;
using MQTTnet.Protocol;

namespace EdgeAnomaly.Gateway.Tests.Integration;

/// <summary>One event revision as the central subscriber received it.</summary>
internal sealed record ReceivedRevision(string Id, int Rev, string Asset, long StartMs, byte[] Payload);

/// <summary>
/// Stands in for the central server: a persistent-session QoS 1 subscriber that reconnects on its own when the
/// broker goes away, recording every event revision in arrival order.
/// </summary>
internal sealed class CentralRecorder : IAsyncDisposable
{
    private readonly List<ReceivedRevision> _received = [];
    private readonly IMqttClient _client = new MqttClientFactory().CreateMqttClient();
    private readonly CancellationTokenSource _stop = new();
    private Task? _loop;

    public IReadOnlyList<ReceivedRevision> Snapshot()
    {
        lock (_received)
        {
            return [.. _received];
        }
    }

    public int Count
    {
        get
        {
            lock (_received)
            {
                return _received.Count;
            }
        }
    }

    public HashSet<string> DistinctIds()
    {
        lock (_received)
        {
            return [.. _received.Select(r => r.Id)];
        }
    }

    public async Task StartAsync(string host, int port, string prefix = "ea")
    {
        _client.ApplicationMessageReceivedAsync += e =>
        {
            var payload = System.Buffers.BuffersExtensions.ToArray(e.ApplicationMessage.Payload);
            using var doc = JsonDocument.Parse(payload);
            var r = doc.RootElement;
            var rev = new ReceivedRevision(r.GetProperty("id").GetString()!, r.GetProperty("rev").GetInt32(),
                r.GetProperty("asset").GetString()!, r.GetProperty("start_ms").GetInt64(), payload);
            lock (_received)
            {
                _received.Add(rev);
            }
            return Task.CompletedTask;
        };
        var options = new MqttClientOptionsBuilder()
            .WithTcpServer(host, port)
            .WithClientId("central-recorder-" + Guid.NewGuid().ToString("N")[..6])
            .WithProtocolVersion(MQTTnet.Formatter.MqttProtocolVersion.V311)
            .WithCleanSession(false)
            .Build();
        _filter = prefix + "/v1/gateways/+/events/#";
        await _client.ConnectAsync(options).ConfigureAwait(false);
        await SubscribeAsync(CancellationToken.None).ConfigureAwait(false);
        _loop = KeepConnectedAsync(options, _stop.Token);
    }

    public int Reconnects { get; private set; }

    public string? LastError { get; private set; }

    private string _filter = "";

    private Task SubscribeAsync(CancellationToken ct) =>
        _client.SubscribeAsync(new MqttClientSubscribeOptionsBuilder().WithTopicFilter(_filter, MqttQualityOfServiceLevel.AtLeastOnce).Build(), ct);

    private async Task KeepConnectedAsync(MqttClientOptions options, CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(200, ct).ConfigureAwait(false);
                if (!_client.IsConnected)
                {
                    await _client.ConnectAsync(options, ct).ConfigureAwait(false);
                    // The broker may have lost the session; subscribing again is harmless when it did not.
                    await SubscribeAsync(ct).ConfigureAwait(false);
                    Reconnects++;
                }
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (Exception ex)
            {
                // Broker still down: try again on the next pass.
                LastError = ex.Message;
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        if (_loop is not null)
        {
            await _loop.ConfigureAwait(false);
        }
        if (_client.IsConnected)
        {
            await _client.DisconnectAsync().ConfigureAwait(false);
        }
        _client.Dispose();
        _stop.Dispose();
    }
}
