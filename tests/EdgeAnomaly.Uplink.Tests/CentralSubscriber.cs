using System.Text;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;

namespace EdgeAnomaly.Uplink.Tests;

/// <summary>
/// Stands in for the central consumer: a real MQTT client on the test broker that records what it receives.
/// With <c>persistent</c> it keeps a broker-side session (clean session off) and reconnects by itself, so
/// QoS 1 messages published while it is away (or while the broker restarts) are still delivered.
/// </summary>
internal sealed class CentralSubscriber : IAsyncDisposable
{
    private readonly IMqttClient _client = new MqttClientFactory().CreateMqttClient();
    private readonly MqttClientOptions _options;
    private readonly string _filter;
    private readonly bool _persistent;
    private readonly List<Received> _received = [];
    private readonly CancellationTokenSource _stop = new();
    private Task _reconnect = Task.CompletedTask;

    public sealed record Received(string Topic, byte[] Payload, bool Retain)
    {
        public string Text => Encoding.UTF8.GetString(Payload);
    }

    private CentralSubscriber(string host, int port, string filter, bool persistent, string clientId, Action<MqttClientOptionsBuilder>? configure)
    {
        _filter = filter;
        _persistent = persistent;
        var builder = new MqttClientOptionsBuilder()
            .WithTcpServer(host, port)
            .WithClientId(clientId)
            .WithProtocolVersion(MqttProtocolVersion.V311)
            .WithCleanSession(!persistent);
        configure?.Invoke(builder);
        _options = builder.Build();
        _client.ApplicationMessageReceivedAsync += e =>
        {
            var m = e.ApplicationMessage;
            lock (_received)
            {
                _received.Add(new Received(m.Topic, System.Buffers.BuffersExtensions.ToArray(m.Payload), m.Retain));
            }
            return Task.CompletedTask;
        };
        _client.DisconnectedAsync += _ =>
        {
            if (_persistent && !_stop.IsCancellationRequested && _reconnect.IsCompleted)
            {
                _reconnect = ReconnectAsync();
            }
            return Task.CompletedTask;
        };
    }

    /// <param name="configure">Extra client settings (TLS, credentials) for a secured broker.</param>
    public static async Task<CentralSubscriber> StartAsync(string host, int port, string filter, bool persistent = false, Action<MqttClientOptionsBuilder>? configure = null)
    {
        var s = new CentralSubscriber(host, port, filter, persistent, "central-" + Guid.NewGuid().ToString("N")[..8], configure);
        await s._client.ConnectAsync(s._options);
        await s._client.SubscribeAsync(new MqttClientSubscribeOptionsBuilder().WithTopicFilter(filter, MqttQualityOfServiceLevel.AtLeastOnce).Build());
        return s;
    }

    public bool IsConnected => _client.IsConnected;

    public string? LastError { get; private set; }

    public List<Received> Snapshot()
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

    private async Task ReconnectAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(100, _stop.Token);
                await _client.ConnectAsync(_options, _stop.Token);
                if (!_persistent)
                {
                    await _client.SubscribeAsync(new MqttClientSubscribeOptionsBuilder().WithTopicFilter(_filter, MqttQualityOfServiceLevel.AtLeastOnce).Build());
                }
                return;
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (Exception ex)
            {
                LastError = ex.Message; // broker still down: try again
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        try
        {
            await _reconnect;
            if (_client.IsConnected)
            {
                await _client.DisconnectAsync();
            }
        }
        catch (Exception)
        {
        }
        _client.Dispose();
        _stop.Dispose();
    }
}
