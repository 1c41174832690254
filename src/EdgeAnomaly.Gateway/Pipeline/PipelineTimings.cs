namespace EdgeAnomaly.Gateway.Pipeline;

/// <summary>The longest pipeline phases since the previous <see cref="PipelineTimings.Take"/>, in milliseconds.</summary>
public readonly record struct PipelineStalls(double BatchMs, double CommitMs, double TickMs, double FlushSliceMs, double CommitLockWaitMs = 0);

/// <summary>
/// The longest time the pipeline thread spent in each phase since the last health report. Everything waits behind
/// that thread (events, acknowledgements), so a stall — a slow fsync, a long tick, a flush slice, a GC pause inside
/// one of them — shows in health with the phase that held it. Written by the pipeline thread, taken by health.
/// </summary>
public sealed class PipelineTimings(TimeProvider time)
{
    private long _batch;
    private long _commit;
    private long _tick;
    private long _flushSlice;

    /// <summary>Processing one loop's messages and local batches, their commit included.</summary>
    public void RecordBatch(long startTimestamp) => Max(ref _batch, time.GetTimestamp() - startTimestamp);

    /// <summary>The SQLite transaction of one set of event revisions (fsync included).</summary>
    public void RecordCommit(long startTimestamp) => Max(ref _commit, time.GetTimestamp() - startTimestamp);

    /// <summary>The once-a-second tick: dropout checks, models, orphans, its commit.</summary>
    public void RecordTick(long startTimestamp) => Max(ref _tick, time.GetTimestamp() - startTimestamp);

    /// <summary>One slice of the readings flush.</summary>
    public void RecordFlushSlice(long startTimestamp) => Max(ref _flushSlice, time.GetTimestamp() - startTimestamp);

    /// <summary>The maxima since the previous call, which starts the next interval.</summary>
    public PipelineStalls Take()
    {
        var perMs = time.TimestampFrequency / 1000.0;
        return new PipelineStalls(Interlocked.Exchange(ref _batch, 0) / perMs, Interlocked.Exchange(ref _commit, 0) / perMs,
            Interlocked.Exchange(ref _tick, 0) / perMs, Interlocked.Exchange(ref _flushSlice, 0) / perMs);
    }

    private static void Max(ref long field, long elapsed)
    {
        var seen = Volatile.Read(ref field);
        while (elapsed > seen)
        {
            var previous = Interlocked.CompareExchange(ref field, elapsed, seen);
            if (previous == seen)
            {
                return;
            }
            seen = previous;
        }
    }
}
