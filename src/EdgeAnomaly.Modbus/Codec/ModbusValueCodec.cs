using System.Buffers.Binary;

namespace EdgeAnomaly.Modbus;

/// <summary>
/// Values in registers, in the four byte orders of <see cref="ByteOrder"/>; static and allocation-free (strings
/// aside). Every order is two independent steps on the registers as received: CDAB reverses the register
/// order, BADC swaps the two bytes inside each register, DCBA does both, ABCD neither. Both steps are their own
/// inverse, so the same steps turn a big-endian value into the registers to write.
/// One-register types (Int16, UInt16) follow the byte step only: BADC and DCBA swap the register's bytes.
/// Bool (any non-zero register) and Bit (bit n of the register as received) ignore the byte order.
/// </summary>
public static class ModbusValueCodec
{
    /// <summary>Registers a value of <paramref name="type"/> occupies; strings take <paramref name="stringRegisters"/>.</summary>
    public static int RegisterCount(ModbusDataType type, int stringRegisters = 0) => type switch
    {
        ModbusDataType.Bool or ModbusDataType.Bit or ModbusDataType.Int16 or ModbusDataType.UInt16 => 1,
        ModbusDataType.Int32 or ModbusDataType.UInt32 or ModbusDataType.Float32 => 2,
        ModbusDataType.Int64 or ModbusDataType.UInt64 or ModbusDataType.Float64 => 4,
        ModbusDataType.String => stringRegisters is >= 1 and <= ModbusLimits.MaxReadRegisters
            ? stringRegisters
            : throw new ArgumentOutOfRangeException(nameof(stringRegisters), stringRegisters, $"a string spans 1..{ModbusLimits.MaxReadRegisters} registers"),
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, "unknown data type"),
    };

    /// <summary>
    /// Decodes a numeric value (every type but String) from the first registers of <paramref name="registers"/>.
    /// Int64/UInt64 beyond 2^53 lose precision as a double; use <see cref="DecodeInt64"/> / <see cref="DecodeUInt64"/>.
    /// </summary>
    public static double DecodeNumber(ReadOnlySpan<ushort> registers, ModbusDataType type, ByteOrder order, int bit = 0)
    {
        switch (type)
        {
            case ModbusDataType.Bool:
                return Need(registers, 1)[0] != 0 ? 1 : 0;
            case ModbusDataType.Bit:
                CheckBit(bit);
                return (Need(registers, 1)[0] >> bit) & 1;
            case ModbusDataType.Int16:
                return (short)Decode16(registers, order);
            case ModbusDataType.UInt16:
                return Decode16(registers, order);
            case ModbusDataType.Int32:
                return (int)Decode32(registers, order);
            case ModbusDataType.UInt32:
                return Decode32(registers, order);
            case ModbusDataType.Float32:
                return BitConverter.UInt32BitsToSingle(Decode32(registers, order));
            case ModbusDataType.Int64:
                return (long)Decode64(registers, order);
            case ModbusDataType.UInt64:
                return Decode64(registers, order);
            case ModbusDataType.Float64:
                return BitConverter.UInt64BitsToDouble(Decode64(registers, order));
            default:
                throw new ArgumentOutOfRangeException(nameof(type), type, "not a numeric type (strings: DecodeString)");
        }
    }

    public static long DecodeInt64(ReadOnlySpan<ushort> registers, ByteOrder order) => (long)Decode64(registers, order);

    public static ulong DecodeUInt64(ReadOnlySpan<ushort> registers, ByteOrder order) => Decode64(registers, order);

    /// <summary>
    /// ASCII text, two characters per register: ABCD/CDAB high byte first, BADC/DCBA low byte first. Stops at the
    /// first NUL; surrounding blanks are trimmed. Bytes above 0x7F map to the Latin-1 character of that value.
    /// </summary>
    public static string DecodeString(ReadOnlySpan<ushort> registers, ByteOrder order)
    {
        var lowFirst = SwapsBytes(order);
        Span<char> text = registers.Length <= 128 ? stackalloc char[registers.Length * 2] : new char[registers.Length * 2];
        var length = 0;
        foreach (var register in registers)
        {
            var first = lowFirst ? (byte)register : (byte)(register >> 8);
            if (first == 0)
            {
                break;
            }
            text[length++] = (char)first;
            var second = lowFirst ? (byte)(register >> 8) : (byte)register;
            if (second == 0)
            {
                break;
            }
            text[length++] = (char)second;
        }
        return new string(text[..length].Trim());
    }

    /// <summary>
    /// Encodes a numeric value into the first <see cref="RegisterCount"/> registers of <paramref name="destination"/>.
    /// Integer types take the nearest integer and throw <see cref="ArgumentOutOfRangeException"/> when it does not
    /// fit (or is NaN); Bool writes 1 or 0; Bit sets or clears bit <paramref name="bit"/> of destination[0] and
    /// keeps the other bits (read-modify-write is the caller's job).
    /// </summary>
    public static void EncodeNumber(double value, ModbusDataType type, ByteOrder order, Span<ushort> destination, int bit = 0)
    {
        switch (type)
        {
            case ModbusDataType.Bool:
                Need(destination, 1)[0] = value != 0 ? (ushort)1 : (ushort)0;
                break;
            case ModbusDataType.Bit:
                CheckBit(bit);
                Need(destination, 1);
                destination[0] = value != 0 ? (ushort)(destination[0] | (1 << bit)) : (ushort)(destination[0] & ~(1 << bit));
                break;
            case ModbusDataType.Int16:
                Encode16((ushort)(short)ToInteger(value, short.MinValue, short.MaxValue, type), order, destination);
                break;
            case ModbusDataType.UInt16:
                Encode16((ushort)ToInteger(value, ushort.MinValue, ushort.MaxValue, type), order, destination);
                break;
            case ModbusDataType.Int32:
                Encode32((uint)(int)ToInteger(value, int.MinValue, int.MaxValue, type), order, destination);
                break;
            case ModbusDataType.UInt32:
                Encode32((uint)ToInteger(value, uint.MinValue, uint.MaxValue, type), order, destination);
                break;
            case ModbusDataType.Float32:
                Encode32(BitConverter.SingleToUInt32Bits((float)value), order, destination);
                break;
            case ModbusDataType.Int64:
                EncodeInt64(checked((long)ToInteger(value, long.MinValue, long.MaxValue, type)), order, destination);
                break;
            case ModbusDataType.UInt64:
                EncodeUInt64(ToUInt64(value), order, destination);
                break;
            case ModbusDataType.Float64:
                Encode64(BitConverter.DoubleToUInt64Bits(value), order, destination);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(type), type, "not a numeric type (strings: EncodeString)");
        }
    }

    public static void EncodeInt64(long value, ByteOrder order, Span<ushort> destination) => Encode64((ulong)value, order, destination);

    public static void EncodeUInt64(ulong value, ByteOrder order, Span<ushort> destination) => Encode64(value, order, destination);

    /// <summary>
    /// Writes ASCII text into all of <paramref name="destination"/>, NUL-padded, in the order
    /// <see cref="DecodeString"/> reads. Throws when the text is longer than the registers hold or is not ASCII.
    /// </summary>
    public static void EncodeString(string value, ByteOrder order, Span<ushort> destination)
    {
        ArgumentNullException.ThrowIfNull(value);
        if (value.Length > destination.Length * 2)
        {
            throw new ArgumentException($"{value.Length} characters do not fit in {destination.Length} registers", nameof(value));
        }
        var lowFirst = SwapsBytes(order);
        for (var i = 0; i < destination.Length; i++)
        {
            var first = CharAt(value, 2 * i);
            var second = CharAt(value, (2 * i) + 1);
            destination[i] = lowFirst ? (ushort)((second << 8) | first) : (ushort)((first << 8) | second);
        }
    }

    private static byte CharAt(string value, int index)
    {
        if (index >= value.Length)
        {
            return 0;
        }
        var c = value[index];
        return c <= 0x7F ? (byte)c : throw new ArgumentException($"character U+{(int)c:X4} at {index} is not ASCII", nameof(value));
    }

    private static bool ReversesWords(ByteOrder order) => order is ByteOrder.CDAB or ByteOrder.DCBA;

    private static bool SwapsBytes(ByteOrder order) => order is ByteOrder.BADC or ByteOrder.DCBA;

    private static ushort Decode16(ReadOnlySpan<ushort> registers, ByteOrder order)
    {
        var r = Need(registers, 1)[0];
        return SwapsBytes(order) ? BinaryPrimitives.ReverseEndianness(r) : r;
    }

    private static uint Decode32(ReadOnlySpan<ushort> registers, ByteOrder order)
    {
        Need(registers, 2);
        var high = ReversesWords(order) ? registers[1] : registers[0];
        var low = ReversesWords(order) ? registers[0] : registers[1];
        if (SwapsBytes(order))
        {
            high = BinaryPrimitives.ReverseEndianness(high);
            low = BinaryPrimitives.ReverseEndianness(low);
        }
        return ((uint)high << 16) | low;
    }

    private static ulong Decode64(ReadOnlySpan<ushort> registers, ByteOrder order)
    {
        Need(registers, 4);
        ulong value = 0;
        for (var i = 0; i < 4; i++)
        {
            var r = ReversesWords(order) ? registers[3 - i] : registers[i];
            if (SwapsBytes(order))
            {
                r = BinaryPrimitives.ReverseEndianness(r);
            }
            value = (value << 16) | r;
        }
        return value;
    }

    private static void Encode16(ushort value, ByteOrder order, Span<ushort> destination) =>
        Need(destination, 1)[0] = SwapsBytes(order) ? BinaryPrimitives.ReverseEndianness(value) : value;

    private static void Encode32(uint value, ByteOrder order, Span<ushort> destination)
    {
        Need(destination, 2);
        var high = (ushort)(value >> 16);
        var low = (ushort)value;
        if (SwapsBytes(order))
        {
            high = BinaryPrimitives.ReverseEndianness(high);
            low = BinaryPrimitives.ReverseEndianness(low);
        }
        destination[0] = ReversesWords(order) ? low : high;
        destination[1] = ReversesWords(order) ? high : low;
    }

    private static void Encode64(ulong value, ByteOrder order, Span<ushort> destination)
    {
        Need(destination, 4);
        for (var i = 0; i < 4; i++)
        {
            var r = (ushort)(value >> (48 - (16 * i)));
            if (SwapsBytes(order))
            {
                r = BinaryPrimitives.ReverseEndianness(r);
            }
            destination[ReversesWords(order) ? 3 - i : i] = r;
        }
    }

    private static double ToInteger(double value, double min, double max, ModbusDataType type)
    {
        var rounded = Math.Round(value, MidpointRounding.AwayFromZero);
        // Compare against max + 1 for the 64-bit types: (double)long.MaxValue rounds up to 2^63, which does not fit.
        if (double.IsNaN(rounded) || rounded < min || rounded > max || (type == ModbusDataType.Int64 && rounded >= 9.2233720368547758E18))
        {
            throw new ArgumentOutOfRangeException(nameof(value), value, $"does not fit {type}");
        }
        return rounded;
    }

    private static ulong ToUInt64(double value)
    {
        var rounded = Math.Round(value, MidpointRounding.AwayFromZero);
        if (double.IsNaN(rounded) || rounded < 0 || rounded >= 18446744073709551616.0)
        {
            throw new ArgumentOutOfRangeException(nameof(value), value, $"does not fit {ModbusDataType.UInt64}");
        }
        return (ulong)rounded;
    }

    private static void CheckBit(int bit)
    {
        if (bit is < 0 or > 15)
        {
            throw new ArgumentOutOfRangeException(nameof(bit), bit, "bit of a register is 0..15");
        }
    }

    private static ReadOnlySpan<ushort> Need(ReadOnlySpan<ushort> registers, int count) =>
        registers.Length >= count
            ? registers
            : throw new ArgumentException($"{count} registers needed, {registers.Length} given", nameof(registers));

    private static Span<ushort> Need(Span<ushort> registers, int count) =>
        registers.Length >= count
            ? registers
            : throw new ArgumentException($"{count} registers needed, {registers.Length} given", nameof(registers));
}
