namespace EdgeAnomaly.Devices.Modbus;

/// <summary>
/// The ticks of one poll group: tick k is due at k * interval after the scheduler's epoch, so the cadence never
/// drifts however long each cycle takes. A cycle that starts late runs once for the latest due tick; the ticks
/// it jumped over are counted as skipped, never made up in a burst.
/// </summary>
public struct PollTimetable
{
    private readonly long _intervalTicks;
    private long _next;

    public PollTimetable(TimeSpan interval)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(interval, TimeSpan.Zero);
        _intervalTicks = interval.Ticks;
    }

    /// <summary>Index of the next tick to run.</summary>
    public readonly long NextTick => _next;

    /// <summary>When the next tick is due, in ticks (100 ns) since the epoch.</summary>
    public readonly long NextDueTicks => _next * _intervalTicks;

    /// <summary>
    /// Starts the cycle for the latest tick due at <paramref name="nowTicks"/> (which must be at or after
    /// <see cref="NextDueTicks"/>) and moves on to the tick after it.
    /// </summary>
    /// <returns>How many due ticks are skipped because the cycle starts late.</returns>
    public long TakeDue(long nowTicks)
    {
        var latest = nowTicks / _intervalTicks;
        if (latest < _next)
        {
            throw new InvalidOperationException($"tick {_next} is not due yet at {nowTicks} (interval {_intervalTicks})");
        }
        var skipped = latest - _next;
        _next = latest + 1;
        return skipped;
    }
}
