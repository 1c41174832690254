using EdgeAnomaly.Core.Diagnostics;
using EdgeAnomaly.TestSupport;
using Microsoft.Extensions.Time.Testing;

namespace EdgeAnomaly.Storage.Tests;

/// <summary>
/// The SQLite store seen only through the narrow interfaces its consumers hold: the outbox contract the forwarder
/// relies on (and that the forwarder's in-memory test outbox copies), and what queries see of commits and deliveries.
/// </summary>
public sealed class StoreInterfacesTests : IDisposable
{
    private readonly TempDirectory _dir = new();
    private readonly FakeTimeProvider _time = new(DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_000_000));

    public void Dispose() => _dir.Dispose();

    private GatewayStore Open() => new(TestData.Options(_dir.File("gw.db")), new GatewayCounters(), _time);

    [Fact]
    public void Outbox_RangeMarkRemovesOnlyItsRows_IgnoresRowsAlreadyGone_AndLaterCommitsGetLargerSeqs()
    {
        using var store = Open();
        IEventCommitStore commits = store;
        IEventOutbox outbox = store;
        for (var i = 0; i < 6; i++)
        {
            commits.CommitEventRevisions([TestData.Event($"e{i}")]);
        }
        var rows = outbox.ReadPendingOutbox(0, 100);
        Assert.Equal(6, rows.Count);

        Assert.Equal(3, outbox.MarkDeliveredRange(rows[0].Seq, rows[2].Seq));
        Assert.Equal(0, outbox.MarkDeliveredRange(rows[0].Seq, rows[2].Seq)); // already gone: ignored
        Assert.Equal(["e3", "e4", "e5"], outbox.ReadPendingOutbox(0, 100).Select(r => r.EventId));

        // A row committed after a read lands after everything read: a reader paging by seq never skips it.
        commits.CommitEventRevisions([TestData.Event("late")]);
        var late = Assert.Single(outbox.ReadPendingOutbox(rows[^1].Seq, 100));
        Assert.Equal("late", late.EventId);
        Assert.True(late.Seq > rows[^1].Seq);
    }

    [Fact]
    public void Queries_SeeCommittedEventsUndeliveredUntilTheirOutboxRowIsMarked()
    {
        using var store = Open();
        IEventCommitStore commits = store;
        IEventOutbox outbox = store;
        IStoreQueries queries = store;
        commits.CommitEventRevisions([TestData.Event("q1"), TestData.Event("q2")]);
        Assert.Equal(2, queries.PendingCount);
        Assert.All(queries.ListEvents(10), e => Assert.False(e.Delivered));

        var first = outbox.ReadPendingOutbox(0, 1)[0];
        outbox.MarkDeliveredRange(first.Seq, first.Seq);

        Assert.Equal(1, queries.PendingCount);
        Assert.True(queries.GetEvent(first.EventId)!.Delivered);
        Assert.Equal(2, queries.GetStats().Events);
        Assert.Null(queries.StartupReport); // opened without the start-up check
    }
}
