namespace EdgeAnomaly.Devices;

/// <summary>
/// At most one log line per interval for one noisy source (a device that times out every cycle, a serial
/// line full of garbage); the next line that is let through reports how many were suppressed. Not thread-safe:
/// each loop owns its throttles.
/// </summary>
internal sealed class LogThrottle(long intervalMs)
{
    public const long DefaultIntervalMs = 60_000;

    private long _nextMs = long.MinValue;
    private int _suppressed;

    public LogThrottle() : this(DefaultIntervalMs)
    {
    }

    public bool ShouldLog(long nowMs, out int suppressed)
    {
        if (nowMs >= _nextMs)
        {
            suppressed = _suppressed;
            _suppressed = 0;
            _nextMs = nowMs + intervalMs;
            return true;
        }
        _suppressed++;
        suppressed = 0;
        return false;
    }
}
