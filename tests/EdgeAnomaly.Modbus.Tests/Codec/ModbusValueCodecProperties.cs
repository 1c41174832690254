using FsCheck;
using FsCheck.Fluent;

namespace EdgeAnomaly.Modbus.Tests.Codec;

/// <summary>Round trips over random values and all four byte orders (FsCheck, fixed replay-able seeds per run).</summary>
public class ModbusValueCodecProperties
{
    private static readonly Config Runs = Config.QuickThrowOnFailure.WithMaxTest(2000);

    private static Gen<ByteOrder> Orders => Gen.Elements(ByteOrder.ABCD, ByteOrder.CDAB, ByteOrder.BADC, ByteOrder.DCBA);

    // FsCheck's default integer generators stay within +-size (100): build full-width values from 16-bit words,
    // with the edges mixed in.
    private static Gen<ushort> Words => Gen.Choose(0, ushort.MaxValue).Select(v => (ushort)v);

    private static Gen<uint> UInt32s => Gen.OneOf(
        Gen.Zip(Words, Words).Select(w => ((uint)w.Item1 << 16) | w.Item2),
        Gen.Elements(0u, 1u, uint.MaxValue, 0x7FFFFFFFu, 0x80000000u));

    private static Gen<ulong> UInt64s => Gen.OneOf(
        Gen.Zip(UInt32s, UInt32s).Select(w => ((ulong)w.Item1 << 32) | w.Item2),
        Gen.Elements(0UL, 1UL, ulong.MaxValue, 0x7FFFFFFFFFFFFFFFUL, 0x8000000000000000UL));

    [Fact]
    public void Int16_RoundTrips() => Check(Gen.Choose(short.MinValue, short.MaxValue).Select(v => (double)v), ModbusDataType.Int16);

    [Fact]
    public void UInt16_RoundTrips() => Check(Gen.Choose(0, ushort.MaxValue).Select(v => (double)v), ModbusDataType.UInt16);

    [Fact]
    public void Int32_RoundTrips() =>
        Check(UInt32s.Select(v => (double)(int)v), ModbusDataType.Int32);

    [Fact]
    public void UInt32_RoundTrips() =>
        Check(UInt32s.Select(v => (double)v), ModbusDataType.UInt32);

    [Fact]
    public void Float32_RoundTripsBitExact() =>
        Prop.ForAll(Arb.From(Gen.Zip(UInt32s, Orders)), t =>
        {
            var f = BitConverter.UInt32BitsToSingle(t.Item1);
            var registers = new ushort[2];
            ModbusValueCodec.EncodeNumber(f, ModbusDataType.Float32, t.Item2, registers);
            var back = (float)ModbusValueCodec.DecodeNumber(registers, ModbusDataType.Float32, t.Item2);
            // NaN payloads survive float -> double -> float only as "a NaN"; everything else is bit-exact.
            return float.IsNaN(f) ? float.IsNaN(back) : BitConverter.SingleToUInt32Bits(back) == t.Item1;
        }).Check(Runs);

    [Fact]
    public void Float64_RoundTripsBitExact() =>
        Prop.ForAll(Arb.From(Gen.Zip(UInt64s, Orders)), t =>
        {
            var d = BitConverter.UInt64BitsToDouble(t.Item1);
            var registers = new ushort[4];
            ModbusValueCodec.EncodeNumber(d, ModbusDataType.Float64, t.Item2, registers);
            return BitConverter.DoubleToUInt64Bits(ModbusValueCodec.DecodeNumber(registers, ModbusDataType.Float64, t.Item2)) == t.Item1;
        }).Check(Runs);

    [Fact]
    public void Int64AndUInt64_RoundTripExactly() =>
        Prop.ForAll(Arb.From(Gen.Zip(UInt64s, Orders)), t =>
        {
            var registers = new ushort[4];
            ModbusValueCodec.EncodeUInt64(t.Item1, t.Item2, registers);
            var asUnsigned = ModbusValueCodec.DecodeUInt64(registers, t.Item2);
            ModbusValueCodec.EncodeInt64((long)t.Item1, t.Item2, registers);
            return asUnsigned == t.Item1 && ModbusValueCodec.DecodeInt64(registers, t.Item2) == (long)t.Item1;
        }).Check(Runs);

    [Fact]
    public void OrdersAreDistinctPermutations() =>
        Prop.ForAll(Arb.From(UInt64s), v =>
        {
            // The four layouts of one value differ unless the value is symmetric; decoding with the order it was
            // written in always gives it back, and the byte step applied twice is the identity.
            var abcd = new ushort[4];
            var dcba = new ushort[4];
            ModbusValueCodec.EncodeUInt64(v, ByteOrder.ABCD, abcd);
            ModbusValueCodec.EncodeUInt64(v, ByteOrder.DCBA, dcba);
            return ModbusValueCodec.DecodeUInt64(dcba, ByteOrder.DCBA) == v
                && ModbusValueCodec.DecodeUInt64(abcd, ByteOrder.DCBA) == System.Buffers.Binary.BinaryPrimitives.ReverseEndianness(v);
        }).Check(Runs);

    [Fact]
    public void String_RoundTripsPrintableAscii() =>
        Prop.ForAll(Arb.From(Gen.Zip(Gen.ArrayOf(Gen.Choose(0x21, 0x7E).Select(c => (char)c)), Orders)), t =>
        {
            var text = new string(t.Item1);
            var registers = new ushort[Math.Max(1, (text.Length + 1) / 2)];
            ModbusValueCodec.EncodeString(text, t.Item2, registers);
            return ModbusValueCodec.DecodeString(registers, t.Item2) == text;
        }).Check(Runs);

    private static void Check(Gen<double> values, ModbusDataType type) =>
        Prop.ForAll(Arb.From(Gen.Zip(values, Orders)), t =>
        {
            var registers = new ushort[ModbusValueCodec.RegisterCount(type)];
            ModbusValueCodec.EncodeNumber(t.Item1, type, t.Item2, registers);
            return ModbusValueCodec.DecodeNumber(registers, type, t.Item2) == t.Item1;
        }).Check(Runs);
}
