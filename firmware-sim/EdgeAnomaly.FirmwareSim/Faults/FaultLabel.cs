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
