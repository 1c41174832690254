using EdgeAnomaly.Core.Diagnostics;
using EdgeAnomaly.Core.Events;
using EdgeAnomaly.TestSupport;
using Microsoft.Extensions.Time.Testing;

namespace EdgeAnomaly.Storage.Tests;

/// <summary>The per-cause decided-through mark is committed with the revisions and read back by a reopened store.</summary>
public sealed class CauseStateTests : IDisposable
{
    private readonly TempDirectory _dir = new();
    private readonly GatewayCounters _counters = new();
    private readonly FakeTimeProvider _time = new(DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_000_000));

    public void Dispose() => _dir.Dispose();

    private GatewayStore Open() => new(TestData.Options(_dir.File("gw.db"), 64 * StoreOptions.MiB), _counters, _time);

    private static GatewayEvent Revision(string id, int rev, EventState state, long? decided, string source = "rule:high") =>
        TestData.Event(id, asset: "a1", rev: rev, state: state) with { Source = source, DecidedThroughMs = decided };

    [Fact]
    public void CommitEventRevisions_MarkKeepsTheNewestDecidedTimeAndTheLatestEvent_AcrossAReopen()
    {
        using (var store = Open())
        {
            store.CommitEventRevisions([Revision("e1", 1, EventState.Open, 1_000), Revision("e1", 2, EventState.Closed, 3_000)]);
            store.CommitEventRevisions([Revision("e2", 1, EventState.Open, 5_000)]);
            // A close by the orphan grace (no reading, the clock's time) moves no mark.
            store.CommitEventRevisions([Revision("e2", 2, EventState.Closed, null)]);
            store.CommitEventRevisions([Revision("x1", 1, EventState.Open, 7_000, source: "rule:other")]);
        }

        using var reopened = Open();
        var byCause = reopened.GetCauseCheckpoints().ToDictionary(c => c.Source);
        Assert.Equal(2, byCause.Count);
        var high = byCause["rule:high"];
        Assert.Equal(("a1", 5_000L), (high.Asset, high.DecidedThroughMs));
        Assert.Equal(("e2", 2, EventState.Closed), (high.Latest!.Id, high.Latest.Revision, high.Latest.State));
        Assert.Equal((7_000L, "x1"), (byCause["rule:other"].DecidedThroughMs, byCause["rule:other"].Latest!.Id));
    }

    [Fact]
    public void GetCauseCheckpoints_LatestEventGone_ReturnsTheMarkWithoutAnEvent()
    {
        using var store = Open();
        store.CommitEventRevisions([Revision("e1", 1, EventState.Open, 1_000)]);
        using (var db = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={_dir.File("gw.db")};Pooling=False"))
        {
            db.Open();
            using var delete = db.CreateCommand();
            delete.CommandText = "DELETE FROM events";
            delete.ExecuteNonQuery();
        }

        var cause = Assert.Single(store.GetCauseCheckpoints());
        Assert.Equal(1_000, cause.DecidedThroughMs);
        Assert.Null(cause.Latest);
    }
}
