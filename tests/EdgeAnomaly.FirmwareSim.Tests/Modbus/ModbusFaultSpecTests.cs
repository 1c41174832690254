using EdgeAnomaly.FirmwareSim.Modbus;

namespace EdgeAnomaly.FirmwareSim.Tests.Modbus;

public class ModbusFaultSpecTests
{
    [Theory]
    [InlineData("overcurrent:1@30+60:8", ModbusFaultKind.Overcurrent, 1, 30.0, 60.0, 8.0)]
    [InlineData("delay:2@10+20", ModbusFaultKind.Delay, 2, 10.0, 20.0, 3000.0)]
    [InlineData("exception:*@5+5:6", ModbusFaultKind.Exception, 0, 5.0, 5.0, 6.0)]
    [InlineData("bad-crc:247@0.5+1.5", ModbusFaultKind.BadCrc, 247, 0.5, 1.5, 0.0)]
    [InlineData("pressure-drop:3@0+10", ModbusFaultKind.PressureDrop, 3, 0.0, 10.0, 2.0)]
    [InlineData("Overheat:3@0+10:-5", ModbusFaultKind.Overheat, 3, 0.0, 10.0, -5.0)]
    public void Parse_ValidText_GivesTheFault(string text, ModbusFaultKind kind, int unit, double start, double duration, double magnitude)
    {
        var fault = ModbusFaultSpec.Parse(text);

        Assert.Equal(kind, fault.Kind);
        Assert.Equal(unit, fault.Unit);
        Assert.Equal(TimeSpan.FromSeconds(start), fault.Start);
        Assert.Equal(TimeSpan.FromSeconds(duration), fault.Duration);
        Assert.Equal(magnitude, fault.EffectiveMagnitude);
    }

    [Theory]
    [InlineData("overcurrent", "expected KIND:UNIT@START+DURATION")]
    [InlineData("melt:1@0+1", "unknown kind 'melt'")]
    [InlineData("drop:0@0+1", "unit '0' must be 1..247")]
    [InlineData("drop:300@0+1", "unit '300'")]
    [InlineData("drop:1@5", "expected KIND")]
    [InlineData("drop:1@5+0", "duration > 0")]
    [InlineData("drop:1@-1+2", "start must be >= 0")]
    [InlineData("delay:1@0+1:abc", "magnitude 'abc'")]
    [InlineData("exception:1@0+1:2.5", "exception code")]
    [InlineData("exception:1@0+1:0", "exception code")]
    [InlineData("corrupt:1@0+1:3", "wrong length")]
    public void Parse_InvalidText_NamesTheProblem(string text, string expected)
    {
        var ex = Assert.Throws<FormatException>(() => ModbusFaultSpec.Parse(text));

        Assert.Contains(expected, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ToString_RoundTripsThroughParse()
    {
        var fault = new ModbusFaultSpec(ModbusFaultKind.Overheat, 4, TimeSpan.FromSeconds(1.5), TimeSpan.FromSeconds(30), 12);

        Assert.Equal(fault, ModbusFaultSpec.Parse(fault.ToString()));
        Assert.Equal("overheat:4@1.5+30:12", fault.ToString());
    }

    [Theory]
    [InlineData("1,2,3", new byte[] { 1, 2, 3 })]
    [InlineData("1-4", new byte[] { 1, 2, 3, 4 })]
    [InlineData("5, 1-2 ,9", new byte[] { 5, 1, 2, 9 })]
    public void ParseUnits_ListsAndRanges(string text, byte[] expected)
    {
        Assert.Equal(expected, ModbusSimulatorOptions.ParseUnits(text));
    }

    [Theory]
    [InlineData("0")]
    [InlineData("248")]
    [InlineData("3-1")]
    [InlineData("a")]
    [InlineData("")]
    public void ParseUnits_Invalid_Throws(string text)
    {
        Assert.Throws<FormatException>(() => ModbusSimulatorOptions.ParseUnits(text));
    }
}
