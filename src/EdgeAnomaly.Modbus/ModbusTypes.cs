namespace EdgeAnomaly.Modbus;

/// <summary>The four Modbus data tables.</summary>
public enum ModbusTable : byte
{
    Coil,
    DiscreteInput,
    InputRegister,
    HoldingRegister,
}

/// <summary>The public function codes the master speaks.</summary>
public enum ModbusFunction : byte
{
    ReadCoils = 0x01,
    ReadDiscreteInputs = 0x02,
    ReadHoldingRegisters = 0x03,
    ReadInputRegisters = 0x04,
    WriteSingleCoil = 0x05,
    WriteSingleRegister = 0x06,
    WriteMultipleCoils = 0x0F,
    WriteMultipleRegisters = 0x10,
}

/// <summary>Exception codes a slave answers with (Modbus Application Protocol v1.1b3, section 7).</summary>
public enum ModbusExceptionCode : byte
{
    IllegalFunction = 0x01,
    IllegalDataAddress = 0x02,
    IllegalDataValue = 0x03,
    ServerDeviceFailure = 0x04,
    Acknowledge = 0x05,
    ServerDeviceBusy = 0x06,
    NegativeAcknowledge = 0x07,
    MemoryParityError = 0x08,
    GatewayPathUnavailable = 0x0A,
    GatewayTargetDeviceFailedToRespond = 0x0B,
}

/// <summary>How a tag's value is laid out in registers (or a single bit for coils / discrete inputs).</summary>
public enum ModbusDataType : byte
{
    Bool,
    Int16,
    UInt16,
    Int32,
    UInt32,
    Int64,
    UInt64,
    Float32,
    Float64,
    /// <summary>One bit (0..15, 0 = least significant) of a 16-bit register.</summary>
    Bit,
    /// <summary>ASCII, two characters per register, high byte first, NUL-padded.</summary>
    String,
}

/// <summary>
/// Byte order of multi-register values, named by where bytes A (most significant) .. D land, as Telegraf and
/// Neuron users know it. ABCD = big-endian (Modbus native); DCBA = fully little-endian; BADC = bytes swapped inside
/// each 16-bit register; CDAB = register (word) order reversed, each register big-endian. The same four names
/// apply to 64-bit values (ABCD = ABCDEFGH, DCBA = HGFEDCBA, BADC = BADCFEHG, CDAB = GHEFCDAB).
/// </summary>
public enum ByteOrder : byte
{
    ABCD,
    CDAB,
    BADC,
    DCBA,
}

/// <summary>Limits of one request (Modbus Application Protocol v1.1b3, section 6).</summary>
public static class ModbusLimits
{
    public const int MaxReadRegisters = 125;
    public const int MaxReadBits = 2000;
    public const int MaxWriteRegisters = 123;
    public const int MaxWriteBits = 1968;
}
