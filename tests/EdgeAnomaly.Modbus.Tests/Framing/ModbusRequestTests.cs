namespace EdgeAnomaly.Modbus.Tests.Framing;

public class ModbusRequestTests
{
    [Theory]
    [InlineData(0)]
    [InlineData(126)]
    [InlineData(-1)]
    public void ReadRegisters_CountOutsideOneTo125_Throws(int count) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => ModbusRequest.ReadRegisters(ModbusTable.HoldingRegister, 0, count));

    [Theory]
    [InlineData(0)]
    [InlineData(2001)]
    public void ReadBits_CountOutsideOneTo2000_Throws(int count) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => ModbusRequest.ReadBits(ModbusTable.Coil, 0, count));

    [Fact]
    public void Limits_AtTheEdge_AreAccepted()
    {
        Assert.Equal(125, ModbusRequest.ReadRegisters(ModbusTable.InputRegister, 0, 125).Count);
        Assert.Equal(2000, ModbusRequest.ReadBits(ModbusTable.DiscreteInput, 0, 2000).Count);
        Assert.Equal(123, ModbusRequest.WriteMultipleRegisters(0, 123).Count);
        Assert.Equal(1968, ModbusRequest.WriteMultipleCoils(0, 1968).Count);
        Assert.Equal(1, ModbusRequest.ReadRegisters(ModbusTable.HoldingRegister, 65535, 1).Count);
    }

    [Fact]
    public void WriteLimits_OnePastTheEdge_Throw()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => ModbusRequest.WriteMultipleRegisters(0, 124));
        Assert.Throws<ArgumentOutOfRangeException>(() => ModbusRequest.WriteMultipleCoils(0, 1969));
    }

    [Fact]
    public void Range_PastAddress65535_Throws() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => ModbusRequest.ReadRegisters(ModbusTable.HoldingRegister, 65535, 2));

    [Fact]
    public void WrongTableForTheFunction_Throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => ModbusRequest.ReadRegisters(ModbusTable.Coil, 0, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => ModbusRequest.ReadBits(ModbusTable.HoldingRegister, 0, 1));
    }

    [Theory]
    [InlineData(ModbusFunction.ReadCoils, 1, 3)]
    [InlineData(ModbusFunction.ReadCoils, 8, 3)]
    [InlineData(ModbusFunction.ReadCoils, 9, 4)]
    [InlineData(ModbusFunction.ReadDiscreteInputs, 2000, 252)]
    [InlineData(ModbusFunction.ReadHoldingRegisters, 1, 4)]
    [InlineData(ModbusFunction.ReadInputRegisters, 125, 252)]
    [InlineData(ModbusFunction.WriteSingleCoil, 1, 5)]
    [InlineData(ModbusFunction.WriteMultipleRegisters, 10, 5)]
    public void ResponsePduLength_PerFunction(ModbusFunction function, int count, int expected) =>
        Assert.Equal(expected, new ModbusRequest(function, 0, (ushort)count, 0).ResponsePduLength);
}
