using System.Text;
using System.Text.Json;

namespace EdgeAnomaly.FirmwareSim.Modbus;

/// <summary>
/// Ground truth for one injected fault on one unit: the half-open window [StartMs, EndMs) in unix ms of the
/// simulation clock. For process and value faults every register sample shown inside the window is altered and
/// none outside it; transport faults alter answers, not values.
/// </summary>
public sealed record ModbusFaultLabel(byte Unit, ModbusFaultKind Kind, long StartMs, long EndMs, double Magnitude)
{
    /// <summary>
    /// {"unit":1,"fault":"overcurrent","layer":"process","start_ms":..,"end_ms":..,"magnitude":8,
    ///  "tags":["current.a"],"registers":[{"table":"input","address":0,"count":2},...]}
    /// </summary>
    public string ToJsonLine()
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(512);
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteNumber("unit", Unit);
            w.WriteString("fault", Kind.ToWire());
            w.WriteString("layer", Kind.Layer() switch
            {
                ModbusFaultLayer.Process => "process",
                ModbusFaultLayer.Values => "values",
                _ => "transport",
            });
            w.WriteNumber("start_ms", StartMs);
            w.WriteNumber("end_ms", EndMs);
            w.WriteNumber("magnitude", Magnitude);
            w.WriteStartArray("tags");
            foreach (var tag in Kind.Tags())
            {
                w.WriteStringValue(tag);
            }
            w.WriteEndArray();
            w.WriteStartArray("registers");
            foreach (var (table, address, count) in AffectedRegisters(Kind))
            {
                w.WriteStartObject();
                w.WriteString("table", table);
                w.WriteNumber("address", address);
                w.WriteNumber("count", count);
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    /// <summary>
    /// Registers whose values the fault alters, 0-based: the points of its tags in the input registers and their
    /// holding-register mirror; for stuck, every measurement. Status bits that follow from the values are not listed.
    /// </summary>
    public static IReadOnlyList<(string Table, int Address, int Count)> AffectedRegisters(ModbusFaultKind kind)
    {
        if (kind == ModbusFaultKind.Stuck)
        {
            return
            [
                ("input", 0, PumpRegisterMap.InputCount),
                ("holding", PumpRegisterMap.HoldingMirrorBase, PumpRegisterMap.InputCount),
                ("discrete_inputs", 0, PumpRegisterMap.DiscreteInputCount),
            ];
        }
        var list = new List<(string, int, int)>();
        foreach (var tag in kind.Tags())
        {
            foreach (var point in PumpRegisterMap.PointsOf(tag))
            {
                if (point.Table == ModbusTable.InputRegisters)
                {
                    list.Add(("input", point.Address, point.Count));
                }
            }
        }
        var inputs = list.Count;
        for (var i = 0; i < inputs; i++)
        {
            var (_, address, count) = list[i];
            list.Add(("holding", PumpRegisterMap.HoldingMirrorBase + address, count));
        }
        return list;
    }
}

/// <summary>Appends labels as JSON lines, flushing each so a reader tailing the file sees a fault once it has ended.</summary>
public sealed class ModbusLabelWriter(TextWriter writer)
{
    private readonly Lock _gate = new();

    public int Written { get; private set; }

    public void Write(ModbusFaultLabel label)
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
