using EdgeAnomaly.FirmwareSim.Modbus;

namespace EdgeAnomaly.FirmwareSim.Tests.Modbus;

public class RegisterEncodingTests
{
    [Theory]
    [InlineData(RegisterByteOrder.ABCD, new ushort[] { 0x0123, 0x4567 })]
    [InlineData(RegisterByteOrder.CDAB, new ushort[] { 0x4567, 0x0123 })]
    [InlineData(RegisterByteOrder.BADC, new ushort[] { 0x2301, 0x6745 })]
    [InlineData(RegisterByteOrder.DCBA, new ushort[] { 0x6745, 0x2301 })]
    public void UInt32_IsLaidOutByOrder(RegisterByteOrder order, ushort[] expected)
    {
        var registers = new ushort[2];

        RegisterEncoding.WriteUInt32(registers, 0x0123_4567, order);

        Assert.Equal(expected, registers);
        Assert.Equal(0x0123_4567u, RegisterEncoding.ReadUInt32(registers, order));
    }

    [Theory]
    [InlineData(RegisterByteOrder.ABCD, new ushort[] { 0x0123, 0x4567, 0x89AB, 0xCDEF })]
    [InlineData(RegisterByteOrder.CDAB, new ushort[] { 0xCDEF, 0x89AB, 0x4567, 0x0123 })]
    [InlineData(RegisterByteOrder.BADC, new ushort[] { 0x2301, 0x6745, 0xAB89, 0xEFCD })]
    [InlineData(RegisterByteOrder.DCBA, new ushort[] { 0xEFCD, 0xAB89, 0x6745, 0x2301 })]
    public void UInt64_IsLaidOutByOrder(RegisterByteOrder order, ushort[] expected)
    {
        var registers = new ushort[4];

        RegisterEncoding.WriteUInt64(registers, 0x0123_4567_89AB_CDEF, order);

        Assert.Equal(expected, registers);
        Assert.Equal(0x0123_4567_89AB_CDEFul, RegisterEncoding.ReadUInt64(registers, order));
    }

    [Fact]
    public void Float32_And_Float64_And_Signed_RoundTripInEveryOrder()
    {
        foreach (var order in Enum.GetValues<RegisterByteOrder>())
        {
            var two = new ushort[2];
            var four = new ushort[4];
            RegisterEncoding.WriteFloat32(two, -12.375f, order);
            Assert.Equal(-12.375f, RegisterEncoding.ReadFloat32(two, order));
            RegisterEncoding.WriteFloat64(four, 1_234_567.125, order);
            Assert.Equal(1_234_567.125, RegisterEncoding.ReadFloat64(four, order));
            RegisterEncoding.WriteInt32(two, -750, order);
            Assert.Equal(-750, RegisterEncoding.ReadInt32(two, order));
            RegisterEncoding.WriteInt64(four, -2_765_432_875, order);
            Assert.Equal(-2_765_432_875, RegisterEncoding.ReadInt64(four, order));
        }
        var abcd = new ushort[2];
        RegisterEncoding.WriteFloat32(abcd, 10.25f, RegisterByteOrder.ABCD);
        Assert.Equal(new ushort[] { 0x4124, 0x0000 }, abcd);
    }

    [Fact]
    public void String_TwoCharactersPerRegister_HighByteFirst_NulPadded()
    {
        var registers = new ushort[4];

        RegisterEncoding.WriteString(registers, "PUMP-U1");

        Assert.Equal(new ushort[] { 0x5055, 0x4D50, 0x2D55, 0x3100 }, registers);
        Assert.Equal("PUMP-U1", RegisterEncoding.ReadString(registers));
        RegisterEncoding.WriteString(registers, "0123456789");
        Assert.Equal("01234567", RegisterEncoding.ReadString(registers));
    }
}
