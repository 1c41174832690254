using Microsoft.Extensions.Logging;

namespace EdgeAnomaly.FirmwareSim.Modbus;

internal static partial class ModbusLog
{
    [LoggerMessage(EventId = 101, Level = LogLevel.Information, Message = "Fault {Fault} on unit {Unit} starts: [{StartMs}, {EndMs}) magnitude {Magnitude}")]
    public static partial void FaultStarted(ILogger logger, string fault, byte unit, long startMs, long endMs, double magnitude);

    [LoggerMessage(EventId = 102, Level = LogLevel.Information, Message = "Fault {Fault} on unit {Unit} labelled [{StartMs}, {EndMs})")]
    public static partial void FaultLabelled(ILogger logger, string fault, byte unit, long startMs, long endMs);

    [LoggerMessage(EventId = 103, Level = LogLevel.Warning, Message = "Simulation clock fell behind; skipped {Ticks} ticks")]
    public static partial void TicksSkipped(ILogger logger, long ticks);

    [LoggerMessage(EventId = 110, Level = LogLevel.Information, Message = "Modbus TCP listening on {Endpoint} for units {Units}")]
    public static partial void TcpListening(ILogger logger, string endpoint, string units);

    [LoggerMessage(EventId = 111, Level = LogLevel.Debug, Message = "TCP client {Remote} connected to {Endpoint}")]
    public static partial void TcpConnected(ILogger logger, string remote, string endpoint);

    [LoggerMessage(EventId = 112, Level = LogLevel.Debug, Message = "TCP client {Remote} gone: {Reason}")]
    public static partial void TcpDisconnected(ILogger logger, string remote, string reason);

    [LoggerMessage(EventId = 113, Level = LogLevel.Warning, Message = "TCP client {Remote}: header is not Modbus (protocol {Protocol}, length {Length}); connection closed ({Count} so far)")]
    public static partial void TcpMalformed(ILogger logger, string remote, ushort protocol, ushort length, long count);

    [LoggerMessage(EventId = 114, Level = LogLevel.Information, Message = "Unit {Unit} drop {State}: listener {Endpoint}")]
    public static partial void TcpDropListener(ILogger logger, byte unit, string state, string endpoint);

    [LoggerMessage(EventId = 115, Level = LogLevel.Warning, Message = "TCP listener {Endpoint} failed: {Error}")]
    public static partial void TcpListenerFailed(ILogger logger, string endpoint, string error);

    [LoggerMessage(EventId = 116, Level = LogLevel.Warning, Message = "TCP connection limit {Limit} reached; refused {Remote}")]
    public static partial void TcpConnectionLimit(ILogger logger, int limit, string remote);

    [LoggerMessage(EventId = 120, Level = LogLevel.Information, Message = "Modbus RTU on {Device} ({Io}, {Settings}) for units {Units}; frame gap {GapMs} ms")]
    public static partial void RtuListening(ILogger logger, string device, string io, string settings, string units, double gapMs);

    [LoggerMessage(EventId = 121, Level = LogLevel.Warning, Message = "RTU line {Device} failed: {Error}; reopening in 1 s")]
    public static partial void RtuLineFailed(ILogger logger, string device, string error);

    [LoggerMessage(EventId = 122, Level = LogLevel.Debug, Message = "RTU discarded {Bytes} bytes that formed no valid frame ({Total} so far)")]
    public static partial void RtuDiscarded(ILogger logger, long bytes, long total);

    [LoggerMessage(EventId = 123, Level = LogLevel.Warning, Message = "SerialPort could not open {Device} ({Error}); using a plain file stream on it")]
    public static partial void SerialFallback(ILogger logger, string device, string error);
}
