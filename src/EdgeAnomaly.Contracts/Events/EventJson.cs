using System.Buffers;
using System.Text.Json;
using EdgeAnomaly.Core.Events;

namespace EdgeAnomaly.Contracts;

/// <summary>
/// The payload of <c>{prefix}/v1/gateways/{gatewayId}/events/{asset}</c> (docs/mqtt-contract.md, "Events"), written
/// by the gateway and read by whoever consumes it. The gateway writes it once, when the revision is committed, and
/// stores these bytes; they are what goes upstream, so a redelivered event is byte-identical to the first delivery.
/// </summary>
public static class EventJson
{
    public const int SchemaVersion = MqttContract.Version;

    public static byte[] Serialize(GatewayEvent e)
    {
        var buffer = new ArrayBufferWriter<byte>(512);
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteNumber("v", SchemaVersion);
            w.WriteString("id", e.Id);
            w.WriteNumber("rev", e.Revision);
            w.WriteString("gateway", e.Gateway);
            w.WriteString("asset", e.Asset);
            w.WriteStartArray("tags");
            foreach (var t in e.Tags)
            {
                w.WriteStringValue(t);
            }
            w.WriteEndArray();
            w.WriteString("kind", e.Kind.ToWire());
            w.WriteString("source", e.Source);
            w.WriteString("severity", e.Severity.ToWire());
            w.WriteString("state", e.State.ToWire());
            w.WriteNumber("start_ms", e.StartMs);
            if (e.EndMs is { } end)
            {
                w.WriteNumber("end_ms", end);
            }
            else
            {
                w.WriteNull("end_ms");
            }
            WriteNumberOrNull(w, "peak_value", e.PeakValue);
            WriteNumberOrNull(w, "peak_score", e.PeakScore);
            WriteNumberOrNull(w, "threshold", e.Threshold);
            w.WriteString("message", e.Message);
            w.WriteString("explanation", e.Explanation);
            w.WriteNumber("occurrences", e.Occurrences);
            w.WriteNumber("updated_ms", e.UpdatedMs);
            w.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>Reads an event payload; a kind or severity this reader does not know reads as the enum's default.</summary>
    public static GatewayEvent Deserialize(ReadOnlySpan<byte> json)
    {
        var reader = new Utf8JsonReader(json);
        using var doc = JsonDocument.ParseValue(ref reader);
        var r = doc.RootElement;
        var tags = new List<string>();
        foreach (var t in r.GetProperty("tags").EnumerateArray())
        {
            tags.Add(t.GetString() ?? "");
        }
        _ = EventNames.TryParseKind(r.GetProperty("kind").GetString(), out var kind);
        _ = EventNames.TryParseSeverity(r.GetProperty("severity").GetString(), out var severity);
        return new GatewayEvent
        {
            Id = r.GetProperty("id").GetString() ?? "",
            Revision = r.GetProperty("rev").GetInt32(),
            Gateway = r.GetProperty("gateway").GetString() ?? "",
            Asset = r.GetProperty("asset").GetString() ?? "",
            Tags = [.. tags],
            Kind = kind,
            Source = r.GetProperty("source").GetString() ?? "",
            Severity = severity,
            State = EventNames.ParseState(r.GetProperty("state").GetString() ?? "closed"),
            StartMs = r.GetProperty("start_ms").GetInt64(),
            EndMs = r.GetProperty("end_ms").ValueKind == JsonValueKind.Null ? null : r.GetProperty("end_ms").GetInt64(),
            PeakValue = ReadNumberOrNaN(r, "peak_value"),
            PeakScore = ReadNumberOrNaN(r, "peak_score"),
            Threshold = ReadNumberOrNaN(r, "threshold"),
            Message = r.GetProperty("message").GetString() ?? "",
            Explanation = r.GetProperty("explanation").GetString() ?? "",
            Occurrences = r.GetProperty("occurrences").GetInt32(),
            UpdatedMs = r.GetProperty("updated_ms").GetInt64(),
        };
    }

    private static void WriteNumberOrNull(Utf8JsonWriter w, string name, double value)
    {
        if (double.IsFinite(value))
        {
            w.WriteNumber(name, value);
        }
        else
        {
            w.WriteNull(name);
        }
    }

    private static double ReadNumberOrNaN(JsonElement r, string name) =>
        r.GetProperty(name).ValueKind == JsonValueKind.Number ? r.GetProperty(name).GetDouble() : double.NaN;
}
