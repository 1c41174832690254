using System.Buffers.Binary;

namespace EdgeAnomaly.Modbus.Tests.Masters;

/// <summary>
/// A simulated device answering from a register image, written independently of the master's code (its own
/// parsing and packing), with MBAP and RTU wrappers. Unknown functions and out-of-range addresses answer with
/// exception responses, as a real slave does.
/// </summary>
internal sealed class ScriptedSlave
{
    public ushort[] Holding { get; } = new ushort[1000];
    public ushort[] Input { get; } = new ushort[1000];
    public bool[] Coils { get; } = new bool[2000];
    public bool[] Discretes { get; } = new bool[2000];

    public byte[] AnswerPdu(byte[] pdu)
    {
        var function = pdu[0];
        var address = BinaryPrimitives.ReadUInt16BigEndian(pdu.AsSpan(1));
        var field = BinaryPrimitives.ReadUInt16BigEndian(pdu.AsSpan(3));
        switch (function)
        {
            case 1 or 2:
            {
                var bits = function == 1 ? Coils : Discretes;
                if (address + field > bits.Length)
                {
                    return [(byte)(function | 0x80), 2];
                }
                var bytes = new byte[2 + ((field + 7) / 8)];
                bytes[0] = function;
                bytes[1] = (byte)(bytes.Length - 2);
                for (var i = 0; i < field; i++)
                {
                    if (bits[address + i])
                    {
                        bytes[2 + (i / 8)] |= (byte)(1 << (i % 8));
                    }
                }
                return bytes;
            }
            case 3 or 4:
            {
                var registers = function == 3 ? Holding : Input;
                if (address + field > registers.Length)
                {
                    return [(byte)(function | 0x80), 2];
                }
                var bytes = new byte[2 + (2 * field)];
                bytes[0] = function;
                bytes[1] = (byte)(2 * field);
                for (var i = 0; i < field; i++)
                {
                    BinaryPrimitives.WriteUInt16BigEndian(bytes.AsSpan(2 + (2 * i)), registers[address + i]);
                }
                return bytes;
            }
            case 5:
                Coils[address] = field == 0xFF00;
                return pdu[..5];
            case 6:
                Holding[address] = field;
                return pdu[..5];
            case 15:
                for (var i = 0; i < field; i++)
                {
                    Coils[address + i] = (pdu[6 + (i / 8)] & (1 << (i % 8))) != 0;
                }
                return pdu[..5];
            case 16:
                for (var i = 0; i < field; i++)
                {
                    Holding[address + i] = BinaryPrimitives.ReadUInt16BigEndian(pdu.AsSpan(6 + (2 * i)));
                }
                return pdu[..5];
            default:
                return [(byte)(function | 0x80), 1];
        }
    }

    /// <summary>MBAP in, MBAP out (same transaction and unit id).</summary>
    public byte[] AnswerTcp(byte[] adu) => Tcp(BinaryPrimitives.ReadUInt16BigEndian(adu), adu[6], AnswerPdu(adu[7..]));

    /// <summary>RTU in (CRC not checked here), RTU out from <paramref name="unit"/> (default: the addressed unit).</summary>
    public byte[] AnswerRtu(byte[] frame, byte? unit = null) => Rtu(unit ?? frame[0], AnswerPdu(frame[1..^2]));

    public static byte[] Tcp(ushort transactionId, byte unit, byte[] pdu)
    {
        var adu = new byte[7 + pdu.Length];
        BinaryPrimitives.WriteUInt16BigEndian(adu, transactionId);
        BinaryPrimitives.WriteUInt16BigEndian(adu.AsSpan(4), (ushort)(pdu.Length + 1));
        adu[6] = unit;
        pdu.CopyTo(adu, 7);
        return adu;
    }

    public static byte[] Rtu(byte unit, byte[] pdu)
    {
        byte[] body = [unit, .. pdu];
        return [.. body, .. CrcOf(body)];
    }

    // Bit-by-bit CRC, independent of the table-driven one under test.
    private static byte[] CrcOf(byte[] data)
    {
        ushort crc = 0xFFFF;
        foreach (var b in data)
        {
            crc ^= b;
            for (var i = 0; i < 8; i++)
            {
                crc = (crc & 1) != 0 ? (ushort)((crc >> 1) ^ 0xA001) : (ushort)(crc >> 1);
            }
        }
        return [(byte)crc, (byte)(crc >> 8)];
    }
}
