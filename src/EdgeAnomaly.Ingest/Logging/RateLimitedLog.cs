using EdgeAnomaly.Core.Diagnostics;

namespace EdgeAnomaly.Ingest;

/// <summary>
/// Decides whether a line about bad input may be written: at most one per reason per interval, reporting how many
/// were suppressed since the last line. Pure (the caller passes the time) and not thread-safe: one per thread.
/// </summary>
public sealed class RateLimitedLog
{
    private readonly long _intervalMs;
    private readonly long[] _lastMs;
    private readonly long[] _suppressed;

    public RateLimitedLog(TimeSpan interval)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(interval, TimeSpan.Zero);
        _intervalMs = (long)interval.TotalMilliseconds;
        _lastMs = new long[RejectReasons.Count];
        _suppressed = new long[RejectReasons.Count];
        Array.Fill(_lastMs, long.MinValue);
    }

    /// <summary>The house default: one line per reason per 10 s.</summary>
    public static TimeSpan DefaultInterval => TimeSpan.FromSeconds(10);

    /// <summary>
    /// True when a line for <paramref name="reason"/> should be written now; <paramref name="suppressedSince"/> is
    /// the number of occurrences swallowed since the previous line (reset by this call when it returns true).
    /// </summary>
    public bool ShouldLog(RejectReason reason, long nowMs, out long suppressedSince)
    {
        var i = (int)reason;
        if (_lastMs[i] != long.MinValue && nowMs - _lastMs[i] < _intervalMs)
        {
            _suppressed[i]++;
            suppressedSince = 0;
            return false;
        }
        _lastMs[i] = nowMs;
        suppressedSince = _suppressed[i];
        _suppressed[i] = 0;
        return true;
    }
}
