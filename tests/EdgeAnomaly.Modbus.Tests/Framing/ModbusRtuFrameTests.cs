namespace EdgeAnomaly.Modbus.Tests.Framing;

public class ModbusRtuFrameTests
{
    private static readonly ModbusRequest ReadTwo = ModbusRequest.ReadRegisters(ModbusTable.HoldingRegister, 0, 2);

    [Fact]
    public void EncodeRequest_AppendsUnitAndCrc()
    {
        var pdu = new byte[5];
        ModbusPdu.WriteRequest(ModbusRequest.ReadRegisters(ModbusTable.HoldingRegister, 0, 10), pdu);
        var frame = new byte[ModbusRtuFrame.MaxLength];
        var n = ModbusRtuFrame.EncodeRequest(1, pdu, frame);
        Assert.Equal("01030000000AC5CD", Hex.Of(frame.AsSpan(0, n)));
    }

    [Fact]
    public void DecodeResponse_GoodFrame_ReturnsThePdu()
    {
        var frame = Hex.WithCrc("01 03 04 00 2A 01 00");
        var pdu = ModbusRtuFrame.DecodeResponse(frame, 1, ReadTwo);
        Assert.Equal("0304002A0100", Hex.Of(pdu));
    }

    [Fact]
    public void DecodeResponse_ExceptionFrame_ThrowsSlaveException()
    {
        var e = Assert.Throws<ModbusSlaveException>(() => ModbusRtuFrame.DecodeResponse(Hex.WithCrc("01 83 02"), 1, ReadTwo));
        Assert.Equal(ModbusExceptionCode.IllegalDataAddress, e.Code);
    }

    public static TheoryData<byte[], ModbusFrameError> BadFrames()
    {
        var good = Hex.WithCrc("01 03 04 00 2A 01 00");
        var flipped = (byte[])good.Clone();
        flipped[4] ^= 0x10;
        return new()
        {
            { flipped, ModbusFrameError.BadCrc },
            { good[..^1], ModbusFrameError.Truncated },
            { good[..3], ModbusFrameError.Truncated },
            { [.. good, 0x00], ModbusFrameError.Overlong },
            { [.. good, 0xAB, 0xCD, 0xEF], ModbusFrameError.Overlong },
            { Hex.WithCrc("02 03 04 00 2A 01 00"), ModbusFrameError.UnexpectedUnitId },
            { Hex.WithCrc("01 04 04 00 2A 01 00"), ModbusFrameError.UnexpectedFunction },
            { Hex.WithCrc("01 03 02 00 2A"), ModbusFrameError.BadByteCount },
            { new byte[300], ModbusFrameError.Overlong },
        };
    }

    [Theory]
    [MemberData(nameof(BadFrames))]
    public void DecodeResponse_BadFrame_NamesTheError(byte[] frame, ModbusFrameError error)
    {
        var e = Assert.Throws<ModbusFrameException>(() => ModbusRtuFrame.DecodeResponse(frame, 1, ReadTwo));
        Assert.Equal(error, e.Error);
    }

    [Fact]
    public void ResponseLength_KnownOnceTheHeadIsHere()
    {
        var frame = Hex.WithCrc("01 03 04 00 2A 01 00");
        Assert.Equal(0, ModbusRtuFrame.ResponseLength(frame.AsSpan(0, 1), ReadTwo));
        Assert.Equal(0, ModbusRtuFrame.ResponseLength(frame.AsSpan(0, 2), ReadTwo));
        Assert.Equal(9, ModbusRtuFrame.ResponseLength(frame.AsSpan(0, 3), ReadTwo));
        Assert.Equal(5, ModbusRtuFrame.ResponseLength(Hex.Bytes("01 83"), ReadTwo));
        Assert.Equal(8, ModbusRtuFrame.ResponseLength(Hex.Bytes("01 06"), ModbusRequest.WriteSingleRegister(0, 1)));
        Assert.Equal(ModbusFrameError.UnexpectedFunction,
            Assert.Throws<ModbusFrameException>(() => ModbusRtuFrame.ResponseLength(Hex.Bytes("01 7F"), ReadTwo)).Error);
        Assert.Equal(ModbusFrameError.BadByteCount,
            Assert.Throws<ModbusFrameException>(() => ModbusRtuFrame.ResponseLength(Hex.Bytes("01 03 FF"), ReadTwo)).Error);
    }

    [Theory]
    [InlineData(9600, 4_011)]    // 3.5 x 11 bits / 9600 = 4.0104 ms
    [InlineData(19200, 2_006)]
    [InlineData(38400, 1_750)]   // fixed above 19200
    [InlineData(115200, 1_750)]
    public void SilentInterval_IsThreeAndAHalfCharactersOrFixedAbove19200(int baud, int microseconds) =>
        Assert.Equal(microseconds, (int)Math.Ceiling(ModbusRtuFrame.SilentInterval(baud).TotalMicroseconds));

    [Fact]
    public void CharacterTime_Is11Bits() =>
        Assert.Equal(1146, (int)Math.Ceiling(ModbusRtuFrame.CharacterTime(9600).TotalMicroseconds));
}
