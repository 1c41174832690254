namespace EdgeAnomaly.Runtime.Sources;

/// <summary>
/// Per source kind: batches and readings processed, readings that arrived with a non-good quality, times a poller
/// had to wait because the pipeline queue was full (back-pressure), and batches abandoned at shutdown.
/// Written with Interlocked by pollers and the pipeline; read by health from any thread.
/// </summary>
public sealed class LocalSourceCounters
{
    private readonly long[] _batches = new long[LocalSourceKinds.Count];
    private readonly long[] _readings = new long[LocalSourceKinds.Count];
    private readonly long[] _notGood = new long[LocalSourceKinds.Count];
    private readonly long[] _queueFullWaits = new long[LocalSourceKinds.Count];
    private readonly long[] _abandoned = new long[LocalSourceKinds.Count];
    private long _unknownTags;

    public long Batches(LocalSourceKind kind) => Interlocked.Read(ref _batches[(int)kind]);

    public long Readings(LocalSourceKind kind) => Interlocked.Read(ref _readings[(int)kind]);

    /// <summary>Readings stored with quality uncertain or bad (statistics skip them; they are kept in history).</summary>
    public long NotGood(LocalSourceKind kind) => Interlocked.Read(ref _notGood[(int)kind]);

    /// <summary>How often a poller found the queue full and waited for the pipeline (nothing was dropped).</summary>
    public long QueueFullWaits(LocalSourceKind kind) => Interlocked.Read(ref _queueFullWaits[(int)kind]);

    /// <summary>Batches a poller was still waiting to enqueue when the gateway stopped.</summary>
    public long AbandonedAtStop(LocalSourceKind kind) => Interlocked.Read(ref _abandoned[(int)kind]);

    /// <summary>Readings whose tag id is not registered (a wiring bug, never expected): counted and skipped.</summary>
    public long UnknownTags => Interlocked.Read(ref _unknownTags);

    public long TotalReadings
    {
        get
        {
            long total = 0;
            for (var i = 0; i < _readings.Length; i++)
            {
                total += Interlocked.Read(ref _readings[i]);
            }
            return total;
        }
    }

    public void AddProcessed(LocalSourceKind kind, int readings, int notGood)
    {
        Interlocked.Increment(ref _batches[(int)kind]);
        Interlocked.Add(ref _readings[(int)kind], readings);
        if (notGood > 0)
        {
            Interlocked.Add(ref _notGood[(int)kind], notGood);
        }
    }

    public void AddQueueFullWait(LocalSourceKind kind) => Interlocked.Increment(ref _queueFullWaits[(int)kind]);

    public void AddAbandoned(LocalSourceKind kind) => Interlocked.Increment(ref _abandoned[(int)kind]);

    public void AddUnknownTags(int n) => Interlocked.Add(ref _unknownTags, n);
}
