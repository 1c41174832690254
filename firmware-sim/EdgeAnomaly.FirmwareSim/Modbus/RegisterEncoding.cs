using System.Text;

namespace EdgeAnomaly.FirmwareSim.Modbus;

/// <summary>
/// Byte order of a value spread over several 16-bit registers, named after the bytes of a big-endian 32-bit
/// value A B C D as they appear on the wire. The same names apply to 64-bit values (A B C D E F G H).
/// </summary>
public enum RegisterByteOrder
{
    /// <summary>Big-endian: most significant register first, big-endian inside each register.</summary>
    ABCD,

    /// <summary>Register (word) order reversed, big-endian inside each register ("word swap").</summary>
    CDAB,

    /// <summary>Register order kept, bytes swapped inside each register ("byte swap").</summary>
    BADC,

    /// <summary>Fully little-endian.</summary>
    DCBA,
}

/// <summary>Pure conversions between values and register contents, for every type and byte order the map uses.</summary>
public static class RegisterEncoding
{
    public static void WriteUInt32(Span<ushort> registers, uint value, RegisterByteOrder order)
    {
        Span<byte> bytes = stackalloc byte[4];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(bytes, value);
        ToRegisters(bytes, order, registers);
    }

    public static void WriteUInt64(Span<ushort> registers, ulong value, RegisterByteOrder order)
    {
        Span<byte> bytes = stackalloc byte[8];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt64BigEndian(bytes, value);
        ToRegisters(bytes, order, registers);
    }

    public static void WriteInt32(Span<ushort> registers, int value, RegisterByteOrder order) => WriteUInt32(registers, unchecked((uint)value), order);

    public static void WriteInt64(Span<ushort> registers, long value, RegisterByteOrder order) => WriteUInt64(registers, unchecked((ulong)value), order);

    public static void WriteFloat32(Span<ushort> registers, float value, RegisterByteOrder order) => WriteUInt32(registers, BitConverter.SingleToUInt32Bits(value), order);

    public static void WriteFloat64(Span<ushort> registers, double value, RegisterByteOrder order) => WriteUInt64(registers, BitConverter.DoubleToUInt64Bits(value), order);

    public static uint ReadUInt32(ReadOnlySpan<ushort> registers, RegisterByteOrder order)
    {
        Span<byte> bytes = stackalloc byte[4];
        FromRegisters(registers[..2], order, bytes);
        return System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(bytes);
    }

    public static ulong ReadUInt64(ReadOnlySpan<ushort> registers, RegisterByteOrder order)
    {
        Span<byte> bytes = stackalloc byte[8];
        FromRegisters(registers[..4], order, bytes);
        return System.Buffers.Binary.BinaryPrimitives.ReadUInt64BigEndian(bytes);
    }

    public static int ReadInt32(ReadOnlySpan<ushort> registers, RegisterByteOrder order) => unchecked((int)ReadUInt32(registers, order));

    public static long ReadInt64(ReadOnlySpan<ushort> registers, RegisterByteOrder order) => unchecked((long)ReadUInt64(registers, order));

    public static float ReadFloat32(ReadOnlySpan<ushort> registers, RegisterByteOrder order) => BitConverter.UInt32BitsToSingle(ReadUInt32(registers, order));

    public static double ReadFloat64(ReadOnlySpan<ushort> registers, RegisterByteOrder order) => BitConverter.UInt64BitsToDouble(ReadUInt64(registers, order));

    /// <summary>
    /// ASCII, two characters per register, the first in the high byte; padded with NUL; characters outside
    /// printable ASCII become '?'. Text longer than the registers hold is cut.
    /// </summary>
    public static void WriteString(Span<ushort> registers, string value)
    {
        registers.Clear();
        var chars = Math.Min(value.Length, registers.Length * 2);
        for (var i = 0; i < chars; i++)
        {
            var c = value[i];
            var b = c is >= ' ' and <= '~' ? (byte)c : (byte)'?';
            registers[i / 2] |= (i % 2 == 0) ? (ushort)(b << 8) : b;
        }
    }

    /// <summary>Reads a string written by <see cref="WriteString"/>, stopping at the first NUL.</summary>
    public static string ReadString(ReadOnlySpan<ushort> registers)
    {
        var builder = new StringBuilder(registers.Length * 2);
        foreach (var register in registers)
        {
            var high = (byte)(register >> 8);
            var low = (byte)register;
            if (high == 0)
            {
                break;
            }
            builder.Append((char)high);
            if (low == 0)
            {
                break;
            }
            builder.Append((char)low);
        }
        return builder.ToString();
    }

    /// <summary>Places big-endian <paramref name="bytes"/> (4 or 8) into registers in <paramref name="order"/>.</summary>
    public static void ToRegisters(ReadOnlySpan<byte> bytes, RegisterByteOrder order, Span<ushort> registers)
    {
        var words = bytes.Length / 2;
        for (var i = 0; i < words; i++)
        {
            // Which big-endian word lands in register i, and whether its two bytes are swapped.
            var word = order is RegisterByteOrder.CDAB or RegisterByteOrder.DCBA ? words - 1 - i : i;
            var swap = order is RegisterByteOrder.BADC or RegisterByteOrder.DCBA;
            var high = bytes[word * 2];
            var low = bytes[word * 2 + 1];
            registers[i] = swap ? (ushort)(low << 8 | high) : (ushort)(high << 8 | low);
        }
    }

    /// <summary>Inverse of <see cref="ToRegisters"/>.</summary>
    public static void FromRegisters(ReadOnlySpan<ushort> registers, RegisterByteOrder order, Span<byte> bytes)
    {
        var words = registers.Length;
        for (var i = 0; i < words; i++)
        {
            var word = order is RegisterByteOrder.CDAB or RegisterByteOrder.DCBA ? words - 1 - i : i;
            var swap = order is RegisterByteOrder.BADC or RegisterByteOrder.DCBA;
            var register = registers[i];
            var high = (byte)(register >> 8);
            var low = (byte)register;
            bytes[word * 2] = swap ? low : high;
            bytes[word * 2 + 1] = swap ? high : low;
        }
    }
}
