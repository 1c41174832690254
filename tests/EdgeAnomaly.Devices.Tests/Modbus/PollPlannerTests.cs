using EdgeAnomaly.Devices.Modbus;
using EdgeAnomaly.Modbus;

namespace EdgeAnomaly.Devices.Tests.Modbus;

public class PollPlannerTests
{
    private static ModbusPoint Reg(int index, int address, ModbusDataType type = ModbusDataType.UInt16, ModbusTable table = ModbusTable.HoldingRegister, int length = 0) =>
        new(index, index, table, (ushort)address, ModbusNames.RegisterCount(type, length), type, ByteOrder.ABCD);

    private static ModbusPoint Coil(int index, int address, ModbusTable table = ModbusTable.Coil) =>
        new(index, index, table, (ushort)address, 1, ModbusDataType.Bool, ByteOrder.ABCD);

    [Theory]
    // addresses, max gap, expected requests as "address+count"
    [InlineData(new[] { 0, 1, 2, 3 }, 10, "0+4")]
    [InlineData(new[] { 0, 5 }, 4, "0+6")] // gap of 4 unread registers: allowed
    [InlineData(new[] { 0, 6 }, 4, "0+1 6+1")] // gap of 5: split
    [InlineData(new[] { 0, 1, 3 }, 0, "0+2 3+1")] // max gap 0: only adjacent
    [InlineData(new[] { 10, 3, 7 }, 3, "3+8")] // order in config does not matter
    [InlineData(new[] { 5, 5 }, 0, "5+1")] // two tags on one register share it
    [InlineData(new[] { 0, 100, 200, 300 }, 99, "0+101 200+101")]
    public void Plan_Uint16Tags_CoalescesWithinTheGap(int[] addresses, int maxGap, string expected)
    {
        var points = addresses.Select((a, i) => Reg(i, a)).ToList();
        var (requests, _) = PollPlanner.Plan(points, PlannerLimits.Protocol(maxGap));
        Assert.Equal(expected, Describe(requests));
    }

    [Fact]
    public void Plan_126AdjacentRegisters_TwoRequestsAtTheLimit()
    {
        var points = Enumerable.Range(0, 126).Select(a => Reg(a, a)).ToList();
        var (requests, planned) = PollPlanner.Plan(points, PlannerLimits.Protocol());
        Assert.Equal("0+125 125+1", Describe(requests));
        Assert.Equal(1, planned[125].Request);
        Assert.Equal(0, planned[125].Offset);
    }

    [Fact]
    public void Plan_MultiRegisterValueAtTheLimit_NeverSplit()
    {
        // 62 float32 = 124 registers, then one float64 at 124..127: it does not fit in the first request
        var points = Enumerable.Range(0, 62).Select(i => Reg(i, i * 2, ModbusDataType.Float32)).ToList();
        points.Add(Reg(62, 124, ModbusDataType.Float64));
        var (requests, planned) = PollPlanner.Plan(points, PlannerLimits.Protocol());
        Assert.Equal("0+124 124+4", Describe(requests));
        Assert.Equal(new PlannedPoint(points[62], 1, 0), planned[62]);
    }

    [Fact]
    public void Plan_DeviceLimitBelowProtocol_IsRespected()
    {
        var points = Enumerable.Range(0, 20).Select(i => Reg(i, i * 2, ModbusDataType.Int32)).ToList();
        var (requests, _) = PollPlanner.Plan(points, new PlannerLimits(16, 2000, 10, 64));
        Assert.Equal("0+16 16+16 32+8", Describe(requests));
    }

    [Fact]
    public void Plan_StringOfFullRequest_StandsAlone()
    {
        var points = new List<ModbusPoint> { Reg(0, 0), Reg(1, 1, ModbusDataType.String, length: 125), Reg(2, 126) };
        var (requests, planned) = PollPlanner.Plan(points, PlannerLimits.Protocol());
        Assert.Equal("0+1 1+125 126+1", Describe(requests));
        Assert.Equal(1, planned[1].Request);
    }

    [Fact]
    public void Plan_BitsAndTables_SeparateRequestsPerTableInTableOrder()
    {
        var points = new List<ModbusPoint>
        {
            Reg(0, 0, table: ModbusTable.HoldingRegister),
            Reg(1, 0, table: ModbusTable.InputRegister),
            Coil(2, 0),
            Coil(3, 70),
            Coil(4, 0, ModbusTable.DiscreteInput),
            Reg(5, 1, table: ModbusTable.HoldingRegister),
        };
        var (requests, planned) = PollPlanner.Plan(points, PlannerLimits.Protocol(maxBitGap: 64));
        Assert.Equal("C0+1 C70+1 D0+1 I0+1 H0+2", Describe(requests, withTable: true));
        Assert.Equal(new PlannedPoint(points[5], 4, 1), planned[5]);
        // bit and register buffers are separate: coil requests take bit offsets 0 and 1, discrete 2
        Assert.Equal(new[] { 0, 1, 2, 0, 1 }, requests.Select(r => r.BufferOffset).ToArray());
    }

    [Fact]
    public void Plan_2001Coils_TwoRequests()
    {
        var points = Enumerable.Range(0, 2001).Select(a => Coil(a, a)).ToList();
        var (requests, _) = PollPlanner.Plan(points, PlannerLimits.Protocol());
        Assert.Equal("0+2000 2000+1", Describe(requests));
    }

    [Fact]
    public void Plan_OverlappingValues_ShareTheRequestAtTheirOffsets()
    {
        var points = new List<ModbusPoint> { Reg(0, 10, ModbusDataType.Bit), Reg(1, 9, ModbusDataType.Int32), Reg(2, 10, ModbusDataType.Bit) };
        var (requests, planned) = PollPlanner.Plan(points, PlannerLimits.Protocol(0));
        Assert.Equal("9+2", Describe(requests));
        Assert.Equal(new[] { 1, 0, 1 }, planned.Select(p => p.Offset).ToArray());
    }

    [Fact]
    public void Plan_RandomMaps_RequestCountIsTheMinimum()
    {
        var random = new Random(20240501);
        var types = new[] { ModbusDataType.UInt16, ModbusDataType.Float32, ModbusDataType.Float64, ModbusDataType.String };
        for (var round = 0; round < 400; round++)
        {
            var n = random.Next(1, 60);
            var maxGap = random.Next(0, 20);
            var maxRegisters = random.Next(4, 126);
            var points = new List<ModbusPoint>();
            for (var i = 0; i < n; i++)
            {
                var type = types[random.Next(types.Length)];
                var length = type == ModbusDataType.String ? random.Next(1, Math.Min(maxRegisters, 10) + 1) : 0;
                points.Add(Reg(i, random.Next(0, 600), type, length: length));
            }
            var limits = new PlannerLimits(maxRegisters, 2000, maxGap, 0);
            var (requests, planned) = PollPlanner.Plan(points, limits);
            Assert.Equal(MinimumRequests(points, limits), requests.Length);
            for (var i = 0; i < n; i++)
            {
                var r = requests[planned[i].Request];
                Assert.True(planned[i].Offset >= 0 && planned[i].Offset + points[i].Count <= r.Count, "value inside its request");
                Assert.Equal(points[i].Address, r.Address + planned[i].Offset);
                Assert.True(r.Count <= maxRegisters);
            }
        }
    }

    /// <summary>Reference: dynamic programming over address-sorted values (independent of the greedy sweep).</summary>
    private static int MinimumRequests(List<ModbusPoint> points, PlannerLimits limits)
    {
        var sorted = points.OrderBy(p => p.Address).ThenByDescending(p => p.Count).ToList();
        var best = new int[sorted.Count + 1];
        for (var i = 1; i <= sorted.Count; i++)
        {
            best[i] = int.MaxValue;
            // last request covers sorted[j..i-1]
            for (var j = i - 1; j >= 0; j--)
            {
                var start = sorted[j].Address;
                var end = 0;
                var ok = true;
                for (var k = j; k < i; k++)
                {
                    if (k > j && sorted[k].Address - end > limits.MaxRegisterGap)
                    {
                        ok = false;
                        break;
                    }
                    end = Math.Max(end, sorted[k].End);
                }
                if (ok && end - start <= limits.MaxRegisters && best[j] != int.MaxValue)
                {
                    best[i] = Math.Min(best[i], best[j] + 1);
                }
            }
        }
        return best[sorted.Count];
    }

    private static string Describe(PlannedRequest[] requests, bool withTable = false) =>
        string.Join(" ", requests.Select(r => (withTable ? r.Table.ToString()[..1] : "") + $"{r.Address}+{r.Count}"));
}
