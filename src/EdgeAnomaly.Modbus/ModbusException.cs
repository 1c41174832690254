namespace EdgeAnomaly.Modbus;

/// <summary>Base of every Modbus failure the master reports.</summary>
public abstract class ModbusException : Exception
{
    protected ModbusException(string message, Exception? inner = null) : base(message, inner)
    {
    }
}

/// <summary>The slave answered with an exception response.</summary>
public sealed class ModbusSlaveException(byte unitId, ModbusFunction function, ModbusExceptionCode code)
    : ModbusException($"unit {unitId} answered {function} with exception {(byte)code:X2} ({ModbusExceptionCodes.Describe(code)})")
{
    public byte UnitId { get; } = unitId;
    public ModbusFunction Function { get; } = function;
    public ModbusExceptionCode Code { get; } = code;
}

/// <summary>No (complete) answer within the link's timeout.</summary>
public sealed class ModbusTimeoutException(byte unitId, ModbusFunction function, TimeSpan timeout)
    : ModbusException($"unit {unitId} did not answer {function} within {timeout.TotalMilliseconds:0} ms")
{
    public byte UnitId { get; } = unitId;
    public ModbusFunction Function { get; } = function;
}

/// <summary>What was wrong with a received frame.</summary>
public enum ModbusFrameError
{
    BadCrc,
    Truncated,
    Overlong,
    UnexpectedUnitId,
    UnexpectedTransactionId,
    UnexpectedFunction,
    BadProtocolId,
    BadLength,
    BadByteCount,
    EchoMismatch,
    /// <summary>RTU: the bus did not go quiet within the timeout before a request (another master, noise, wrong baud rate).</summary>
    LineNotQuiet,
}

/// <summary>A frame arrived but is not a valid answer to the request (corrupt, truncated, or someone else's).</summary>
public sealed class ModbusFrameException(ModbusFrameError error, string detail)
    : ModbusException($"invalid Modbus frame ({error}): {detail}")
{
    public ModbusFrameError Error { get; } = error;
}

/// <summary>The link itself failed: connection refused or lost, serial port missing or unplugged.</summary>
public sealed class ModbusTransportException(string message, Exception? inner = null) : ModbusException(message, inner);

public static class ModbusExceptionCodes
{
    /// <summary>The meaning of an exception code, for logs and the commissioning CLI.</summary>
    public static string Describe(ModbusExceptionCode code) => code switch
    {
        ModbusExceptionCode.IllegalFunction => "illegal function: the slave does not support this function code",
        ModbusExceptionCode.IllegalDataAddress => "illegal data address: the address range is not mapped in the slave",
        ModbusExceptionCode.IllegalDataValue => "illegal data value: a value or count in the request is not acceptable",
        ModbusExceptionCode.ServerDeviceFailure => "server device failure: the slave failed while performing the action",
        ModbusExceptionCode.Acknowledge => "acknowledge: the request is accepted but takes long; poll again later",
        ModbusExceptionCode.ServerDeviceBusy => "server device busy: retry later",
        ModbusExceptionCode.NegativeAcknowledge => "negative acknowledge: the slave cannot perform the program function",
        ModbusExceptionCode.MemoryParityError => "memory parity error: the slave found a parity error in its memory",
        ModbusExceptionCode.GatewayPathUnavailable => "gateway path unavailable: the gateway has no path to the target",
        ModbusExceptionCode.GatewayTargetDeviceFailedToRespond => "gateway target device failed to respond",
        _ => "unknown exception code",
    };
}
