namespace EdgeAnomaly.Core.Diagnostics;

/// <summary>
/// The longest duration recorded since the previous <see cref="TakeMs"/>, in timestamp ticks: one writer thread
/// records, a reporter takes and resets. Health uses it to show stalls per interval, not averaged away.
/// </summary>
public sealed class PeakDuration
{
    private long _ticks;

    public void Record(long elapsedTicks)
    {
        var seen = Volatile.Read(ref _ticks);
        while (elapsedTicks > seen)
        {
            var previous = Interlocked.CompareExchange(ref _ticks, elapsedTicks, seen);
            if (previous == seen)
            {
                return;
            }
            seen = previous;
        }
    }

    /// <summary>The peak in ms for a timestamp of <paramref name="frequency"/> ticks per second; starts the next interval.</summary>
    public double TakeMs(long frequency) => Interlocked.Exchange(ref _ticks, 0) * 1000.0 / frequency;
}
