namespace EdgeAnomaly.FirmwareSim.Publishing;

/// <summary>Capped exponential delay before reconnect attempt <c>n</c> (0-based): min * 2^n, at most max.</summary>
public static class ReconnectBackoff
{
    public static TimeSpan Delay(int attempt, TimeSpan min, TimeSpan max)
    {
        if (attempt <= 0)
        {
            return min <= max ? min : max;
        }
        // Past 2^30 the product overflows long ticks anyway; the cap has long been reached.
        var factor = Math.Pow(2, Math.Min(attempt, 30));
        var ticks = min.Ticks * factor;
        return ticks >= max.Ticks ? max : TimeSpan.FromTicks((long)ticks);
    }
}
