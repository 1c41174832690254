namespace EdgeAnomaly.FirmwareSim.Publishing;

/// <summary>Pure arithmetic of how far simulated time may advance in a publishing round.</summary>
public static class Pacing
{
    /// <summary>The most backlog a run may start with: the gateway rejects readings older than 24 h.</summary>
    public static readonly TimeSpan MaxBacklog = TimeSpan.FromHours(23);

    /// <summary>
    /// Simulated start for a run at <paramref name="speed"/>: the real clock for real time or slower; otherwise far
    /// enough back that simulated time reaches the real clock when the run ends, at most <see cref="MaxBacklog"/>.
    /// An open-ended fast run starts at the full backlog and then holds at the real clock.
    /// </summary>
    public static (long StartMs, bool Capped) ChooseStart(long realNowMs, double speed, TimeSpan? duration)
    {
        if (speed <= 1)
        {
            return (realNowMs, false);
        }
        if (duration is not { } d)
        {
            return (realNowMs - (long)MaxBacklog.TotalMilliseconds, false);
        }
        var leadMs = (speed - 1) * d.TotalMilliseconds;
        return leadMs > MaxBacklog.TotalMilliseconds
            ? (realNowMs - (long)MaxBacklog.TotalMilliseconds, true)
            : (realNowMs - (long)leadMs, false);
    }

    /// <summary>
    /// Simulated time to generate up to (exclusive) in this round: start + elapsed * speed, but never past the real
    /// clock (good readings must not look like future timestamps) and never more than <paramref name="maxSimPerRoundMs"/>
    /// beyond what is already generated (a stalled broker must not make one round's queue unbounded).
    /// </summary>
    public static long Target(long simStartMs, TimeSpan elapsed, double speed, long realNowMs, long simNowMs, long maxSimPerRoundMs)
    {
        var target = simStartMs + (long)(elapsed.TotalMilliseconds * speed);
        target = Math.Min(target, realNowMs + 1);
        return Math.Min(target, simNowMs + maxSimPerRoundMs);
    }
}
