namespace EdgeAnomaly.FirmwareSim.Modbus;

/// <summary>
/// What one unit id exposes to <see cref="ModbusRequestHandler"/>. Addresses are 0-based PDU addresses and
/// already range-checked against the 16-bit address space; the implementation decides what is mapped and
/// answers <see cref="ModbusExceptionCode.IllegalDataAddress"/> for the rest. Implementations must be safe to
/// call from several connections at once.
/// </summary>
public interface IModbusDataSpace
{
    /// <summary>Packs <paramref name="count"/> bits, LSB of the first byte first, into <paramref name="packed"/> (pre-zeroed).</summary>
    ModbusExceptionCode ReadBits(ModbusTable table, int address, int count, Span<byte> packed);

    /// <summary>Writes <paramref name="count"/> registers big-endian into <paramref name="destination"/> (2 * count bytes).</summary>
    ModbusExceptionCode ReadRegisters(ModbusTable table, int address, int count, Span<byte> destination);

    /// <summary>Writes coils from packed bits (LSB of the first byte = coil at <paramref name="address"/>).</summary>
    ModbusExceptionCode WriteCoils(int address, int count, ReadOnlySpan<byte> packed);

    /// <summary>Writes holding registers from big-endian values (2 bytes per register).</summary>
    ModbusExceptionCode WriteRegisters(int address, ReadOnlySpan<byte> values);

    /// <summary>Data of a Report Server ID (0x11) response after the byte count; returns the number of bytes written.</summary>
    int WriteServerId(Span<byte> destination);
}
