namespace EdgeAnomaly.Devices.Gpio;

/// <summary>
/// Contact debouncing by time, pure: a level is reported only once every sample has shown it for at least the
/// debounce time, so bounces shorter than that never reach the tag. The first stable level is reported too.
/// Times are ticks (100 ns) of any monotonic clock.
/// </summary>
public sealed class Debouncer(TimeSpan debounce)
{
    private readonly long _debounceTicks = debounce.Ticks;
    private bool _started;
    private bool _candidate;
    private long _candidateSince;

    /// <summary>The debounced level; null until a level has been stable long enough.</summary>
    public bool? Stable { get; private set; }

    /// <summary>Feeds one sample; true when <see cref="Stable"/> changed (including the first stable level).</summary>
    public bool Update(long nowTicks, bool level)
    {
        if (!_started || level != _candidate)
        {
            _started = true;
            _candidate = level;
            _candidateSince = nowTicks;
        }
        if (Stable == _candidate || nowTicks - _candidateSince < _debounceTicks)
        {
            return false;
        }
        Stable = _candidate;
        return true;
    }
}
