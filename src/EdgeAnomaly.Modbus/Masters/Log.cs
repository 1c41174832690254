using EdgeAnomaly.Core.Diagnostics;
using Microsoft.Extensions.Logging;

namespace EdgeAnomaly.Modbus;

internal static partial class Log
{
    [LoggerMessage(EventId = LogEventIds.Modbus.LinkFault, Level = LogLevel.Warning,
        Message = "Modbus {Link}: {Fault} ({Suppressed} more faults on this link since the last line)")]
    public static partial void LinkFault(ILogger logger, string link, string fault, int suppressed);

    [LoggerMessage(EventId = LogEventIds.Modbus.LinkReopened, Level = LogLevel.Information, Message = "Modbus {Link}: link open again after a failure")]
    public static partial void LinkReopened(ILogger logger, string link);

    [LoggerMessage(EventId = LogEventIds.Modbus.LinkOpened, Level = LogLevel.Debug, Message = "Modbus {Link}: link open")]
    public static partial void LinkOpened(ILogger logger, string link);
}

/// <summary>At most one line per interval; counts what it held back so the next line can say so.</summary>
internal sealed class FaultLogLimiter(TimeProvider time, TimeSpan interval)
{
    private long _lastLogged;
    private bool _everLogged;
    private int _suppressed;

    public bool TryEnter(out int suppressed)
    {
        var now = time.GetTimestamp();
        if (_everLogged && time.GetElapsedTime(_lastLogged, now) < interval)
        {
            _suppressed++;
            suppressed = 0;
            return false;
        }
        suppressed = _suppressed;
        _suppressed = 0;
        _lastLogged = now;
        _everLogged = true;
        return true;
    }
}
