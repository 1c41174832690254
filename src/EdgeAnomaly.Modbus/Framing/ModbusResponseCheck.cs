namespace EdgeAnomaly.Modbus;

/// <summary>
/// The outcome of checking a response without exceptions: valid, an exception response (the slave's code), or
/// a frame error. The throwing decoders are these checks plus a message.
/// </summary>
public readonly record struct ModbusResponseCheck(ModbusFrameError? Error, ModbusExceptionCode? ExceptionCode)
{
    public static ModbusResponseCheck Valid => default;

    public bool IsValid => Error is null && ExceptionCode is null;

    public static ModbusResponseCheck SlaveException(ModbusExceptionCode code) => new(null, code);

    public static implicit operator ModbusResponseCheck(ModbusFrameError error) => new(error, null);

    /// <summary>The exception the throwing decoders raise for this outcome (null when valid).</summary>
    internal ModbusException? ToException(byte unitId, in ModbusRequest request, string detail) =>
        ExceptionCode is { } code ? new ModbusSlaveException(unitId, request.Function, code)
        : Error is { } error ? new ModbusFrameException(error, detail)
        : null;
}
