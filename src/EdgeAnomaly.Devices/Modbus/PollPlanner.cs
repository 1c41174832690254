using EdgeAnomaly.Modbus;

namespace EdgeAnomaly.Devices.Modbus;

/// <summary>One read request of a cycle. <see cref="BufferOffset"/> is where its answer lands in the group's register (or bit) buffer.</summary>
public readonly record struct PlannedRequest(ModbusTable Table, ushort Address, int Count, int BufferOffset)
{
    public bool IsBits => ModbusNames.IsBitTable(Table);
}

/// <summary>Where one tag's value is in the answers: request <see cref="Request"/>, starting <see cref="Offset"/> registers (or bits) into it.</summary>
public readonly record struct PlannedPoint(ModbusPoint Point, int Request, int Offset);

/// <summary>How far the planner may stretch one request.</summary>
public readonly record struct PlannerLimits(int MaxRegisters, int MaxBits, int MaxRegisterGap, int MaxBitGap)
{
    public static PlannerLimits Protocol(int maxRegisterGap = 10, int maxBitGap = 64) =>
        new(ModbusLimits.MaxReadRegisters, ModbusLimits.MaxReadBits, maxRegisterGap, maxBitGap);
}

/// <summary>The requests of one poll group of one device and how to find each tag in their answers.</summary>
public sealed record ModbusGroupPlan(string Group, TimeSpan Interval, PlannedRequest[] Requests, PlannedPoint[] Points)
{
    /// <summary>Registers of all register requests (size of the group's register buffer).</summary>
    public int RegisterBufferLength { get; } = BufferLength(Requests, bits: false);

    /// <summary>Bits of all coil / discrete requests.</summary>
    public int BitBufferLength { get; } = BufferLength(Requests, bits: true);

    private static int BufferLength(PlannedRequest[] requests, bool bits)
    {
        var n = 0;
        foreach (var r in requests)
        {
            if (r.IsBits == bits)
            {
                n += r.Count;
            }
        }
        return n;
    }
}

/// <summary>
/// Coalesces the tags of one poll group into as few read requests as the limits allow. Per table, tags are taken
/// in address order and a request is stretched over the next tag while the unread gap before it is at most the
/// table's max gap and the request stays within the per-request limit; a tag's registers are never split across
/// requests. This greedy sweep is minimal: a break is forced exactly where the gap or the limit leaves no choice,
/// and starting a request later never lets it reach further.
/// </summary>
public static class PollPlanner
{
    public static (PlannedRequest[] Requests, PlannedPoint[] Points) Plan(IReadOnlyList<ModbusPoint> points, PlannerLimits limits)
    {
        var order = new int[points.Count];
        for (var i = 0; i < order.Length; i++)
        {
            order[i] = i;
        }
        // table first (coils, discrete, input, holding), then address, widest first so a covering value starts the request
        Array.Sort(order, (a, b) =>
        {
            var pa = points[a];
            var pb = points[b];
            var c = pa.Table.CompareTo(pb.Table);
            if (c != 0)
            {
                return c;
            }
            c = pa.Address.CompareTo(pb.Address);
            return c != 0 ? c : pb.Count.CompareTo(pa.Count);
        });

        var requests = new List<PlannedRequest>();
        var planned = new PlannedPoint[points.Count];
        var registerOffset = 0;
        var bitOffset = 0;
        var open = false;
        ModbusTable table = default;
        int start = 0, end = 0;

        void Close()
        {
            var count = end - start;
            var bits = ModbusNames.IsBitTable(table);
            requests.Add(new PlannedRequest(table, (ushort)start, count, bits ? bitOffset : registerOffset));
            if (bits)
            {
                bitOffset += count;
            }
            else
            {
                registerOffset += count;
            }
        }

        foreach (var i in order)
        {
            var p = points[i];
            var bits = ModbusNames.IsBitTable(p.Table);
            var limit = bits ? limits.MaxBits : limits.MaxRegisters;
            var maxGap = bits ? limits.MaxBitGap : limits.MaxRegisterGap;
            if (p.Count > limit)
            {
                throw new ArgumentException($"tag at {ModbusNames.TableName(p.Table)} {p.Address} needs {p.Count} registers, more than one request may read ({limit})", nameof(points));
            }
            var joins = open && p.Table == table && p.Address - end <= maxGap && Math.Max(end, p.End) - start <= limit;
            if (!joins)
            {
                if (open)
                {
                    Close();
                }
                open = true;
                table = p.Table;
                start = p.Address;
                end = p.End;
            }
            else
            {
                end = Math.Max(end, p.End);
            }
            planned[i] = new PlannedPoint(p, requests.Count, p.Address - start);
        }
        if (open)
        {
            Close();
        }
        return ([.. requests], planned);
    }
}
