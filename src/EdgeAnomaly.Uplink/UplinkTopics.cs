using System.Buffers;
using System.Text.Json;

namespace EdgeAnomaly.Uplink;

/// <summary>Gateway-to-central topics and state payloads of MQTT contract v1.</summary>
public sealed class UplinkTopics(string prefix, string gatewayId)
{
    private readonly Dictionary<string, string> _eventTopics = new(StringComparer.Ordinal);

    public string Root { get; } = $"{prefix}/v1/gateways/{gatewayId}";

    public string State => Root + "/state";

    public string Health => Root + "/health";

    /// <summary>Events topic of an asset; cached because the forwarder asks once per event.</summary>
    public string Events(string asset)
    {
        lock (_eventTopics)
        {
            if (!_eventTopics.TryGetValue(asset, out var topic))
            {
                topic = $"{Root}/events/{asset}";
                _eventTopics[asset] = topic;
            }
            return topic;
        }
    }

    /// <summary>{"v":1,"state":"offline"}: the last will, and what a clean shutdown publishes.</summary>
    public static byte[] OfflinePayload() => """{"v":1,"state":"offline"}"""u8.ToArray();

    public static byte[] OnlinePayload(long tsMs, string version)
    {
        var buffer = new ArrayBufferWriter<byte>(96);
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteNumber("v", 1);
            w.WriteString("state", "online");
            w.WriteNumber("ts", tsMs);
            w.WriteString("version", version);
            w.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
    }
}
