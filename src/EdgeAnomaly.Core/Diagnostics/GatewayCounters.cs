namespace EdgeAnomaly.Core.Diagnostics;

/// <summary>
/// Process-wide counters reported in health. Writers use Interlocked; readers take a snapshot.
/// One instance per gateway, passed to components (no statics, so tests can run gateways side by side).
/// </summary>
public sealed class GatewayCounters
{
    private readonly long[] _rejected = new long[RejectReasons.Count];
    private long _readingsAccepted;
    private long _messagesReceived;
    private long _eventsOpened;
    private long _eventsClosed;
    private long _eventsUplinked;
    private long _uplinkReconnects;
    private long _evictedReadings;
    private long _evictedEvents;
    private long _sequenceGaps;
    private long _sequenceResets;
    private long _readingsDroppedDiskFull;
    private long _diskWriteFailures;
    private long _nodesEvicted;
    private long _rulesReloadsRefused;

    public long ReadingsAccepted => Interlocked.Read(ref _readingsAccepted);
    public long MessagesReceived => Interlocked.Read(ref _messagesReceived);
    public long EventsOpened => Interlocked.Read(ref _eventsOpened);
    public long EventsClosed => Interlocked.Read(ref _eventsClosed);
    public long EventsUplinked => Interlocked.Read(ref _eventsUplinked);
    public long UplinkReconnects => Interlocked.Read(ref _uplinkReconnects);
    public long EvictedReadings => Interlocked.Read(ref _evictedReadings);
    public long EvictedEvents => Interlocked.Read(ref _evictedEvents);
    public long SequenceGaps => Interlocked.Read(ref _sequenceGaps);
    public long SequenceResets => Interlocked.Read(ref _sequenceResets);
    public long NodesEvicted => Interlocked.Read(ref _nodesEvicted);
    public long RulesReloadsRefused => Interlocked.Read(ref _rulesReloadsRefused);

    /// <summary>Readings not written to the history because the disk (not the cap) had no room, or only unsent events were left to evict.</summary>
    public long ReadingsDroppedDiskFull => Interlocked.Read(ref _readingsDroppedDiskFull);

    /// <summary>Store writes (readings flushes, event commits, acknowledgements, checkpoints) that failed for lack of disk space.</summary>
    public long DiskWriteFailures => Interlocked.Read(ref _diskWriteFailures);

    public long RejectedTotal
    {
        get
        {
            long total = 0;
            for (var i = 0; i < _rejected.Length; i++)
            {
                total += Interlocked.Read(ref _rejected[i]);
            }
            return total;
        }
    }

    public long Rejected(RejectReason reason) => Interlocked.Read(ref _rejected[(int)reason]);

    public void AddReadingsAccepted(long n) => Interlocked.Add(ref _readingsAccepted, n);
    public void AddMessageReceived() => Interlocked.Increment(ref _messagesReceived);
    public void AddRejected(RejectReason reason, long n = 1) => Interlocked.Add(ref _rejected[(int)reason], n);
    public void AddEventOpened() => Interlocked.Increment(ref _eventsOpened);
    public void AddEventClosed() => Interlocked.Increment(ref _eventsClosed);
    public void AddEventsUplinked(long n) => Interlocked.Add(ref _eventsUplinked, n);
    public void AddUplinkReconnect() => Interlocked.Increment(ref _uplinkReconnects);
    public void AddEvictedReadings(long n) => Interlocked.Add(ref _evictedReadings, n);
    public void AddEvictedEvents(long n) => Interlocked.Add(ref _evictedEvents, n);
    public void AddSequenceGap(long missing) => Interlocked.Add(ref _sequenceGaps, missing);
    public void AddSequenceReset() => Interlocked.Increment(ref _sequenceResets);
    public void AddReadingsDroppedDiskFull(long n) => Interlocked.Add(ref _readingsDroppedDiskFull, n);
    public void AddDiskWriteFailure() => Interlocked.Increment(ref _diskWriteFailures);
    public void AddNodeEvicted() => Interlocked.Increment(ref _nodesEvicted);
    public void AddRulesReloadRefused() => Interlocked.Increment(ref _rulesReloadsRefused);
}
