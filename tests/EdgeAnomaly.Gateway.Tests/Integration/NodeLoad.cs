using System.Globalization;
using System.Text;
using MQTTnet;
using MQTTnet.Protocol;

namespace EdgeAnomaly.Gateway.Tests.Integration;

/// <summary>
/// A node publishing batched readings by the contract, with values alternating 0 / 1 on tag "x" of every asset,
/// so a `x > 0.5` rule with no cooldown opens and closes an event every two messages: a steady stream of events.
/// </summary>
internal sealed class NodeLoad : IAsyncDisposable
{
    private readonly IMqttClient _client = new MqttClientFactory().CreateMqttClient();
    private readonly string[] _assets;
    private readonly string _topic;
    private long _lastTs;
    private uint _seq;
    private bool _high;

    private readonly int _toggleEvery;

    public NodeLoad(string[] assets, string nodeId = "esp32-load", string prefix = "ea", int toggleEvery = 1)
    {
        _assets = assets;
        _toggleEvery = toggleEvery;
        _topic = $"{prefix}/v1/nodes/{nodeId}/readings";
    }

    public long MessagesSent { get; private set; }

    public async Task ConnectAsync(string host, int port)
    {
        var options = new MqttClientOptionsBuilder().WithTcpServer(host, port).WithClientId("load-" + Guid.NewGuid().ToString("N")[..6]).Build();
        await _client.ConnectAsync(options).ConfigureAwait(false);
    }

    /// <summary>Publishes one batch (tags x and y of every asset) with QoS 1.</summary>
    public async Task PublishOnceAsync()
    {
        // One message per millisecond at most: timestamps must increase per tag and must not run ahead of the
        // clock (the gateway rightly rejects future and out-of-order timestamps).
        var ts = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        while (ts <= _lastTs)
        {
            await Task.Yield();
            ts = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        }
        _lastTs = ts;
        if (MessagesSent % _toggleEvery == 0)
        {
            _high = !_high;
        }
        var sb = new StringBuilder(256);
        sb.Append(CultureInfo.InvariantCulture, $"{{\"v\":1,\"seq\":{_seq++},\"ts\":{ts},\"readings\":[");
        for (var i = 0; i < _assets.Length; i++)
        {
            if (i > 0)
            {
                sb.Append(',');
            }
            sb.Append(CultureInfo.InvariantCulture, $"{{\"asset\":\"{_assets[i]}\",\"tag\":\"x\",\"value\":{(_high ? 1 : 0)}}},");
            sb.Append(CultureInfo.InvariantCulture, $"{{\"asset\":\"{_assets[i]}\",\"tag\":\"y\",\"value\":{ts % 1000}}}");
        }
        sb.Append("]}");
        var message = new MqttApplicationMessageBuilder().WithTopic(_topic).WithPayload(Encoding.UTF8.GetBytes(sb.ToString()))
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build();
        await _client.PublishAsync(message).ConfigureAwait(false);
        MessagesSent++;
    }

    public async ValueTask DisposeAsync()
    {
        if (_client.IsConnected)
        {
            await _client.DisconnectAsync().ConfigureAwait(false);
        }
        _client.Dispose();
    }
}
