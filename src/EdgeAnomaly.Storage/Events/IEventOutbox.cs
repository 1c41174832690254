namespace EdgeAnomaly.Storage;

/// <summary>
/// The revisions committed but not yet acknowledged upstream, for the one forwarder that sends them. Rows carry a
/// sequence number that only grows (a row committed later never gets a smaller one, and none enters a range
/// already read), so a reader that starts at the oldest row and takes acknowledgements in order can checkpoint
/// with one range.
/// </summary>
public interface IEventOutbox
{
    /// <summary>Up to <paramref name="max"/> unacknowledged rows with seq &gt; <paramref name="afterSeq"/>, in seq order.</summary>
    IReadOnlyList<OutboxEntry> ReadPendingOutbox(long afterSeq, int max);

    /// <summary>
    /// Removes every row with <paramref name="firstSeq"/> &lt;= seq &lt;= <paramref name="lastSeq"/>: the caller read
    /// them in seq order and had every one acknowledged. Seqs already gone are ignored. Returns rows removed.
    /// </summary>
    int MarkDeliveredRange(long firstSeq, long lastSeq);
}
