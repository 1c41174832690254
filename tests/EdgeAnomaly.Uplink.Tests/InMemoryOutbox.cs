using EdgeAnomaly.Core.Events;
using EdgeAnomaly.Storage;

namespace EdgeAnomaly.Uplink.Tests;

/// <summary>
/// The outbox contract without SQLite: rows in seq order, seqs that only grow, a range mark removes what it covers.
/// Records every read and every mark, so a test sees exactly where the forwarder checkpointed.
/// </summary>
internal sealed class InMemoryOutbox : IEventOutbox
{
    private readonly Lock _gate = new();
    private readonly SortedDictionary<long, OutboxEntry> _rows = [];
    private readonly List<(long First, long Last)> _marks = [];
    private readonly List<long> _readsAfter = [];
    private long _lastSeq;

    /// <summary>Appends a row (a committed revision) and returns it.</summary>
    public OutboxEntry Add(string eventId, int revision, string asset, byte[] payload)
    {
        lock (_gate)
        {
            var entry = new OutboxEntry(++_lastSeq, eventId, revision, asset, Severity.Warning, payload, 1_700_000_000_000);
            _rows.Add(entry.Seq, entry);
            return entry;
        }
    }

    public int PendingCount
    {
        get
        {
            lock (_gate)
            {
                return _rows.Count;
            }
        }
    }

    /// <summary>Every MarkDeliveredRange call so far, in call order.</summary>
    public List<(long First, long Last)> Marks()
    {
        lock (_gate)
        {
            return [.. _marks];
        }
    }

    /// <summary>The afterSeq of every read so far, in call order.</summary>
    public List<long> ReadsAfter()
    {
        lock (_gate)
        {
            return [.. _readsAfter];
        }
    }

    public IReadOnlyList<OutboxEntry> ReadPendingOutbox(long afterSeq, int max)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(max, 1);
        lock (_gate)
        {
            _readsAfter.Add(afterSeq);
            var page = new List<OutboxEntry>();
            foreach (var (seq, entry) in _rows)
            {
                if (seq <= afterSeq)
                {
                    continue;
                }
                page.Add(entry);
                if (page.Count == max)
                {
                    break;
                }
            }
            return page;
        }
    }

    public int MarkDeliveredRange(long firstSeq, long lastSeq)
    {
        lock (_gate)
        {
            _marks.Add((firstSeq, lastSeq));
            var removed = 0;
            for (var seq = firstSeq; seq <= lastSeq; seq++)
            {
                if (_rows.Remove(seq))
                {
                    removed++;
                }
            }
            return removed;
        }
    }
}
