namespace EdgeAnomaly.FirmwareSim.Modbus;

/// <summary>Function codes the slave knows (Modbus Application Protocol v1.1b3).</summary>
public static class ModbusFunction
{
    public const byte ReadCoils = 0x01;
    public const byte ReadDiscreteInputs = 0x02;
    public const byte ReadHoldingRegisters = 0x03;
    public const byte ReadInputRegisters = 0x04;
    public const byte WriteSingleCoil = 0x05;
    public const byte WriteSingleRegister = 0x06;
    public const byte WriteMultipleCoils = 0x0F;
    public const byte WriteMultipleRegisters = 0x10;
    public const byte ReportServerId = 0x11;

    /// <summary>Set in the function code of an exception response.</summary>
    public const byte ExceptionFlag = 0x80;

    public const int MaxReadBits = 2000;
    public const int MaxReadRegisters = 125;
    public const int MaxWriteBits = 1968;
    public const int MaxWriteRegisters = 123;

    /// <summary>Largest PDU (function code + data): 256-byte RTU ADU minus address and CRC.</summary>
    public const int MaxPduLength = 253;

    /// <summary>Writes that a broadcast (unit 0) executes.</summary>
    public static bool IsWrite(byte function) =>
        function is WriteSingleCoil or WriteSingleRegister or WriteMultipleCoils or WriteMultipleRegisters;
}

/// <summary>Exception codes of an exception response (the byte after function | 0x80).</summary>
public enum ModbusExceptionCode : byte
{
    /// <summary>Not an exception: the request succeeded.</summary>
    None = 0,
    IllegalFunction = 0x01,
    IllegalDataAddress = 0x02,
    IllegalDataValue = 0x03,
    ServerDeviceFailure = 0x04,
    Acknowledge = 0x05,
    ServerDeviceBusy = 0x06,
    MemoryParityError = 0x08,
    GatewayPathUnavailable = 0x0A,
    GatewayTargetFailedToRespond = 0x0B,
}

/// <summary>The four tables of the Modbus data model.</summary>
public enum ModbusTable
{
    Coils,
    DiscreteInputs,
    HoldingRegisters,
    InputRegisters,
}
