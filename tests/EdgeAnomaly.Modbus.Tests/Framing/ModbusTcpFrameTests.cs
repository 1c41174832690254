namespace EdgeAnomaly.Modbus.Tests.Framing;

public class ModbusTcpFrameTests
{
    private static readonly ModbusRequest ReadTwo = ModbusRequest.ReadRegisters(ModbusTable.InputRegister, 0, 2);

    [Fact]
    public void EncodeRequest_WritesMbapHeader()
    {
        var pdu = new byte[5];
        ModbusPdu.WriteRequest(ReadTwo, pdu);
        var adu = new byte[ModbusTcpFrame.MaxLength];
        var n = ModbusTcpFrame.EncodeRequest(0x1234, 0xFF, pdu, adu);
        Assert.Equal("123400000006FF0400000002", Hex.Of(adu.AsSpan(0, n)));
    }

    [Fact]
    public void DecodeResponse_GoodFrame_ReturnsThePdu()
    {
        var adu = Hex.Bytes("12 34 00 00 00 07 FF 04 04 00 2A 01 00");
        Assert.Equal(13, ModbusTcpFrame.FrameLength(adu));
        Assert.Equal("0404002A0100", Hex.Of(ModbusTcpFrame.DecodeResponse(adu, 0x1234, 0xFF, ReadTwo)));
    }

    [Fact]
    public void DecodeResponse_Exception_ThrowsSlaveException() =>
        Assert.Equal(ModbusExceptionCode.GatewayTargetDeviceFailedToRespond,
            Assert.Throws<ModbusSlaveException>(() =>
                ModbusTcpFrame.DecodeResponse(Hex.Bytes("00 01 00 00 00 03 05 84 0B"), 1, 5, ReadTwo)).Code);

    [Theory]
    [InlineData("12 34 00 00 00 07 FF 04 04 00 2A 01", ModbusFrameError.Truncated)]
    [InlineData("12 34 00 00 00 07 FF 04 04 00 2A 01 00 00", ModbusFrameError.Overlong)]
    [InlineData("12 35 00 00 00 07 FF 04 04 00 2A 01 00", ModbusFrameError.UnexpectedTransactionId)]
    [InlineData("12 34 00 00 00 07 01 04 04 00 2A 01 00", ModbusFrameError.UnexpectedUnitId)]
    [InlineData("12 34 00 01 00 07 FF 04 04 00 2A 01 00", ModbusFrameError.BadProtocolId)]
    [InlineData("12 34 00 00 01 07 FF 04 04 00 2A 01 00", ModbusFrameError.BadLength)]
    [InlineData("12 34 00 00 00 01 FF 04", ModbusFrameError.BadLength)]
    [InlineData("12 34 00 00 00 07 FF 03 04 00 2A 01 00", ModbusFrameError.UnexpectedFunction)]
    [InlineData("12 34 00 00 00 05 FF 04 02 00 2A", ModbusFrameError.BadByteCount)]
    [InlineData("12 34 00 00 00", ModbusFrameError.Truncated)]
    public void DecodeResponse_BadFrame_NamesTheError(string hex, ModbusFrameError error) =>
        Assert.Equal(error, Assert.Throws<ModbusFrameException>(() => ModbusTcpFrame.DecodeResponse(Hex.Bytes(hex), 0x1234, 0xFF, ReadTwo)).Error);

    [Fact]
    public void FrameLength_NeedsTheWholeHeader() =>
        Assert.Equal(0, ModbusTcpFrame.FrameLength(Hex.Bytes("12 34 00 00 00 07")));
}
