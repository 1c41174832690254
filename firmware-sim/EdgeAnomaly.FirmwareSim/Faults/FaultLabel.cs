using System.Text;
using System.Text.Json;

namespace EdgeAnomaly.FirmwareSim.Faults;

/// <summary>
/// Ground truth for one injected fault. The window is half-open [StartMs, EndMs) in simulated unix ms:
/// exactly the samples with a timestamp inside it were altered (for a spike: the one sample at StartMs).
/// </summary>
public sealed record FaultLabel(string Node, string Asset, string Tag, FaultKind Kind, long StartMs, long EndMs, double Magnitude)
{
    /// <summary>One JSON line: {"asset","tag","fault","start_ms","end_ms","magnitude","node"}.</summary>
    public string ToJsonLine()
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(192);
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteString("asset", Asset);
            w.WriteString("tag", Tag);
            w.WriteString("fault", Kind.ToWire());
            w.WriteNumber("start_ms", StartMs);
            w.WriteNumber("end_ms", EndMs);
            w.WriteNumber("magnitude", Magnitude);
            w.WriteString("node", Node);
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    /// <summary>Reads a line written by <see cref="ToJsonLine"/>; throws <see cref="FormatException"/> naming what is wrong.</summary>
    public static FaultLabel ParseJsonLine(string line)
    {
        try
        {
            using var doc = JsonDocument.Parse(line);
            var r = doc.RootElement;
            var wire = r.GetProperty("fault").GetString();
            if (!FaultKinds.TryParse(wire, out var kind))
            {
                throw new FormatException($"unknown fault kind '{wire}'");
            }
            return new FaultLabel(r.GetProperty("node").GetString() ?? "", r.GetProperty("asset").GetString() ?? "", r.GetProperty("tag").GetString() ?? "",
                kind, r.GetProperty("start_ms").GetInt64(), r.GetProperty("end_ms").GetInt64(), r.GetProperty("magnitude").GetDouble());
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            throw new FormatException($"not a fault label line: {ex.Message}", ex);
        }
    }
}

/// <summary>Appends labels as JSON lines and flushes each, so a reader tailing the file sees a fault once it has ended.</summary>
public sealed class LabelWriter(TextWriter writer)
{
    private readonly Lock _gate = new();

    public int Written { get; private set; }

    public void Write(FaultLabel label)
    {
        var line = label.ToJsonLine();
        lock (_gate)
        {
            writer.Write(line);
            writer.Write('\n');
            writer.Flush();
            Written++;
        }
    }
}
