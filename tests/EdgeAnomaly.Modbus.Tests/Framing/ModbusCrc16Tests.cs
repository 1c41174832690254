namespace EdgeAnomaly.Modbus.Tests.Framing;

public class ModbusCrc16Tests
{
    // Wire order (low byte first). Vectors from the Modbus serial line spec examples and pymodbus' computeCRC;
    // "123456789" is the CRC catalogue's check string for CRC-16/MODBUS (0x4B37).
    [Theory]
    [InlineData("01 03 00 00 00 0A", "C5 CD")]
    [InlineData("01 03 00 00 00 01", "84 0A")]
    [InlineData("11 03 00 6B 00 03", "76 87")]
    [InlineData("11 01 00 13 00 25", "0E 84")]
    [InlineData("01 05 00 0A FF 00", "AC 38")]
    [InlineData("01 06 00 01 00 03", "98 0B")]
    [InlineData("01 10 00 01 00 02 04 00 0A 01 02", "92 30")]
    [InlineData("01 83 02", "C0 F1")]
    [InlineData("31 32 33 34 35 36 37 38 39", "37 4B")]
    public void Append_KnownFrames_WritesTheCatalogueCrcLowByteFirst(string frame, string crc)
    {
        var body = Hex.Bytes(frame);
        var written = new byte[2];
        ModbusCrc16.Append(body, written);
        Assert.Equal(Hex.Bytes(crc), written);
        Assert.True(ModbusCrc16.IsValid([.. body, .. written]));
    }

    [Fact]
    public void Compute_CheckString_IsCatalogueValue() =>
        Assert.Equal(0x4B37, ModbusCrc16.Compute("123456789"u8));

    [Fact]
    public void IsValid_AnySingleBitFlip_IsDetected()
    {
        var frame = Hex.Bytes("01 03 00 00 00 0A C5 CD");
        for (var bit = 0; bit < frame.Length * 8; bit++)
        {
            var copy = (byte[])frame.Clone();
            copy[bit / 8] ^= (byte)(1 << (bit % 8));
            Assert.False(ModbusCrc16.IsValid(copy), $"flip of bit {bit} went unnoticed");
        }
    }

    [Fact]
    public void IsValid_TooShort_IsFalse()
    {
        Assert.False(ModbusCrc16.IsValid([]));
        Assert.False(ModbusCrc16.IsValid([0xFF, 0xFF]));
    }
}
