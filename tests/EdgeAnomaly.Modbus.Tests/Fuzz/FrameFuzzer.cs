using System.Buffers.Binary;

namespace EdgeAnomaly.Modbus.Tests.Fuzz;

/// <summary>
/// Seeded generator of response frames for random requests: well-formed answers (normal and exception), then
/// mutated ones (bit flips, truncation, extension, overwritten bytes, header-field changes with the CRC fixed
/// up so the mutation reaches the checks behind it) and plain random bytes.
/// </summary>
internal sealed class FrameFuzzer(int seed)
{
    private static readonly ModbusFunction[] Functions = Enum.GetValues<ModbusFunction>();
    private readonly Random _random = new(seed);
    private readonly byte[] _buffer = new byte[600];

    public ModbusRequest NextRequest()
    {
        var function = Functions[_random.Next(Functions.Length)];
        var address = (ushort)_random.Next(0, 65536);
        int count = function switch
        {
            ModbusFunction.ReadCoils or ModbusFunction.ReadDiscreteInputs => _random.Next(1, ModbusLimits.MaxReadBits + 1),
            ModbusFunction.ReadHoldingRegisters or ModbusFunction.ReadInputRegisters => _random.Next(1, ModbusLimits.MaxReadRegisters + 1),
            ModbusFunction.WriteMultipleCoils => _random.Next(1, ModbusLimits.MaxWriteBits + 1),
            ModbusFunction.WriteMultipleRegisters => _random.Next(1, ModbusLimits.MaxWriteRegisters + 1),
            _ => 1,
        };
        count = Math.Min(count, 65536 - address);
        var value = function == ModbusFunction.WriteSingleCoil
            ? (_random.Next(2) == 0 ? ModbusRequest.CoilOn : (ushort)0)
            : (ushort)_random.Next(0, 65536);
        return new ModbusRequest(function, address, (ushort)count, function is ModbusFunction.WriteSingleCoil or ModbusFunction.WriteSingleRegister ? value : (ushort)0);
    }

    /// <summary>A correct response PDU (sometimes an exception response) to <paramref name="request"/>.</summary>
    public byte[] GoodPdu(in ModbusRequest request)
    {
        if (_random.Next(8) == 0)
        {
            return [(byte)((byte)request.Function | 0x80), (byte)_random.Next(1, 12)];
        }
        if (request.IsRead)
        {
            var pdu = new byte[request.ResponsePduLength];
            pdu[0] = (byte)request.Function;
            pdu[1] = (byte)request.ResponseByteCount;
            _random.NextBytes(pdu.AsSpan(2));
            return pdu;
        }
        var echo = new byte[5];
        echo[0] = (byte)request.Function;
        BinaryPrimitives.WriteUInt16BigEndian(echo.AsSpan(1), request.Address);
        BinaryPrimitives.WriteUInt16BigEndian(echo.AsSpan(3),
            request.Function is ModbusFunction.WriteSingleCoil or ModbusFunction.WriteSingleRegister ? request.Value : request.Count);
        return echo;
    }

    public byte[] RtuFrame(byte unit, byte[] pdu)
    {
        var frame = new byte[pdu.Length + 3];
        frame[0] = unit;
        pdu.CopyTo(frame, 1);
        ModbusCrc16.Append(frame.AsSpan(0, pdu.Length + 1), frame.AsSpan(pdu.Length + 1));
        return frame;
    }

    public static byte[] TcpFrame(ushort transactionId, byte unit, byte[] pdu)
    {
        var adu = new byte[7 + pdu.Length];
        BinaryPrimitives.WriteUInt16BigEndian(adu, transactionId);
        BinaryPrimitives.WriteUInt16BigEndian(adu.AsSpan(4), (ushort)(pdu.Length + 1));
        adu[6] = unit;
        pdu.CopyTo(adu, 7);
        return adu;
    }

    /// <summary>One of: the frame as is, a mutation of it, or random bytes. <paramref name="fixCrc"/>: RTU frames.</summary>
    public ReadOnlySpan<byte> Mutate(byte[] frame, bool fixCrc)
    {
        var kind = _random.Next(10);
        var span = _buffer.AsSpan();
        int length;
        switch (kind)
        {
            case 0:
                frame.CopyTo(span);
                length = frame.Length;
                break;
            case 1:
                // Bit flips.
                frame.CopyTo(span);
                length = frame.Length;
                for (var i = _random.Next(1, 4); i > 0; i--)
                {
                    span[_random.Next(length)] ^= (byte)(1 << _random.Next(8));
                }
                break;
            case 2:
                // Truncation.
                length = _random.Next(0, frame.Length);
                frame.AsSpan(0, length).CopyTo(span);
                break;
            case 3:
                // Extension with random bytes.
                frame.CopyTo(span);
                length = Math.Min(span.Length, frame.Length + _random.Next(1, 300));
                _random.NextBytes(span[frame.Length..length]);
                break;
            case 4:
                // Random bytes, random length.
                length = _random.Next(0, 300);
                _random.NextBytes(span[..length]);
                break;
            default:
                // An overwritten byte in the head (where the fields are), then CRC or not.
                frame.CopyTo(span);
                length = frame.Length;
                span[_random.Next(Math.Min(length, 10))] = (byte)_random.Next(256);
                if (_random.Next(3) == 0 && length > 2)
                {
                    // Also resize by a little, keeping the header consistent-looking.
                    length = Math.Clamp(length + _random.Next(-3, 4), 0, span.Length);
                }
                break;
        }
        if (fixCrc && kind >= 1 && length >= 3 && _random.Next(2) == 0)
        {
            ModbusCrc16.Append(span[..(length - 2)], span[(length - 2)..length]);
        }
        return span[..length];
    }

    public byte NextUnit() => (byte)_random.Next(1, 248);

    public ushort NextTransactionId() => (ushort)_random.Next(0, 65536);

    public bool Chance(int oneIn) => _random.Next(oneIn) == 0;
}
