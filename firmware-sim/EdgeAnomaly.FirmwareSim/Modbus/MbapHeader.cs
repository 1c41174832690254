using System.Buffers.Binary;

namespace EdgeAnomaly.FirmwareSim.Modbus;

/// <summary>
/// The 7-byte MBAP header of Modbus TCP: transaction id, protocol id (0), length (unit id + PDU bytes), unit id.
/// </summary>
public readonly record struct MbapHeader(ushort TransactionId, ushort ProtocolId, ushort Length, byte UnitId)
{
    public const int Size = 7;

    /// <summary>PDU bytes that follow the header.</summary>
    public int PduLength => Length - 1;

    /// <summary>
    /// A header a slave can act on: Modbus protocol, and a PDU of 1..253 bytes. Anything else means the stream
    /// is not Modbus or lost its framing; TCP has no way to resync, so the connection is closed.
    /// </summary>
    public bool IsValid => ProtocolId == 0 && Length >= 2 && Length <= ModbusFunction.MaxPduLength + 1;

    public static MbapHeader Read(ReadOnlySpan<byte> header) => new(
        BinaryPrimitives.ReadUInt16BigEndian(header),
        BinaryPrimitives.ReadUInt16BigEndian(header[2..]),
        BinaryPrimitives.ReadUInt16BigEndian(header[4..]),
        header[6]);

    public void Write(Span<byte> destination)
    {
        BinaryPrimitives.WriteUInt16BigEndian(destination, TransactionId);
        BinaryPrimitives.WriteUInt16BigEndian(destination[2..], ProtocolId);
        BinaryPrimitives.WriteUInt16BigEndian(destination[4..], Length);
        destination[6] = UnitId;
    }
}
