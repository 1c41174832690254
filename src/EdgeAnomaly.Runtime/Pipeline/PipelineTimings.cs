using EdgeAnomaly.Core.Diagnostics;

namespace EdgeAnomaly.Runtime.Pipeline;

/// <summary>The longest pipeline phases since the previous <see cref="PipelineTimings.Take"/>, in milliseconds.</summary>
public readonly record struct PipelineStalls(double BatchMs, double CommitMs, double TickMs, double FlushSliceMs, double CommitLockWaitMs = 0, double CommitSyncMs = 0);

/// <summary>
/// The longest time the pipeline thread spent in each phase since the last health report. Everything waits behind
/// that thread (events, acknowledgements), so a stall — a slow fsync, a long tick, a flush slice, a GC pause inside
/// one of them — shows in health with the phase that held it. Written by the pipeline thread, taken by health.
/// </summary>
public sealed class PipelineTimings(TimeProvider time)
{
    private readonly PeakDuration _batch = new();
    private readonly PeakDuration _commit = new();
    private readonly PeakDuration _tick = new();
    private readonly PeakDuration _flushSlice = new();

    /// <summary>Processing one loop's messages and local batches, their commit included.</summary>
    public void RecordBatch(long startTimestamp) => _batch.Record(time.GetTimestamp() - startTimestamp);

    /// <summary>The SQLite transaction of one set of event revisions (fsync included).</summary>
    public void RecordCommit(long startTimestamp) => _commit.Record(time.GetTimestamp() - startTimestamp);

    /// <summary>The once-a-second tick: dropout checks, models, orphans, its commit.</summary>
    public void RecordTick(long startTimestamp) => _tick.Record(time.GetTimestamp() - startTimestamp);

    /// <summary>One slice of the readings flush.</summary>
    public void RecordFlushSlice(long startTimestamp) => _flushSlice.Record(time.GetTimestamp() - startTimestamp);

    /// <summary>The maxima since the previous call, which starts the next interval.</summary>
    public PipelineStalls Take()
    {
        var f = time.TimestampFrequency;
        return new PipelineStalls(_batch.TakeMs(f), _commit.TakeMs(f), _tick.TakeMs(f), _flushSlice.TakeMs(f));
    }
}
