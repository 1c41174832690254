using EdgeAnomaly.Core.Diagnostics;
using Microsoft.Extensions.Logging;

namespace EdgeAnomaly.Devices;

/// <summary>Log lines of the device sources; stable event ids 3000-3099.</summary>
internal static partial class DevicesLog
{
    [LoggerMessage(EventId = LogEventIds.Devices.ModbusStarted, Level = LogLevel.Information, Message = "Modbus polling started: {Devices} devices on {Links} links, {Requests} requests per cycle of every group")]
    public static partial void ModbusStarted(ILogger logger, int devices, int links, int requests);

    [LoggerMessage(EventId = LogEventIds.Devices.DeviceDegraded, Level = LogLevel.Warning, Message = "Modbus device {Device} ({Link} unit {Unit}) failed {Failures} cycles in a row and is degraded: its tags report bad quality; retrying in {RetryMs} ms, then on backoff")]
    public static partial void DeviceDegraded(ILogger logger, string device, string link, byte unit, int failures, long retryMs);

    [LoggerMessage(EventId = LogEventIds.Devices.DeviceRecovered, Level = LogLevel.Information, Message = "Modbus device {Device} ({Link} unit {Unit}) answers again after {DownMs} ms degraded")]
    public static partial void DeviceRecovered(ILogger logger, string device, string link, byte unit, long downMs);

    [LoggerMessage(EventId = LogEventIds.Devices.RequestFailed, Level = LogLevel.Warning, Message = "Modbus device {Device}: {Table} {Address}+{Count} failed: {Error} ({Suppressed} similar lines suppressed)")]
    public static partial void RequestFailed(ILogger logger, string device, string table, int address, int count, string error, int suppressed);

    [LoggerMessage(EventId = LogEventIds.Devices.DecodeFailed, Level = LogLevel.Warning, Message = "Modbus device {Device}: tag {Tag} did not decode to a finite number ({Detail}); reported with bad quality ({Suppressed} similar lines suppressed)")]
    public static partial void DecodeFailed(ILogger logger, string device, string tag, string detail, int suppressed);

    [LoggerMessage(EventId = LogEventIds.Devices.TicksSkipped, Level = LogLevel.Information, Message = "Modbus poll group {Group} of {Device} started {Skipped} ticks late (cycle longer than its interval or a busy bus); skipped ticks are not made up ({Suppressed} similar lines suppressed)")]
    public static partial void TicksSkipped(ILogger logger, string device, string group, long skipped, int suppressed);

    [LoggerMessage(EventId = LogEventIds.Devices.SerialOpened, Level = LogLevel.Information, Message = "Serial sensor {Sensor} opened {Port}")]
    public static partial void SerialOpened(ILogger logger, string sensor, string port);

    [LoggerMessage(EventId = LogEventIds.Devices.SerialUnavailable, Level = LogLevel.Warning, Message = "Serial sensor {Sensor}: {Port} is unavailable ({Error}); reopening in {RetryMs} ms ({Suppressed} similar lines suppressed)")]
    public static partial void SerialUnavailable(ILogger logger, string sensor, string port, string error, long retryMs, int suppressed);

    [LoggerMessage(EventId = LogEventIds.Devices.SerialRejected, Level = LogLevel.Warning, Message = "Serial sensor {Sensor}: line rejected ({Reason}) ({Suppressed} similar lines suppressed)")]
    public static partial void SerialRejected(ILogger logger, string sensor, string reason, int suppressed);

    [LoggerMessage(EventId = LogEventIds.Devices.GpioDisabled, Level = LogLevel.Information, Message = "GPIO inputs disabled: {Reason}")]
    public static partial void GpioDisabled(ILogger logger, string reason);

    [LoggerMessage(EventId = LogEventIds.Devices.GpioOpened, Level = LogLevel.Information, Message = "GPIO input {Input} reading pin {Pin} (active-low {ActiveLow}, debounce {DebounceMs} ms)")]
    public static partial void GpioOpened(ILogger logger, string input, int pin, bool activeLow, double debounceMs);

    [LoggerMessage(EventId = LogEventIds.Devices.GpioFailed, Level = LogLevel.Warning, Message = "GPIO input {Input}: pin {Pin} cannot be read ({Error}); the input is left out ({Suppressed} similar lines suppressed)")]
    public static partial void GpioFailed(ILogger logger, string input, int pin, string error, int suppressed);
}
