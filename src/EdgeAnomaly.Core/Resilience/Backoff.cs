namespace EdgeAnomaly.Core.Resilience;

/// <summary>Capped exponential backoff with jitter, as a pure function so the reconnect loops stay plain loops.</summary>
public static class Backoff
{
    /// <summary>
    /// Delay before attempt <paramref name="attempt"/> (0 = first retry): initial * 2^attempt, capped at
    /// <paramref name="max"/>, then reduced by up to <paramref name="jitter"/> (0..1) of itself so a fleet of
    /// gateways that lost the same broker does not reconnect in lockstep.
    /// </summary>
    public static TimeSpan Delay(int attempt, TimeSpan initial, TimeSpan max, double jitter, double random01)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(attempt);
        ArgumentOutOfRangeException.ThrowIfLessThan(jitter, 0);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(jitter, 1);
        var exponent = Math.Min(attempt, 30);
        var ticks = Math.Min((double)initial.Ticks * Math.Pow(2, exponent), max.Ticks);
        ticks -= ticks * jitter * Math.Clamp(random01, 0, 1);
        return TimeSpan.FromTicks((long)ticks);
    }
}
