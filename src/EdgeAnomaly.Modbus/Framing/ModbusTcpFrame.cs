using System.Buffers.Binary;

namespace EdgeAnomaly.Modbus;

/// <summary>
/// Modbus TCP application data units: the 7-byte MBAP header (transaction id, protocol id 0, length of what
/// follows, unit id) and the PDU. No CRC: TCP checks the bytes, the MBAP length delimits the frame.
/// </summary>
public static class ModbusTcpFrame
{
    public const int HeaderLength = 7;

    /// <summary>Largest ADU: 7-byte header + 253-byte PDU.</summary>
    public const int MaxLength = HeaderLength + ModbusPdu.MaxLength;

    /// <summary>Writes header + PDU; returns the ADU length.</summary>
    public static int EncodeRequest(ushort transactionId, byte unitId, ReadOnlySpan<byte> pdu, Span<byte> destination)
    {
        BinaryPrimitives.WriteUInt16BigEndian(destination, transactionId);
        BinaryPrimitives.WriteUInt16BigEndian(destination[2..], 0);
        BinaryPrimitives.WriteUInt16BigEndian(destination[4..], (ushort)(pdu.Length + 1));
        destination[6] = unitId;
        pdu.CopyTo(destination[HeaderLength..]);
        return HeaderLength + pdu.Length;
    }

    /// <summary>
    /// Total length of the ADU whose header starts at <paramref name="received"/>[0], or 0 while fewer than 7 bytes
    /// are here. A header that cannot be Modbus (protocol id not 0, length outside 2..254) throws
    /// <see cref="ModbusFrameException"/>: the byte stream has lost sync and only a new connection recovers it.
    /// </summary>
    public static int FrameLength(ReadOnlySpan<byte> received)
    {
        if (TryGetFrameLength(received, out var length) is { } error)
        {
            throw new ModbusFrameException(error, DescribeHeader(error, received));
        }
        return length;
    }

    /// <summary><see cref="FrameLength"/> without exceptions: null and the length (0 = need more), or the header error.</summary>
    public static ModbusFrameError? TryGetFrameLength(ReadOnlySpan<byte> received, out int length)
    {
        length = 0;
        if (received.Length < HeaderLength)
        {
            return null;
        }
        if (BinaryPrimitives.ReadUInt16BigEndian(received[2..]) != 0)
        {
            return ModbusFrameError.BadProtocolId;
        }
        var mbapLength = BinaryPrimitives.ReadUInt16BigEndian(received[4..]);
        if (mbapLength < 2 || mbapLength > ModbusPdu.MaxLength + 1)
        {
            return ModbusFrameError.BadLength;
        }
        length = 6 + mbapLength;
        return null;
    }

    /// <summary>Transaction id of an ADU (at least 2 bytes).</summary>
    public static ushort TransactionId(ReadOnlySpan<byte> adu) => BinaryPrimitives.ReadUInt16BigEndian(adu);

    /// <summary>
    /// Checks a complete response ADU (header, transaction id, unit id, then the PDU against the request) and returns
    /// its PDU. Throws <see cref="ModbusSlaveException"/> for an exception response and
    /// <see cref="ModbusFrameException"/> for anything else that is wrong.
    /// </summary>
    public static ReadOnlySpan<byte> DecodeResponse(ReadOnlySpan<byte> adu, ushort transactionId, byte unitId, in ModbusRequest request)
    {
        var check = CheckResponse(adu, transactionId, unitId, request);
        if (!check.IsValid)
        {
            throw check.ToException(unitId, request, check.Error is { } e ? Describe(e, adu, transactionId, unitId, request) : "")!;
        }
        return adu[HeaderLength..];
    }

    /// <summary><see cref="DecodeResponse"/> without exceptions; when valid, the PDU is adu[7..].</summary>
    public static ModbusResponseCheck CheckResponse(ReadOnlySpan<byte> adu, ushort transactionId, byte unitId, in ModbusRequest request)
    {
        if (adu.Length < HeaderLength + 1)
        {
            return ModbusFrameError.Truncated;
        }
        if (TryGetFrameLength(adu, out var length) is { } headerError)
        {
            return headerError;
        }
        if (adu.Length != length)
        {
            return adu.Length < length ? ModbusFrameError.Truncated : ModbusFrameError.Overlong;
        }
        if (TransactionId(adu) != transactionId)
        {
            return ModbusFrameError.UnexpectedTransactionId;
        }
        if (adu[6] != unitId)
        {
            return ModbusFrameError.UnexpectedUnitId;
        }
        return ModbusPdu.CheckResponse(adu[HeaderLength..], request);
    }

    private static string DescribeHeader(ModbusFrameError error, ReadOnlySpan<byte> header) => error == ModbusFrameError.BadProtocolId
        ? $"protocol id {BinaryPrimitives.ReadUInt16BigEndian(header[2..])}, expected 0"
        : $"MBAP length {BinaryPrimitives.ReadUInt16BigEndian(header[4..])} outside 2..{ModbusPdu.MaxLength + 1}";

    private static string Describe(ModbusFrameError error, ReadOnlySpan<byte> adu, ushort transactionId, byte unitId, in ModbusRequest request)
    {
        if (adu.Length < HeaderLength + 1)
        {
            return $"TCP ADU of {adu.Length} bytes";
        }
        var mbapError = TryGetFrameLength(adu, out var length);
        return error switch
        {
            ModbusFrameError.BadProtocolId or ModbusFrameError.BadLength => DescribeHeader(error, adu),
            ModbusFrameError.Truncated or ModbusFrameError.Overlong when mbapError is null && adu.Length != length =>
                $"TCP ADU of {adu.Length} bytes, MBAP says {length}",
            ModbusFrameError.UnexpectedTransactionId => $"transaction {TransactionId(adu)}, expected {transactionId}",
            ModbusFrameError.UnexpectedUnitId => $"unit {adu[6]} answered, expected {unitId}",
            _ => ModbusPdu.Describe(error, adu[HeaderLength..], request),
        };
    }
}
