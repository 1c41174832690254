using System.Buffers.Binary;

namespace EdgeAnomaly.Modbus;

/// <summary>
/// Protocol data units (function code + data, no unit id, MBAP header or CRC): request builders and response
/// checks, pure over spans. Multi-byte fields are big-endian; bits are packed least significant bit first.
/// </summary>
public static class ModbusPdu
{
    /// <summary>Largest PDU the protocol allows (256-byte RTU frame minus unit id and CRC).</summary>
    public const int MaxLength = 253;

    /// <summary>Writes a request PDU for FC 01-06 (reads and single writes); returns its length (5).</summary>
    public static int WriteRequest(in ModbusRequest request, Span<byte> destination)
    {
        if (request.Function is ModbusFunction.WriteMultipleCoils or ModbusFunction.WriteMultipleRegisters)
        {
            throw new ArgumentException("FC 15 / 16 carry values: use WriteMultipleCoilsRequest / WriteMultipleRegistersRequest", nameof(request));
        }
        destination[0] = (byte)request.Function;
        BinaryPrimitives.WriteUInt16BigEndian(destination[1..], request.Address);
        BinaryPrimitives.WriteUInt16BigEndian(destination[3..], request.IsRead ? request.Count : request.Value);
        return 5;
    }

    /// <summary>FC 15 request PDU; returns its length.</summary>
    public static int WriteMultipleCoilsRequest(ushort address, ReadOnlySpan<bool> values, Span<byte> destination)
    {
        var request = ModbusRequest.WriteMultipleCoils(address, values.Length);
        var byteCount = (values.Length + 7) / 8;
        destination[0] = (byte)ModbusFunction.WriteMultipleCoils;
        BinaryPrimitives.WriteUInt16BigEndian(destination[1..], request.Address);
        BinaryPrimitives.WriteUInt16BigEndian(destination[3..], request.Count);
        destination[5] = (byte)byteCount;
        var packed = destination.Slice(6, byteCount);
        packed.Clear();
        for (var i = 0; i < values.Length; i++)
        {
            if (values[i])
            {
                packed[i >> 3] |= (byte)(1 << (i & 7));
            }
        }
        return 6 + byteCount;
    }

    /// <summary>FC 16 request PDU; returns its length.</summary>
    public static int WriteMultipleRegistersRequest(ushort address, ReadOnlySpan<ushort> values, Span<byte> destination)
    {
        var request = ModbusRequest.WriteMultipleRegisters(address, values.Length);
        destination[0] = (byte)ModbusFunction.WriteMultipleRegisters;
        BinaryPrimitives.WriteUInt16BigEndian(destination[1..], request.Address);
        BinaryPrimitives.WriteUInt16BigEndian(destination[3..], request.Count);
        destination[5] = (byte)(values.Length * 2);
        for (var i = 0; i < values.Length; i++)
        {
            BinaryPrimitives.WriteUInt16BigEndian(destination[(6 + (2 * i))..], values[i]);
        }
        return 6 + (values.Length * 2);
    }

    /// <summary>
    /// Checks a response PDU against its request: an exception response throws <see cref="ModbusSlaveException"/>;
    /// a wrong function, byte count, length or echo throws <see cref="ModbusFrameException"/>.
    /// </summary>
    public static void ValidateResponse(ReadOnlySpan<byte> pdu, byte unitId, in ModbusRequest request)
    {
        var check = CheckResponse(pdu, request);
        if (!check.IsValid)
        {
            throw check.ToException(unitId, request, check.Error is { } e ? Describe(e, pdu, request) : "")!;
        }
    }

    /// <summary>
    /// <see cref="ValidateResponse"/> without exceptions (for callers that see many bad frames, such as fuzzers or
    /// a scanner): the error or the slave's exception code, or <see cref="ModbusResponseCheck.Valid"/>.
    /// </summary>
    public static ModbusResponseCheck CheckResponse(ReadOnlySpan<byte> pdu, in ModbusRequest request)
    {
        if (pdu.IsEmpty)
        {
            return ModbusFrameError.Truncated;
        }
        var function = (byte)request.Function;
        if (pdu[0] == (function | 0x80))
        {
            return pdu.Length switch
            {
                < 2 => ModbusFrameError.Truncated,
                > 2 => ModbusFrameError.Overlong,
                _ => ModbusResponseCheck.SlaveException((ModbusExceptionCode)pdu[1]),
            };
        }
        if (pdu[0] != function)
        {
            return ModbusFrameError.UnexpectedFunction;
        }
        if (request.IsRead)
        {
            if (pdu.Length < 2)
            {
                return ModbusFrameError.Truncated;
            }
            var expected = request.ResponseByteCount;
            return pdu[1] != expected ? ModbusFrameError.BadByteCount : CheckLength(pdu, 2 + expected);
        }
        var length = CheckLength(pdu, 5);
        if (!length.IsValid)
        {
            return length;
        }
        var address = BinaryPrimitives.ReadUInt16BigEndian(pdu[1..]);
        var field = BinaryPrimitives.ReadUInt16BigEndian(pdu[3..]);
        return address != request.Address || field != EchoField(request) ? ModbusFrameError.EchoMismatch : ModbusResponseCheck.Valid;
    }

    /// <summary>Why <paramref name="pdu"/> failed <see cref="CheckResponse"/> with <paramref name="error"/>, for the exception message.</summary>
    internal static string Describe(ModbusFrameError error, ReadOnlySpan<byte> pdu, in ModbusRequest request) => error switch
    {
        ModbusFrameError.UnexpectedFunction => $"function 0x{pdu[0]:X2} in answer to 0x{(byte)request.Function:X2}",
        ModbusFrameError.BadByteCount => $"byte count {pdu[1]}, expected {request.ResponseByteCount} for {request.Count} items",
        ModbusFrameError.EchoMismatch =>
            $"echo {BinaryPrimitives.ReadUInt16BigEndian(pdu[1..])}/{BinaryPrimitives.ReadUInt16BigEndian(pdu[3..])} does not match request {request.Address}/{EchoField(request)}",
        _ when !pdu.IsEmpty && pdu[0] == ((byte)request.Function | 0x80) => $"exception response PDU of {pdu.Length} bytes, expected 2",
        _ => $"PDU of {pdu.Length} bytes, expected {request.ResponsePduLength}",
    };

    /// <summary>Register values of a validated FC 03/04 response.</summary>
    public static void ReadRegisterValues(ReadOnlySpan<byte> pdu, Span<ushort> destination)
    {
        var data = pdu.Slice(2, pdu[1]);
        for (var i = 0; i < destination.Length; i++)
        {
            destination[i] = BinaryPrimitives.ReadUInt16BigEndian(data[(2 * i)..]);
        }
    }

    /// <summary>Bit values of a validated FC 01/02 response (padding bits of the last byte are ignored).</summary>
    public static void ReadBitValues(ReadOnlySpan<byte> pdu, Span<bool> destination)
    {
        var data = pdu.Slice(2, pdu[1]);
        for (var i = 0; i < destination.Length; i++)
        {
            destination[i] = (data[i >> 3] & (1 << (i & 7))) != 0;
        }
    }

    private static ushort EchoField(in ModbusRequest request) =>
        request.Function is ModbusFunction.WriteSingleCoil or ModbusFunction.WriteSingleRegister ? request.Value : request.Count;

    private static ModbusResponseCheck CheckLength(ReadOnlySpan<byte> pdu, int expected) =>
        pdu.Length < expected ? ModbusFrameError.Truncated
        : pdu.Length > expected ? ModbusFrameError.Overlong
        : ModbusResponseCheck.Valid;
}
