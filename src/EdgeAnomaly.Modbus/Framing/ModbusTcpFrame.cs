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
        if (received.Length < HeaderLength)
        {
            return 0;
        }
        var protocolId = BinaryPrimitives.ReadUInt16BigEndian(received[2..]);
        if (protocolId != 0)
        {
            throw new ModbusFrameException(ModbusFrameError.BadProtocolId, $"protocol id {protocolId}, expected 0");
        }
        var length = BinaryPrimitives.ReadUInt16BigEndian(received[4..]);
        if (length < 2 || length > ModbusPdu.MaxLength + 1)
        {
            throw new ModbusFrameException(ModbusFrameError.BadLength, $"MBAP length {length} outside 2..{ModbusPdu.MaxLength + 1}");
        }
        return 6 + length;
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
        if (adu.Length < HeaderLength + 1)
        {
            throw new ModbusFrameException(ModbusFrameError.Truncated, $"TCP ADU of {adu.Length} bytes");
        }
        var length = FrameLength(adu);
        if (adu.Length < length)
        {
            throw new ModbusFrameException(ModbusFrameError.Truncated, $"TCP ADU of {adu.Length} bytes, MBAP says {length}");
        }
        if (adu.Length > length)
        {
            throw new ModbusFrameException(ModbusFrameError.Overlong, $"TCP ADU of {adu.Length} bytes, MBAP says {length}");
        }
        var received = TransactionId(adu);
        if (received != transactionId)
        {
            throw new ModbusFrameException(ModbusFrameError.UnexpectedTransactionId, $"transaction {received}, expected {transactionId}");
        }
        if (adu[6] != unitId)
        {
            throw new ModbusFrameException(ModbusFrameError.UnexpectedUnitId, $"unit {adu[6]} answered, expected {unitId}");
        }
        var pdu = adu[HeaderLength..];
        ModbusPdu.ValidateResponse(pdu, unitId, request);
        return pdu;
    }
}
