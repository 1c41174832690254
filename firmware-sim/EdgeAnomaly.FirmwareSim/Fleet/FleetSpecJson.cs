using System.Text;
using System.Text.Json;

namespace EdgeAnomaly.FirmwareSim.Fleet;

/// <summary>The asset/tag list as JSON, so a gateway (or its demo) can configure itself from the simulator.</summary>
public static class FleetSpecJson
{
    /// <summary>{"v":1,"assets":[{"name","type","node","tags":[{"name","unit","interval_s"}]}]}</summary>
    public static string ToAssetsJson(FleetSpec spec, bool indented = true)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = indented }))
        {
            w.WriteStartObject();
            w.WriteNumber("v", 1);
            w.WriteStartArray("assets");
            foreach (var asset in spec.Assets)
            {
                w.WriteStartObject();
                w.WriteString("name", asset.Name);
                w.WriteString("type", asset.Type);
                w.WriteString("node", asset.NodeId);
                w.WriteStartArray("tags");
                foreach (var tag in asset.Tags)
                {
                    w.WriteStartObject();
                    w.WriteString("name", tag.Name);
                    w.WriteString("unit", tag.Unit);
                    w.WriteNumber("interval_s", tag.IntervalSeconds);
                    w.WriteEndObject();
                }
                w.WriteEndArray();
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }
}
