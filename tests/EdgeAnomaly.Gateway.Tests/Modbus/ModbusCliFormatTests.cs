using EdgeAnomaly.Gateway.Cli;
using EdgeAnomaly.Modbus;

namespace EdgeAnomaly.Gateway.Tests.Modbus;

public sealed class ModbusCliFormatTests
{
    [Theory]
    [InlineData(new ushort[] { 0x4148, 0x0000 }, ModbusDataType.Float32, ByteOrder.ABCD, "12.5")]
    [InlineData(new ushort[] { 0x0000, 0x4148 }, ModbusDataType.Float32, ByteOrder.CDAB, "12.5")]
    [InlineData(new ushort[] { 0xFFFF }, ModbusDataType.Int16, ByteOrder.ABCD, "-1")]
    [InlineData(new ushort[] { 0xFFFF }, ModbusDataType.UInt16, ByteOrder.ABCD, "65535")]
    [InlineData(new ushort[] { 0x0123, 0x4567, 0x89AB, 0xCDEF }, ModbusDataType.UInt64, ByteOrder.ABCD, "81985529216486895")]
    [InlineData(new ushort[] { 0xFFFF, 0xFFFF, 0xFFFF, 0xFFFF }, ModbusDataType.UInt64, ByteOrder.ABCD, "18446744073709551615")]
    [InlineData(new ushort[] { 0x7FC0, 0x0000 }, ModbusDataType.Float32, ByteOrder.ABCD, "NaN")]
    public void Decode_PrintsExactText(ushort[] registers, ModbusDataType type, ByteOrder order, string expected) =>
        Assert.Equal(expected, DecodedValue.Decode(registers, type, order).Text);

    [Fact]
    public void ProbeTable_ListsOnlyTypesThatFit_FromEveryStartAddress()
    {
        var table = ModbusCliFormat.ProbeTable("holding", 100, [0x4148, 0x0000, 0x0001]);
        Assert.Contains("starting at holding 100:", table, StringComparison.Ordinal);
        Assert.Contains("starting at holding 102:", table, StringComparison.Ordinal);
        var at102 = table[table.IndexOf("starting at holding 102:", StringComparison.Ordinal)..];
        Assert.DoesNotContain("float32", at102.Split("ascii")[0], StringComparison.Ordinal);
        Assert.DoesNotContain("int64", table, StringComparison.Ordinal); // 3 registers: no 64-bit row anywhere
        Assert.Contains("12.5", table, StringComparison.Ordinal);
        Assert.DoesNotContain(" \n", table.Replace("\r", "", StringComparison.Ordinal), StringComparison.Ordinal); // no trailing blanks
    }

    [Fact]
    public void Binary_GroupsNibbles() => Assert.Equal("1000 0000 0000 0001", ModbusCliFormat.Binary(0x8001));
}
