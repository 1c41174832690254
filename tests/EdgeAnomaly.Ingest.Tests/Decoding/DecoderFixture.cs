using System.Text;
using EdgeAnomaly.Core.Diagnostics;
using EdgeAnomaly.Core.Tags;

namespace EdgeAnomaly.Ingest.Tests.Decoding;

/// <summary>A small plant and a decoder over it, with the clock at <see cref="Now"/>.</summary>
internal sealed class DecoderFixture
{
    public const long Now = 1_732_400_000_123;
    public const string Topic = "ea/v1/nodes/esp32-a/readings";
    public const string StatusTopic = "ea/v1/nodes/esp32-a/status";

    public DecoderFixture(IngestOptions? options = null, TagRegistry? registry = null)
    {
        Registry = registry ?? new TagRegistry.Builder()
            .AddAsset("pump-1", "pump").AddTag("pump-1", "current.a").AddTag("pump-1", "pressure.bar").AddTag("pump-1", "running")
            .AddAsset("pump-2", "pump").AddTag("pump-2", "current.a")
            .Build();
        Options = options ?? new IngestOptions();
        Decoder = new ReadingDecoder(Registry, Options, Counters);
    }

    public TagRegistry Registry { get; }
    public IngestOptions Options { get; }
    public GatewayCounters Counters { get; } = new();
    public ReadingDecoder Decoder { get; }
    public ReadingBuffer Output { get; } = new();

    public int Tag(string asset, string tag) =>
        Registry.TryGetTag(asset.AsSpan(), tag.AsSpan(), out var id) ? id : throw new ArgumentException(asset + "/" + tag);

    public DecodeResult Decode(string json, long now = Now, string topic = Topic) =>
        Decoder.DecodeReadings(topic, Encoding.UTF8.GetBytes(json), now, Output);

    public NodeStatusChange? Status(string json, long now = Now, string topic = StatusTopic) =>
        Decoder.DecodeStatus(topic, Encoding.UTF8.GetBytes(json), now);

    /// <summary>Every reject reason with a non-zero count, as "reason=count" in enum order, for compact asserts.</summary>
    public string RejectSummary()
    {
        var sb = new StringBuilder();
        foreach (var reason in Enum.GetValues<RejectReason>())
        {
            var n = Counters.Rejected(reason);
            if (n > 0)
            {
                sb.Append(sb.Length > 0 ? " " : "").Append(reason.ToWire()).Append('=').Append(n);
            }
        }
        return sb.ToString();
    }
}
