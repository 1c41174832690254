using EdgeAnomaly.Devices.Modbus;
using EdgeAnomaly.Modbus;

namespace EdgeAnomaly.Devices.Tests.Modbus;

public class ModbusNamesTests
{
    [Theory]
    [InlineData("40001", null, 0, ModbusTable.HoldingRegister, 0)]
    [InlineData("49999", null, 0, ModbusTable.HoldingRegister, 9998)]
    [InlineData("400001", null, 0, ModbusTable.HoldingRegister, 0)]
    [InlineData("465536", null, 0, ModbusTable.HoldingRegister, 65535)]
    [InlineData("30010", null, 0, ModbusTable.InputRegister, 9)]
    [InlineData("10001", null, 1, ModbusTable.DiscreteInput, 0)] // Modicon references are one-based whatever AddressBase says
    [InlineData("00001", null, 0, ModbusTable.Coil, 0)]
    [InlineData("000100", null, 0, ModbusTable.Coil, 99)]
    [InlineData("40001", ModbusTable.HoldingRegister, 0, ModbusTable.HoldingRegister, 40001)] // with a table: a plain address (SunSpec lives there)
    [InlineData("1", ModbusTable.InputRegister, 1, ModbusTable.InputRegister, 0)]
    [InlineData("65536", ModbusTable.InputRegister, 1, ModbusTable.InputRegister, 65535)]
    [InlineData("0x10", ModbusTable.Coil, 0, ModbusTable.Coil, 16)]
    [InlineData(" 7 ", ModbusTable.Coil, 0, ModbusTable.Coil, 7)]
    public void TryParseAddress_Valid(string text, ModbusTable? table, int addressBase, ModbusTable expectedTable, int expectedAddress)
    {
        Assert.True(ModbusNames.TryParseAddress(text, addressBase, table, out var t, out var a, out var error), error);
        Assert.Equal(expectedTable, t);
        Assert.Equal(expectedAddress, a);
    }

    [Theory]
    [InlineData("", null, 0, "missing")]
    [InlineData("40000", null, 0, "starts at 40001")]
    [InlineData("20001", null, 0, "first digit")]
    [InlineData("123", null, 0, "needs a Table")]
    [InlineData("4000001", null, 0, "needs a Table")]
    [InlineData("465537", null, 0, "starts at")]
    [InlineData("0", ModbusTable.HoldingRegister, 1, "outside 1..65536")]
    [InlineData("65536", ModbusTable.HoldingRegister, 0, "outside 0..65535")]
    [InlineData("-1", ModbusTable.HoldingRegister, 0, "not a number")]
    [InlineData("%MW10", ModbusTable.HoldingRegister, 0, "not a number")]
    [InlineData("0xZZ", ModbusTable.HoldingRegister, 0, "not a number")]
    public void TryParseAddress_Invalid_SaysWhy(string text, ModbusTable? table, int addressBase, string because)
    {
        Assert.False(ModbusNames.TryParseAddress(text, addressBase, table, out _, out _, out var error));
        Assert.Contains(because, error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("holding", ModbusTable.HoldingRegister)]
    [InlineData("Holding_Registers", ModbusTable.HoldingRegister)]
    [InlineData("input", ModbusTable.InputRegister)]
    [InlineData("discrete", ModbusTable.DiscreteInput)]
    [InlineData("coils", ModbusTable.Coil)]
    public void TryParseTable_TelegrafAndNeuronWords(string text, ModbusTable expected)
    {
        Assert.True(ModbusNames.TryParseTable(text, out var t));
        Assert.Equal(expected, t);
    }

    [Theory]
    [InlineData("float")]
    [InlineData("double")]
    [InlineData("")]
    public void TryParseType_UnknownWord_False(string text) => Assert.False(ModbusNames.TryParseType(text, out _));

    [Theory]
    [InlineData("FLOAT32", ModbusDataType.Float32)]
    [InlineData("uint64", ModbusDataType.UInt64)]
    [InlineData("bit", ModbusDataType.Bit)]
    public void TryParseType_KnownWord(string text, ModbusDataType expected)
    {
        Assert.True(ModbusNames.TryParseType(text, out var t));
        Assert.Equal(expected, t);
    }

    [Theory]
    [InlineData("plc:502", "plc", 502)]
    [InlineData("10.0.0.5", "10.0.0.5", 502)]
    [InlineData("127.0.0.1:1502", "127.0.0.1", 1502)]
    [InlineData("[::1]:5020", "::1", 5020)]
    [InlineData("[fe80::1]", "fe80::1", 502)]
    public void TryParseEndpoint_Valid(string text, string host, int port)
    {
        Assert.True(ModbusMapCompiler.TryParseEndpoint(text, out var h, out var p));
        Assert.Equal(host, h);
        Assert.Equal(port, p);
    }

    [Theory]
    [InlineData("")]
    [InlineData("plc:0")]
    [InlineData("plc:70000")]
    [InlineData("::1:502")]
    [InlineData(":502")]
    [InlineData("plc:abc")]
    public void TryParseEndpoint_Invalid(string text) => Assert.False(ModbusMapCompiler.TryParseEndpoint(text, out _, out _));
}
