namespace EdgeAnomaly.Modbus.Tests.Framing;

public class ModbusPduTests
{
    [Fact]
    public void Requests_AreEncodedAsTheSpecExamples()
    {
        var buffer = new byte[ModbusPdu.MaxLength];
        // Modbus Application Protocol v1.1b3, 6.1-6.6 and 6.11-6.12 examples.
        Assert.Equal("0100130013", Encode(ModbusRequest.ReadBits(ModbusTable.Coil, 19, 19)));
        Assert.Equal("0200C40016", Encode(ModbusRequest.ReadBits(ModbusTable.DiscreteInput, 196, 22)));
        Assert.Equal("03006B0003", Encode(ModbusRequest.ReadRegisters(ModbusTable.HoldingRegister, 107, 3)));
        Assert.Equal("0400080001", Encode(ModbusRequest.ReadRegisters(ModbusTable.InputRegister, 8, 1)));
        Assert.Equal("0500ACFF00", Encode(ModbusRequest.WriteSingleCoil(172, true)));
        Assert.Equal("0500AC0000", Encode(ModbusRequest.WriteSingleCoil(172, false)));
        Assert.Equal("0600010003", Encode(ModbusRequest.WriteSingleRegister(1, 3)));

        bool[] coils = [true, false, true, true, false, false, true, true, true, false];
        var n = ModbusPdu.WriteMultipleCoilsRequest(19, coils, buffer);
        Assert.Equal("0F0013000A02CD01", Hex.Of(buffer.AsSpan(0, n)));

        n = ModbusPdu.WriteMultipleRegistersRequest(1, [0x000A, 0x0102], buffer);
        Assert.Equal("100001000204000A0102", Hex.Of(buffer.AsSpan(0, n)));

        string Encode(ModbusRequest r)
        {
            var length = ModbusPdu.WriteRequest(r, buffer);
            return Hex.Of(buffer.AsSpan(0, length));
        }
    }

    [Fact]
    public void WriteRequest_MultipleWriteWithoutValues_Throws() =>
        Assert.Throws<ArgumentException>(() => ModbusPdu.WriteRequest(ModbusRequest.WriteMultipleRegisters(0, 2), new byte[10]));

    [Fact]
    public void ReadRegisters_GoodResponse_YieldsValues()
    {
        var request = ModbusRequest.ReadRegisters(ModbusTable.HoldingRegister, 107, 3);
        var pdu = Hex.Bytes("03 06 02 2B 00 00 00 64");
        ModbusPdu.ValidateResponse(pdu, 17, request);
        var values = new ushort[3];
        ModbusPdu.ReadRegisterValues(pdu, values);
        Assert.Equal(new ushort[] { 555, 0, 100 }, values);
    }

    [Fact]
    public void ReadBits_GoodResponse_YieldsBitsLsbFirst()
    {
        var request = ModbusRequest.ReadBits(ModbusTable.Coil, 19, 19);
        var pdu = Hex.Bytes("01 03 CD 6B 05");
        ModbusPdu.ValidateResponse(pdu, 1, request);
        var bits = new bool[19];
        ModbusPdu.ReadBitValues(pdu, bits);
        // CD = 1100 1101 -> coils 19..26 = 1,0,1,1,0,0,1,1; 6B -> 27..34 = 1,1,0,1,0,1,1,0; 05 -> 35..37 = 1,0,1
        Assert.Equal("1011001111010110101", string.Concat(bits.Select(b => b ? '1' : '0')));
    }

    public static TheoryData<string, ModbusFrameError> BadReadResponses => new()
    {
        { "", ModbusFrameError.Truncated },
        { "03", ModbusFrameError.Truncated },
        { "03 04 00 01 00", ModbusFrameError.Truncated },
        { "03 04 00 01 00 02 00", ModbusFrameError.Overlong },
        { "03 06 00 01 00 02 00 03", ModbusFrameError.BadByteCount },
        { "04 04 00 01 00 02", ModbusFrameError.UnexpectedFunction },
        { "83", ModbusFrameError.Truncated },
        { "83 02 00", ModbusFrameError.Overlong },
    };

    [Theory]
    [MemberData(nameof(BadReadResponses))]
    public void ValidateResponse_BadReadAnswer_NamesTheError(string hex, ModbusFrameError error)
    {
        var request = ModbusRequest.ReadRegisters(ModbusTable.HoldingRegister, 0, 2);
        var e = Assert.Throws<ModbusFrameException>(() => ModbusPdu.ValidateResponse(Hex.Bytes(hex), 1, request));
        Assert.Equal(error, e.Error);
    }

    [Theory]
    [InlineData(0x01, ModbusExceptionCode.IllegalFunction)]
    [InlineData(0x02, ModbusExceptionCode.IllegalDataAddress)]
    [InlineData(0x03, ModbusExceptionCode.IllegalDataValue)]
    [InlineData(0x04, ModbusExceptionCode.ServerDeviceFailure)]
    [InlineData(0x05, ModbusExceptionCode.Acknowledge)]
    [InlineData(0x06, ModbusExceptionCode.ServerDeviceBusy)]
    [InlineData(0x07, ModbusExceptionCode.NegativeAcknowledge)]
    [InlineData(0x08, ModbusExceptionCode.MemoryParityError)]
    [InlineData(0x0A, ModbusExceptionCode.GatewayPathUnavailable)]
    [InlineData(0x0B, ModbusExceptionCode.GatewayTargetDeviceFailedToRespond)]
    public void ValidateResponse_ExceptionResponse_ThrowsTypedSlaveException(byte code, ModbusExceptionCode expected)
    {
        var request = ModbusRequest.ReadRegisters(ModbusTable.InputRegister, 0, 2);
        var e = Assert.Throws<ModbusSlaveException>(() => ModbusPdu.ValidateResponse([0x84, code], 9, request));
        Assert.Equal(expected, e.Code);
        Assert.Equal(9, e.UnitId);
        Assert.Equal(ModbusFunction.ReadInputRegisters, e.Function);
        Assert.Contains(ModbusExceptionCodes.Describe(expected), e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("unknown", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ValidateResponse_UndefinedExceptionCode_IsStillASlaveException()
    {
        var request = ModbusRequest.WriteSingleRegister(0, 1);
        var e = Assert.Throws<ModbusSlaveException>(() => ModbusPdu.ValidateResponse([0x86, 0x55], 1, request));
        Assert.Equal((ModbusExceptionCode)0x55, e.Code);
        Assert.Contains("unknown exception code", e.Message, StringComparison.Ordinal);
    }

    public static TheoryData<string, string?> WriteEchoes => new()
    {
        { "05 00 AC FF 00", null },
        { "05 00 AC 00 00", "EchoMismatch" },
        { "05 00 AD FF 00", "EchoMismatch" },
        { "05 00 AC FF", "Truncated" },
        { "05 00 AC FF 00 00", "Overlong" },
    };

    [Theory]
    [MemberData(nameof(WriteEchoes))]
    public void ValidateResponse_WriteSingleCoil_ChecksTheEcho(string hex, string? error)
    {
        var request = ModbusRequest.WriteSingleCoil(172, true);
        if (error is null)
        {
            ModbusPdu.ValidateResponse(Hex.Bytes(hex), 1, request);
            return;
        }
        var e = Assert.Throws<ModbusFrameException>(() => ModbusPdu.ValidateResponse(Hex.Bytes(hex), 1, request));
        Assert.Equal(error, e.Error.ToString());
    }

    [Fact]
    public void ValidateResponse_WriteMultiple_ChecksAddressAndCount()
    {
        var request = ModbusRequest.WriteMultipleRegisters(1, 2);
        ModbusPdu.ValidateResponse(Hex.Bytes("10 00 01 00 02"), 1, request);
        Assert.Equal(ModbusFrameError.EchoMismatch,
            Assert.Throws<ModbusFrameException>(() => ModbusPdu.ValidateResponse(Hex.Bytes("10 00 01 00 03"), 1, request)).Error);
        var coils = ModbusRequest.WriteMultipleCoils(19, 10);
        ModbusPdu.ValidateResponse(Hex.Bytes("0F 00 13 00 0A"), 1, coils);
        Assert.Equal(ModbusFrameError.EchoMismatch,
            Assert.Throws<ModbusFrameException>(() => ModbusPdu.ValidateResponse(Hex.Bytes("0F 00 14 00 0A"), 1, coils)).Error);
    }
}
