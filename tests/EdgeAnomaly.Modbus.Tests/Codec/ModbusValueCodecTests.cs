namespace EdgeAnomaly.Modbus.Tests.Codec;

public class ModbusValueCodecTests
{
    // Registers as they arrive on the wire, written by hand from the big-endian bytes of each value
    // (float32 123.456 = 42 F6 E9 79, int32 -123456789 = F8 A4 32 EB, float64 123.456 = 40 5E DD 2F 1A 9F BE 77, ...).
    public static TheoryData<ModbusDataType, ByteOrder, ushort[], double> Numbers => new()
    {
        { ModbusDataType.Float32, ByteOrder.ABCD, [0x42F6, 0xE979], 123.456f },
        { ModbusDataType.Float32, ByteOrder.CDAB, [0xE979, 0x42F6], 123.456f },
        { ModbusDataType.Float32, ByteOrder.BADC, [0xF642, 0x79E9], 123.456f },
        { ModbusDataType.Float32, ByteOrder.DCBA, [0x79E9, 0xF642], 123.456f },
        { ModbusDataType.Float32, ByteOrder.ABCD, [0xBFC0, 0x0000], -1.5 },
        { ModbusDataType.Float32, ByteOrder.DCBA, [0x0000, 0xC0BF], -1.5 },
        { ModbusDataType.Int32, ByteOrder.ABCD, [0xF8A4, 0x32EB], -123456789 },
        { ModbusDataType.Int32, ByteOrder.CDAB, [0x32EB, 0xF8A4], -123456789 },
        { ModbusDataType.Int32, ByteOrder.BADC, [0xA4F8, 0xEB32], -123456789 },
        { ModbusDataType.Int32, ByteOrder.DCBA, [0xEB32, 0xA4F8], -123456789 },
        { ModbusDataType.UInt32, ByteOrder.ABCD, [0xB2D0, 0x5E00], 3000000000 },
        { ModbusDataType.UInt32, ByteOrder.CDAB, [0x5E00, 0xB2D0], 3000000000 },
        { ModbusDataType.UInt32, ByteOrder.BADC, [0xD0B2, 0x005E], 3000000000 },
        { ModbusDataType.UInt32, ByteOrder.DCBA, [0x005E, 0xD0B2], 3000000000 },
        { ModbusDataType.Int16, ByteOrder.ABCD, [0xFFFE], -2 },
        { ModbusDataType.Int16, ByteOrder.CDAB, [0xFFFE], -2 },
        { ModbusDataType.Int16, ByteOrder.BADC, [0xFEFF], -2 },
        { ModbusDataType.Int16, ByteOrder.DCBA, [0xFEFF], -2 },
        { ModbusDataType.UInt16, ByteOrder.ABCD, [0x1234], 0x1234 },
        { ModbusDataType.UInt16, ByteOrder.CDAB, [0x1234], 0x1234 },
        { ModbusDataType.UInt16, ByteOrder.BADC, [0x3412], 0x1234 },
        { ModbusDataType.UInt16, ByteOrder.DCBA, [0x3412], 0x1234 },
        { ModbusDataType.Float64, ByteOrder.ABCD, [0x405E, 0xDD2F, 0x1A9F, 0xBE77], 123.456 },
        { ModbusDataType.Float64, ByteOrder.CDAB, [0xBE77, 0x1A9F, 0xDD2F, 0x405E], 123.456 },
        { ModbusDataType.Float64, ByteOrder.BADC, [0x5E40, 0x2FDD, 0x9F1A, 0x77BE], 123.456 },
        { ModbusDataType.Float64, ByteOrder.DCBA, [0x77BE, 0x9F1A, 0x2FDD, 0x5E40], 123.456 },
        { ModbusDataType.Int64, ByteOrder.ABCD, [0xFFFF, 0xFFFF, 0xFFFF, 0xFF85], -123 },
        { ModbusDataType.Int64, ByteOrder.CDAB, [0xFF85, 0xFFFF, 0xFFFF, 0xFFFF], -123 },
        { ModbusDataType.Int64, ByteOrder.BADC, [0xFFFF, 0xFFFF, 0xFFFF, 0x85FF], -123 },
        { ModbusDataType.Int64, ByteOrder.DCBA, [0x85FF, 0xFFFF, 0xFFFF, 0xFFFF], -123 },
        { ModbusDataType.UInt64, ByteOrder.ABCD, [0x0000, 0x0001, 0x0002, 0x0003], 4295098371 },
        { ModbusDataType.UInt64, ByteOrder.CDAB, [0x0003, 0x0002, 0x0001, 0x0000], 4295098371 },
        { ModbusDataType.UInt64, ByteOrder.BADC, [0x0000, 0x0100, 0x0200, 0x0300], 4295098371 },
        { ModbusDataType.UInt64, ByteOrder.DCBA, [0x0300, 0x0200, 0x0100, 0x0000], 4295098371 },
        { ModbusDataType.Bool, ByteOrder.ABCD, [0x0100], 1 },
        { ModbusDataType.Bool, ByteOrder.DCBA, [0x0000], 0 },
    };

    [Theory]
    [MemberData(nameof(Numbers))]
    public void DecodeNumber_HandWrittenRegisters(ModbusDataType type, ByteOrder order, ushort[] registers, double expected) =>
        Assert.Equal(expected, ModbusValueCodec.DecodeNumber(registers, type, order));

    [Theory]
    [MemberData(nameof(Numbers))]
    public void EncodeNumber_GivesTheSameRegisters(ModbusDataType type, ByteOrder order, ushort[] registers, double value)
    {
        var written = new ushort[registers.Length];
        ModbusValueCodec.EncodeNumber(value, type, order, written);
        Assert.Equal(type == ModbusDataType.Bool ? [(ushort)(value != 0 ? 1 : 0)] : registers, written);
    }

    [Theory]
    [InlineData(ByteOrder.ABCD, new ushort[] { 0x0102, 0x0304, 0x0506, 0x0708 })]
    [InlineData(ByteOrder.CDAB, new ushort[] { 0x0708, 0x0506, 0x0304, 0x0102 })]
    [InlineData(ByteOrder.BADC, new ushort[] { 0x0201, 0x0403, 0x0605, 0x0807 })]
    [InlineData(ByteOrder.DCBA, new ushort[] { 0x0807, 0x0605, 0x0403, 0x0201 })]
    public void SixtyFourBit_ExactInBothDirections(ByteOrder order, ushort[] registers)
    {
        Assert.Equal(0x0102030405060708UL, ModbusValueCodec.DecodeUInt64(registers, order));
        Assert.Equal(0x0102030405060708L, ModbusValueCodec.DecodeInt64(registers, order));
        var written = new ushort[4];
        ModbusValueCodec.EncodeUInt64(0x0102030405060708UL, order, written);
        Assert.Equal(registers, written);
        ModbusValueCodec.EncodeInt64(-1234567890123456789, order, written);
        Assert.Equal(-1234567890123456789, ModbusValueCodec.DecodeInt64(written, order));
    }

    [Fact]
    public void Int64_BeyondDoublePrecision_IsExactThroughTheIntegerApi()
    {
        ushort[] registers = [0x7FFF, 0xFFFF, 0xFFFF, 0xFFFF];
        Assert.Equal(long.MaxValue, ModbusValueCodec.DecodeInt64(registers, ByteOrder.ABCD));
        Assert.Equal(ulong.MaxValue, ModbusValueCodec.DecodeUInt64([0xFFFF, 0xFFFF, 0xFFFF, 0xFFFF], ByteOrder.ABCD));
    }

    [Theory]
    [InlineData(0, 1)]
    [InlineData(3, 0)]
    [InlineData(15, 1)]
    [InlineData(8, 1)]
    public void Bit_IsTakenFromTheRegisterAsReceived(int bit, double expected) =>
        Assert.Equal(expected, ModbusValueCodec.DecodeNumber([0x8101], ModbusDataType.Bit, ByteOrder.DCBA, bit));

    [Fact]
    public void EncodeBit_KeepsTheOtherBits()
    {
        ushort[] register = [0x8101];
        ModbusValueCodec.EncodeNumber(1, ModbusDataType.Bit, ByteOrder.ABCD, register, 4);
        Assert.Equal(0x8111, register[0]);
        ModbusValueCodec.EncodeNumber(0, ModbusDataType.Bit, ByteOrder.ABCD, register, 15);
        Assert.Equal(0x0111, register[0]);
    }

    [Theory]
    [InlineData(ByteOrder.ABCD, new ushort[] { 0x5055, 0x4D50, 0x2D37, 0x0000 })]
    [InlineData(ByteOrder.CDAB, new ushort[] { 0x5055, 0x4D50, 0x2D37, 0x0000 })]
    [InlineData(ByteOrder.BADC, new ushort[] { 0x5550, 0x504D, 0x372D, 0x0000 })]
    [InlineData(ByteOrder.DCBA, new ushort[] { 0x5550, 0x504D, 0x372D, 0x0000 })]
    public void String_PerOrder(ByteOrder order, ushort[] registers)
    {
        Assert.Equal("PUMP-7", ModbusValueCodec.DecodeString(registers, order));
        var written = new ushort[4];
        ModbusValueCodec.EncodeString("PUMP-7", order, written);
        Assert.Equal(registers, written);
    }

    [Fact]
    public void String_StopsAtNulAndTrims()
    {
        Assert.Equal("AB", ModbusValueCodec.DecodeString([0x2041, 0x4200, 0x5858], ByteOrder.ABCD));
        Assert.Equal("", ModbusValueCodec.DecodeString([0x0041], ByteOrder.ABCD));
        Assert.Equal("A", ModbusValueCodec.DecodeString([0x4120, 0x2020], ByteOrder.ABCD));
    }

    [Fact]
    public void EncodeString_TooLongOrNotAscii_Throws()
    {
        Assert.Throws<ArgumentException>(() => ModbusValueCodec.EncodeString("ABC", ByteOrder.ABCD, new ushort[1]));
        Assert.Throws<ArgumentException>(() => ModbusValueCodec.EncodeString("Ä", ByteOrder.ABCD, new ushort[1]));
    }

    [Theory]
    [InlineData(ModbusDataType.Int16, 32768)]
    [InlineData(ModbusDataType.Int16, -32769)]
    [InlineData(ModbusDataType.UInt16, -1)]
    [InlineData(ModbusDataType.UInt16, 65536)]
    [InlineData(ModbusDataType.Int32, 2147483648)]
    [InlineData(ModbusDataType.UInt32, -0.6)]
    [InlineData(ModbusDataType.Int64, 9.3e18)]
    [InlineData(ModbusDataType.Int64, 9.2233720368547758E18)]
    [InlineData(ModbusDataType.UInt64, -1)]
    [InlineData(ModbusDataType.UInt64, 1.9e19)]
    [InlineData(ModbusDataType.Int32, double.NaN)]
    public void EncodeNumber_OutOfRange_Throws(ModbusDataType type, double value) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => ModbusValueCodec.EncodeNumber(value, type, ByteOrder.ABCD, new ushort[4]));

    [Fact]
    public void EncodeNumber_RoundsToTheNearestInteger()
    {
        var r = new ushort[1];
        ModbusValueCodec.EncodeNumber(41.5, ModbusDataType.Int16, ByteOrder.ABCD, r);
        Assert.Equal(42, r[0]);
        ModbusValueCodec.EncodeNumber(-41.5, ModbusDataType.Int16, ByteOrder.ABCD, r);
        Assert.Equal(-42, (short)r[0]);
    }

    [Fact]
    public void TooFewRegisters_Throws()
    {
        Assert.Throws<ArgumentException>(() => ModbusValueCodec.DecodeNumber([1], ModbusDataType.Float32, ByteOrder.ABCD));
        Assert.Throws<ArgumentException>(() => ModbusValueCodec.DecodeNumber([1, 2, 3], ModbusDataType.Float64, ByteOrder.ABCD));
        Assert.Throws<ArgumentException>(() => ModbusValueCodec.EncodeNumber(1, ModbusDataType.Int32, ByteOrder.ABCD, new ushort[1]));
        Assert.Throws<ArgumentOutOfRangeException>(() => ModbusValueCodec.DecodeNumber([1], ModbusDataType.String, ByteOrder.ABCD));
        Assert.Throws<ArgumentOutOfRangeException>(() => ModbusValueCodec.DecodeNumber([1], ModbusDataType.Bit, ByteOrder.ABCD, 16));
    }

    [Theory]
    [InlineData(ModbusDataType.Bool, 0, 1)]
    [InlineData(ModbusDataType.Bit, 0, 1)]
    [InlineData(ModbusDataType.Int16, 0, 1)]
    [InlineData(ModbusDataType.UInt16, 0, 1)]
    [InlineData(ModbusDataType.Int32, 0, 2)]
    [InlineData(ModbusDataType.UInt32, 0, 2)]
    [InlineData(ModbusDataType.Float32, 0, 2)]
    [InlineData(ModbusDataType.Int64, 0, 4)]
    [InlineData(ModbusDataType.UInt64, 0, 4)]
    [InlineData(ModbusDataType.Float64, 0, 4)]
    [InlineData(ModbusDataType.String, 10, 10)]
    public void RegisterCount_PerType(ModbusDataType type, int stringRegisters, int expected) =>
        Assert.Equal(expected, ModbusValueCodec.RegisterCount(type, stringRegisters));

    [Fact]
    public void RegisterCount_StringWithoutLength_Throws() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => ModbusValueCodec.RegisterCount(ModbusDataType.String));
}
