using System.Buffers.Binary;
using System.Numerics;
using EdgeAnomaly.Core.Readings;

namespace EdgeAnomaly.Storage.Readings;

/// <summary>
/// Compact, self-describing encoding of one tag's readings (one database row per block, so a flush writes
/// a handful of rows instead of one per reading). Layout, all little-endian:
/// <code>
/// byte     format (1)
/// byte     flags  (bit 0: a quality byte per reading follows the values; absent when all are good)
/// varint   count (>= 1)
/// int64    first timestamp (unix ms)
/// varint*  count-1 zigzag deltas to the previous timestamp
/// value*   per value: x = bits XOR previous bits; one control byte (0x80: x == 0, else
///          leading-zero-bytes &lt;&lt; 4 | trailing-zero-bytes) then the remaining middle bytes of x
/// byte*    qualities (only when flag bit 0)
/// </code>
/// Repeated values cost 1 byte, small integers a few; noisy doubles at most 9. Pure functions, no state.
/// </summary>
public static class ReadingBlockCodec
{
    public const byte Format = 1;
    private const byte FlagQualities = 1;
    private const byte SameValue = 0x80;

    /// <summary>Worst-case encoded size for <paramref name="count"/> readings.</summary>
    public static int MaxEncodedLength(int count) => 2 + 5 + 8 + (count * (10 + 9 + 1));

    /// <summary>Encodes the readings into <paramref name="destination"/>; returns the bytes written.</summary>
    public static int Encode(ReadOnlySpan<long> timestamps, ReadOnlySpan<double> values, ReadOnlySpan<byte> qualities, Span<byte> destination)
    {
        var n = timestamps.Length;
        if (n == 0 || values.Length != n || qualities.Length != n)
        {
            throw new ArgumentException("a block needs at least one reading and equal-length columns");
        }
        var allGood = true;
        for (var i = 0; i < n; i++)
        {
            if (qualities[i] != (byte)ReadingQuality.Good)
            {
                allGood = false;
                break;
            }
        }
        var pos = 0;
        destination[pos++] = Format;
        destination[pos++] = allGood ? (byte)0 : FlagQualities;
        pos += WriteVarint(destination[pos..], (ulong)n);
        BinaryPrimitives.WriteInt64LittleEndian(destination[pos..], timestamps[0]);
        pos += 8;
        for (var i = 1; i < n; i++)
        {
            var delta = timestamps[i] - timestamps[i - 1];
            pos += WriteVarint(destination[pos..], (ulong)((delta << 1) ^ (delta >> 63)));
        }
        ulong previous = 0;
        for (var i = 0; i < n; i++)
        {
            var bits = BitConverter.DoubleToUInt64Bits(values[i]);
            var x = bits ^ previous;
            previous = bits;
            if (x == 0)
            {
                destination[pos++] = SameValue;
                continue;
            }
            var lz = BitOperations.LeadingZeroCount(x) / 8;
            var tz = BitOperations.TrailingZeroCount(x) / 8;
            destination[pos++] = (byte)((lz << 4) | tz);
            var middle = x >> (tz * 8);
            for (var b = 0; b < 8 - lz - tz; b++)
            {
                destination[pos++] = (byte)middle;
                middle >>= 8;
            }
        }
        if (!allGood)
        {
            qualities.CopyTo(destination[pos..]);
            pos += n;
        }
        return pos;
    }

    /// <summary>Number of readings in an encoded block, without decoding it.</summary>
    public static int Count(ReadOnlySpan<byte> block)
    {
        CheckHeader(block);
        var pos = 2;
        return (int)ReadVarint(block, ref pos);
    }

    /// <summary>Decodes a block, appending the readings whose timestamp lies in [fromMs, toMs].</summary>
    public static void Decode(ReadOnlySpan<byte> block, long fromMs, long toMs, List<StoredReading> destination)
    {
        CheckHeader(block);
        var hasQualities = (block[1] & FlagQualities) != 0;
        var pos = 2;
        var n = (int)ReadVarint(block, ref pos);
        var ts = new long[n];
        ts[0] = BinaryPrimitives.ReadInt64LittleEndian(block[pos..]);
        pos += 8;
        for (var i = 1; i < n; i++)
        {
            var z = ReadVarint(block, ref pos);
            ts[i] = ts[i - 1] + ((long)(z >> 1) ^ -(long)(z & 1));
        }
        var values = new double[n];
        ulong previous = 0;
        for (var i = 0; i < n; i++)
        {
            var control = block[pos++];
            ulong x = 0;
            if (control != SameValue)
            {
                var lz = control >> 4;
                var tz = control & 0x0F;
                var len = 8 - lz - tz;
                if (lz > 8 || tz > 8 || len <= 0)
                {
                    throw new InvalidDataException("corrupt value control byte in reading block");
                }
                for (var b = len - 1; b >= 0; b--)
                {
                    x = (x << 8) | block[pos + b];
                }
                pos += len;
                x <<= tz * 8;
            }
            previous ^= x;
            values[i] = BitConverter.UInt64BitsToDouble(previous);
        }
        var qualityStart = pos;
        for (var i = 0; i < n; i++)
        {
            if (ts[i] < fromMs || ts[i] > toMs)
            {
                continue;
            }
            var q = hasQualities ? (ReadingQuality)block[qualityStart + i] : ReadingQuality.Good;
            destination.Add(new StoredReading(ts[i], values[i], q));
        }
    }

    private static void CheckHeader(ReadOnlySpan<byte> block)
    {
        if (block.Length < 11 || block[0] != Format)
        {
            throw new InvalidDataException($"unknown reading block format {(block.Length > 0 ? block[0] : -1)}");
        }
    }

    private static int WriteVarint(Span<byte> destination, ulong value)
    {
        var i = 0;
        while (value >= 0x80)
        {
            destination[i++] = (byte)(value | 0x80);
            value >>= 7;
        }
        destination[i++] = (byte)value;
        return i;
    }

    private static ulong ReadVarint(ReadOnlySpan<byte> source, ref int pos)
    {
        ulong result = 0;
        for (var shift = 0; shift < 64; shift += 7)
        {
            var b = source[pos++];
            result |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80)
            {
                return result;
            }
        }
        throw new InvalidDataException("varint too long in reading block");
    }
}

/// <summary>A reading as read back from history (tag implied by the query).</summary>
public readonly record struct StoredReading(long TimestampMs, double Value, ReadingQuality Quality = ReadingQuality.Good);
