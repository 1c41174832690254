using System.Text;
using System.Text.Json;

namespace EdgeAnomaly.FirmwareSim.Contract;

/// <summary>Topics and status payloads of MQTT contract v1, node side.</summary>
public static class MqttContract
{
    public const string DefaultPrefix = "ea";
    public const int SchemaVersion = 1;
    public const int MaxPayloadBytes = 65536;
    public const int MaxReadingsPerMessage = 1000;

    public static string ReadingsTopic(string prefix, string nodeId) => prefix + "/v1/nodes/" + nodeId + "/readings";

    public static string StatusTopic(string prefix, string nodeId) => prefix + "/v1/nodes/" + nodeId + "/status";

    /// <summary>{"v":1,"state":"online","ts":...,"fw":"1.4.2"}</summary>
    public static byte[] OnlineStatus(long tsMs, string firmware)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(96);
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteNumber("v", SchemaVersion);
            w.WriteString("state", "online");
            w.WriteNumber("ts", tsMs);
            w.WriteString("fw", firmware);
            w.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>{"v":1,"state":"offline"}: the last will, and what a node says when it stops cleanly.</summary>
    public static byte[] OfflineStatus() => Encoding.UTF8.GetBytes("{\"v\":1,\"state\":\"offline\"}");
}
