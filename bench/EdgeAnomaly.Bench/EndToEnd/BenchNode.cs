using System.Buffers.Text;
using MQTTnet;
using MQTTnet.Protocol;

namespace EdgeAnomaly.Bench.EndToEnd;

/// <summary>
/// A simulated node publishing contract v1 batches: one asset per message ("asset" at batch level), tags t00..tNN,
/// noisy values around 50, and a batch "ts" that is the wall-clock millisecond but strictly increasing per asset
/// (the gateway rejects a tag's timestamp that does not increase). No "seq", so pipelined QoS 1 publishes may
/// complete in any order without tripping the sequence check.
/// </summary>
internal sealed class BenchNode : IAsyncDisposable
{
    public const string NodeId = "bench-node";

    private readonly IMqttClient _client = new MqttClientFactory().CreateMqttClient();
    private readonly int _assets;
    private readonly int _firstAsset;
    private readonly int _assetStride;
    private readonly int _tagsPerAsset;
    private readonly long[] _lastTs;
    private readonly Random _rng = new(11);
    private readonly byte[] _scratch = new byte[64 * 1024];
    private int _nextAsset;

    public BenchNode(int assets, int tagsPerAsset)
        : this(assets, tagsPerAsset, 0, 1)
    {
    }

    /// <summary>
    /// A node that publishes only assets firstAsset, firstAsset + stride, ... below <paramref name="assets"/>, so
    /// several nodes can share a fleet with every asset owned by exactly one connection (MQTT keeps a connection's
    /// publishes in order, so per-asset timestamps arrive increasing however many are in flight).
    /// </summary>
    public BenchNode(int assets, int tagsPerAsset, int firstAsset, int stride)
    {
        _firstAsset = firstAsset;
        _assetStride = stride;
        _assets = ((assets - firstAsset) + stride - 1) / stride;
        _tagsPerAsset = tagsPerAsset;
        _lastTs = new long[_assets];
    }

    public int Assets => _assets;

    public static string Topic => $"ea/v1/nodes/{NodeId}/readings";

    public long MessagesSent { get; private set; }

    public long ReadingsSent { get; private set; }

    public async Task ConnectAsync(string host, int port)
    {
        var options = new MqttClientOptionsBuilder().WithTcpServer(host, port).WithStreamProvider(EdgeAnomaly.Mqtt.KernelTunedTcp.Instance).WithClientId("bench-node-" + Guid.NewGuid().ToString("N")[..6])
            .WithTimeout(TimeSpan.FromSeconds(30)).Build();
        await _client.ConnectAsync(options);
    }

    /// <summary>Builds the next message (round-robin over assets). <paramref name="trip"/> puts 5000 in t00 (rule x-high).</summary>
    public MqttApplicationMessage Next(MqttQualityOfServiceLevel qos, bool trip, out string asset, out long ts)
    {
        var a = _nextAsset;
        _nextAsset = (_nextAsset + 1) % _assets;
        ts = Math.Max(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), _lastTs[a] + 1);
        _lastTs[a] = ts;
        asset = GatewayUnderTest.AssetName(_firstAsset + (a * _assetStride));
        var n = 0;
        Write("{\"v\":1,\"ts\":"u8, ref n);
        Utf8Formatter.TryFormat(ts, _scratch.AsSpan(n), out var w);
        n += w;
        Write(",\"asset\":\""u8, ref n);
        n += System.Text.Encoding.ASCII.GetBytes(asset, _scratch.AsSpan(n));
        Write("\",\"readings\":["u8, ref n);
        for (var t = 0; t < _tagsPerAsset; t++)
        {
            Write(t == 0 ? "{\"tag\":\"t"u8 : ",{\"tag\":\"t"u8, ref n);
            _scratch[n++] = (byte)('0' + (t / 10));
            _scratch[n++] = (byte)('0' + (t % 10));
            Write("\",\"value\":"u8, ref n);
            var value = t == 0 && trip ? 5000 : Math.Round(50 + (_rng.NextDouble() * 2) - 1, 3);
            Utf8Formatter.TryFormat(value, _scratch.AsSpan(n), out w);
            n += w;
            _scratch[n++] = (byte)'}';
        }
        Write("]}"u8, ref n);
        MessagesSent++;
        ReadingsSent += _tagsPerAsset;
        return new MqttApplicationMessageBuilder().WithTopic(Topic).WithPayload(_scratch.AsSpan(0, n).ToArray())
            .WithQualityOfServiceLevel(qos).Build();
    }

    public Task<MqttClientPublishResult> PublishAsync(MqttApplicationMessage message, CancellationToken token = default) =>
        _client.PublishAsync(message, token);

    private void Write(ReadOnlySpan<byte> text, ref int n)
    {
        text.CopyTo(_scratch.AsSpan(n));
        n += text.Length;
    }

    public async ValueTask DisposeAsync()
    {
        if (_client.IsConnected)
        {
            await _client.DisconnectAsync();
        }
        _client.Dispose();
    }
}
