using EdgeAnomaly.FirmwareSim.Modbus;

namespace EdgeAnomaly.FirmwareSim.Tests.Modbus;

public class ProtocolTests
{
    private static byte[] Hex(string hex) => Convert.FromHexString(hex.Replace(" ", "", StringComparison.Ordinal));

    private static string ToHex(ReadOnlySpan<byte> bytes) => Convert.ToHexString(bytes);

    [Theory]
    // Frames from the Modbus over serial line guide and common references: payload, then CRC low byte first.
    [InlineData("01 03 00 00 00 0A", "C5CD")]
    [InlineData("11 03 00 6B 00 03", "7687")]
    [InlineData("01 04 00 00 00 01", "31CA")]
    [InlineData("01 06 00 01 00 03", "980B")]
    [InlineData("", "FFFF")]
    public void Crc_KnownFrames_MatchTheWireBytes(string payload, string wireCrc)
    {
        var frame = new byte[Hex(payload).Length + 2];
        Hex(payload).CopyTo(frame, 0);

        var length = ModbusCrc.Append(frame, frame.Length - 2);

        Assert.Equal(frame.Length, length);
        Assert.Equal(wireCrc, ToHex(frame.AsSpan(frame.Length - 2)));
        Assert.True(payload.Length == 0 || ModbusCrc.IsValidFrame(frame));
    }

    [Fact]
    public void Crc_OneBitFlipped_IsRejected()
    {
        var frame = Hex("01 03 00 00 00 0A C5 CD");
        frame[3] ^= 0x01;

        Assert.False(ModbusCrc.IsValidFrame(frame));
    }

    public static TheoryData<string, string> HandlerCases => new()
    {
        // request PDU -> response PDU, against a frozen pump (unit 1)
        { "03 0000 0002", "03 04 05AA 0190" },   // speed setpoint 1450, pressure setpoint 400
        { "04 000A 0001", "04 02 05AA" },              // speed 1450 rpm
        { "04 000B 0001", "04 02 80A1" },              // status: running, remote, power ok, simulated
        { "01 0000 0008", "01 01 05" },                // coils: run command, remote
        { "02 0000 0008", "02 01 A1" },                // inputs: running, remote, power ok
        { "02 0000 0003", "02 01 01" },                // fewer bits than a byte
        { "03 03E8 0002", "03 04 4124 0000" },         // holding mirror of input 0..1: current 10.25 A
        { "2B 0E01 00", "AB 01" },                     // not implemented: illegal function
        { "07", "87 01" },
        { "03 0000 0000", "83 03" },                   // quantity 0
        { "03 0000 007E", "83 03" },                   // 126 registers
        { "04 0000 007D", "84 02" },                   // 125 registers: quantity fine, but 0..124 is not all mapped
        { "01 0000 07D1", "81 03" },                   // 2001 bits
        { "03 FFFF 0002", "83 02" },                   // beyond the 16-bit address space
        { "04 00C8 0001", "84 02" },                   // unmapped
        { "03 0010 0001", "83 02" },                   // between setpoints and the mirror
        { "03 0000", "83 03" },                        // truncated
        { "05 0000 1234", "85 03" },                   // coil value neither FF00 nor 0000
        { "05 0003 FF00", "05 0003 FF00" },            // echo
        { "05 0008 FF00", "85 02" },
        { "06 0002 00FA", "06 0002 00FA" },            // current limit 25.0 A
        { "06 0000 0BB9", "86 03" },                   // speed setpoint 3001 > 3000
        { "06 03E8 0001", "86 02" },                   // the mirror is read-only
        { "0F 0003 000A 02 FF03", "8F 02" },           // coils 3..12: only 3..7 exist
        { "0F 0003 0005 01 1F", "0F 0003 0005" },
        { "0F 0003 0005 02 1F00", "8F 03" },           // byte count does not match the quantity
        { "10 0004 0002 04 3FC0 0000", "10 0004 0002" }, // pressure low limit 1.5 (float32 ABCD)
        { "10 0004 0002 03 3FC0 00", "90 03" },
        { "10 000F 0002 04 0001 0002", "90 02" },      // runs past the writable setpoints
    };

    [Theory]
    [MemberData(nameof(HandlerCases))]
    public void Handler_Request_GivesTheSpecifiedResponse(string request, string expected)
    {
        var simulator = new ModbusSimulator(new ModbusSimulatorOptions { Freeze = true }, new Microsoft.Extensions.Time.Testing.FakeTimeProvider(SimHost.Epoch));
        var response = new byte[ModbusFunction.MaxPduLength];

        var length = ModbusRequestHandler.Handle(Hex(request), simulator.Find(1)!, response);

        Assert.Equal(Hex(expected).Length == 0 ? "" : ToHex(Hex(expected)), ToHex(response.AsSpan(0, length)));
    }

    [Fact]
    public void Handler_Writes_ChangeTheUnit()
    {
        var unit = new PumpUnit(1);
        var response = new byte[ModbusFunction.MaxPduLength];

        ModbusRequestHandler.Handle(Hex("06 0000 04B0"), unit, response);
        ModbusRequestHandler.Handle(Hex("05 0000 0000"), unit, response);
        ModbusRequestHandler.Handle(Hex("10 0008 0002 04 4142 4344"), unit, response);

        Assert.Equal(1200, unit.SpeedSetpointRpm);
        Assert.False(unit.RunCommand);
        Assert.Equal(0x4142, unit.ReadHolding(PumpRegisterMap.AssetTag));
        Assert.Equal(3, unit.Writes);
    }

    [Fact]
    public void Handler_ReportServerId_GivesUnitRunIndicatorAndText()
    {
        var response = new byte[ModbusFunction.MaxPduLength];

        var length = ModbusRequestHandler.Handle([0x11], new PumpUnit(5), response);

        var text = "EdgeAnomaly pump simulator " + PumpRegisterMap.ModelNameText;
        Assert.Equal(4 + text.Length, length);
        Assert.Equal([0x11, (byte)(2 + text.Length), 5, 0x00], response[..4]);   // not running before the first tick
        Assert.Equal(text, System.Text.Encoding.ASCII.GetString(response, 4, text.Length));
    }

    [Fact]
    public void Handler_EmptyRequest_HasNoAnswer()
    {
        Assert.Equal(0, ModbusRequestHandler.Handle([], new PumpUnit(1), new byte[ModbusFunction.MaxPduLength]));
    }

    [Fact]
    public void Handler_RandomGarbage_NeverThrowsAndAlwaysAnswersWithinAPdu()
    {
        var unit = new PumpUnit(7);
        var random = new Random(12345);
        var response = new byte[ModbusFunction.MaxPduLength];
        for (var i = 0; i < 20_000; i++)
        {
            var request = new byte[random.Next(1, ModbusFunction.MaxPduLength + 1)];
            random.NextBytes(request);
            request[0] = (byte)random.Next(0, 20);

            var length = ModbusRequestHandler.Handle(request, unit, response);

            Assert.InRange(length, 2, ModbusFunction.MaxPduLength);
            Assert.Equal(request[0], (byte)(response[0] & 0x7F));
        }
    }

    [Fact]
    public void Mbap_HeaderRoundTrips_AndRejectsNonModbus()
    {
        var bytes = Hex("1234 0000 0006 11");
        var header = MbapHeader.Read(bytes);

        Assert.Equal(new MbapHeader(0x1234, 0, 6, 0x11), header);
        Assert.Equal(5, header.PduLength);
        Assert.True(header.IsValid);
        var written = new byte[7];
        header.Write(written);
        Assert.Equal(bytes, written);
        Assert.False(MbapHeader.Read(Hex("1234 0001 0006 11")).IsValid);   // protocol id 1
        Assert.False(MbapHeader.Read(Hex("1234 0000 0001 11")).IsValid);   // no PDU
        Assert.False(MbapHeader.Read(Hex("1234 0000 00FF 11")).IsValid);   // PDU of 254 bytes
        Assert.True(MbapHeader.Read(Hex("1234 0000 00FE 11")).IsValid);    // PDU of 253 bytes
    }
}
