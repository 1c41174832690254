using EdgeAnomaly.Contracts;
using EdgeAnomaly.Core.Diagnostics;
using EdgeAnomaly.Core.Events;
using EdgeAnomaly.Core.Readings;
using EdgeAnomaly.Core.Tags;
using EdgeAnomaly.TestSupport;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Time.Testing;

namespace EdgeAnomaly.Storage.Tests;

public sealed class GatewayStoreTests : IDisposable
{
    private readonly TempDirectory _dir = new();
    private readonly GatewayCounters _counters = new();
    private readonly FakeTimeProvider _time = new(DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_000_000));

    public void Dispose() => _dir.Dispose();

    /// <summary>"Now" of the fake clock: readings far older than ReadingsMaxAge would be removed by retention.</summary>
    private long T0 => _time.GetUtcNow().ToUnixTimeMilliseconds();

    private GatewayStore Open(long maxBytes = 64 * StoreOptions.MiB) =>
        new(TestData.Options(_dir.File("gw.db"), maxBytes), _counters, _time);

    [Fact]
    public void Commit_ThenReadPending_ReturnsPayloadExactlyAsSerialized()
    {
        using var store = Open();
        var e = TestData.Event("a1");
        store.CommitEventRevisions([e]);

        var pending = store.ReadPendingOutbox(0, 10);
        var row = Assert.Single(pending);
        Assert.Equal(EventJson.Serialize(e), row.Payload);
        Assert.Equal(("a1", 1, "pump-0", Severity.Warning), (row.EventId, row.Revision, row.Asset, row.Severity));
        Assert.Equal(1, store.PendingCount);
        Assert.Equal(e, store.GetEvent("a1")!.Event with { Tags = e.Tags });
        Assert.False(store.GetEvent("a1")!.Delivered);
    }

    [Fact]
    public void Commit_RevisionAlreadyStored_IsSkippedSoTheWireNeverSeesTwoPayloadsForOneRevision()
    {
        using var store = Open();
        var first = TestData.Event("x1");
        store.CommitEventRevisions([first]);
        store.CommitEventRevisions([TestData.Event("x1", rev: 2, state: EventState.Closed)]);
        var pendingBefore = store.PendingCount;

        // A re-detection after a crash produces rev 1 again, with other explanation text.
        store.CommitEventRevisions([first with { Explanation = "re-detected after restart" }]);
        store.CommitEventRevisions([TestData.Event("x1", rev: 2, state: EventState.Closed) with { Explanation = "again" }]);

        Assert.Equal(pendingBefore, store.PendingCount);
        Assert.Equal(2, store.ReadPendingOutbox(0, 100).Count);
        Assert.Equal(2, store.GetEvent("x1")!.Event.Revision);
        Assert.NotEqual("again", store.GetEvent("x1")!.Event.Explanation);
    }

    [Fact]
    public void Outbox_ReadsInCommitOrder_AndPagesAfterSeq()
    {
        using var store = Open();
        for (var i = 0; i < 10; i++)
        {
            store.CommitEventRevisions([TestData.Event($"e{i}", asset: i % 2 == 0 ? "a" : "b")]);
        }
        store.CommitEventRevisions([TestData.Event("e0", asset: "a", rev: 2, state: EventState.Closed)]);

        var first = store.ReadPendingOutbox(0, 4);
        var rest = store.ReadPendingOutbox(first[^1].Seq, 100);
        var all = first.Concat(rest).ToList();
        Assert.Equal(11, all.Count);
        Assert.Equal(all.Select(r => r.Seq).Order(), all.Select(r => r.Seq));
        Assert.Equal(["e0", "e1", "e2", "e3"], first.Select(r => r.EventId));
        Assert.Equal(("e0", 2), (all[^1].EventId, all[^1].Revision));
    }

    // Schema 1 kept a delivered flag in the event row and an index led by it; both were rewritten on every
    // acknowledgement. An old file opens with that index replaced, and delivery is read from the outbox.
    [Fact]
    public void Open_OldFile_ReplacesTheDeliveredIndex()
    {
        var path = _dir.File("old.db");
        using (var store = Open2(path))
        {
            store.CommitEventRevisions([TestData.Event("old1")]);
        }
        using (var raw = new SqliteConnection($"Data Source={path};Pooling=False"))
        {
            raw.Open();
            using var cmd = raw.CreateCommand();
            cmd.CommandText = "DROP INDEX events_by_age; CREATE INDEX events_by_eviction ON events(delivered, state, updated_ms); UPDATE events SET delivered=1";
            cmd.ExecuteNonQuery();
        }
        using (var store = Open2(path))
        {
            Assert.False(store.GetEvent("old1")!.Delivered); // its outbox row is still there, whatever the old column says
            var row = store.ReadPendingOutbox(0, 10)[0];
            store.MarkDeliveredRange(row.Seq, row.Seq);
            Assert.True(store.GetEvent("old1")!.Delivered);
        }
        using var check = new SqliteConnection($"Data Source={path};Pooling=False");
        check.Open();
        using var q = check.CreateCommand();
        q.CommandText = "SELECT group_concat(name) FROM (SELECT name FROM sqlite_master WHERE type='index' AND tbl_name='events' AND name NOT LIKE 'sqlite_%' ORDER BY name)";
        Assert.Equal("events_by_age", q.ExecuteScalar());
    }

    private GatewayStore Open2(string path) => new(TestData.Options(path, 64 * StoreOptions.MiB), _counters, _time);

    [Fact]
    public void MarkDelivered_RemovesRows_AndMarksOnlyTheLatestRevisionDelivered()
    {
        using var store = Open();
        store.CommitEventRevisions([TestData.Event("x"), TestData.Event("y")]);
        store.CommitEventRevisions([TestData.Event("x", rev: 2, state: EventState.Closed)]);
        var rows = store.ReadPendingOutbox(0, 10);
        Assert.Equal(3, rows.Count);

        // Ack x rev 1 and y rev 1: y is delivered; x is not (its latest revision, 2, is still pending).
        var removed = store.MarkDelivered([rows[0].Seq, rows[1].Seq, 9999]);

        Assert.Equal(2, removed);
        Assert.Equal(1, store.PendingCount);
        Assert.False(store.GetEvent("x")!.Delivered);
        Assert.True(store.GetEvent("y")!.Delivered);
        Assert.Equal(2, store.GetEvent("x")!.Event.Revision);

        store.MarkDelivered([rows[2].Seq]);
        Assert.True(store.GetEvent("x")!.Delivered);
        Assert.Equal(0, store.PendingCount);
        Assert.Empty(store.ReadPendingOutbox(0, 10));
    }

    [Fact]
    public void MarkDeliveredRange_RemovesTheRange_AndMarksOnlyTheLatestRevisionDelivered()
    {
        using var store = Open();
        store.CommitEventRevisions([TestData.Event("x"), TestData.Event("y")]);
        store.CommitEventRevisions([TestData.Event("x", rev: 2, state: EventState.Closed), TestData.Event("z")]);
        var rows = store.ReadPendingOutbox(0, 10);
        Assert.Equal(["x", "y", "x", "z"], rows.Select(r => r.EventId));

        // Ack x rev 1 and y rev 1: y is delivered; x is not (its latest revision, 2, is still pending).
        var removed = store.MarkDeliveredRange(rows[0].Seq, rows[1].Seq);

        Assert.Equal(2, removed);
        Assert.Equal(2, store.PendingCount);
        Assert.False(store.GetEvent("x")!.Delivered);
        Assert.True(store.GetEvent("y")!.Delivered);
        Assert.False(store.GetEvent("z")!.Delivered);
        Assert.Equal([rows[2].Seq, rows[3].Seq], store.ReadPendingOutbox(0, 10).Select(r => r.Seq));

        Assert.Equal(2, store.MarkDeliveredRange(rows[2].Seq, rows[3].Seq));
        Assert.True(store.GetEvent("x")!.Delivered);
        Assert.True(store.GetEvent("z")!.Delivered);
        Assert.Equal(0, store.PendingCount);
        Assert.Empty(store.ReadPendingOutbox(0, 10));
    }

    [Theory]
    [InlineData(0, 0, 0)] // below every row
    [InlineData(3, 2, 0)] // inverted
    [InlineData(2, 2, 1)] // one row
    [InlineData(2, 1000, 4)] // past the end: only rows that exist count
    public void MarkDeliveredRange_CountsOnlyExistingRowsInsideTheRange(long first, long last, int expectedRemoved)
    {
        using var store = Open();
        for (var i = 0; i < 5; i++)
        {
            store.CommitEventRevisions([TestData.Event($"e{i}")]);
        }
        var seq0 = store.ReadPendingOutbox(0, 1)[0].Seq - 1; // seqs are seq0+1 .. seq0+5

        var removed = store.MarkDeliveredRange(seq0 + first, seq0 + last);

        Assert.Equal(expectedRemoved, removed);
        Assert.Equal(5 - expectedRemoved, store.PendingCount);
        Assert.Equal(5 - expectedRemoved, store.ReadPendingOutbox(0, 10).Count);
        Assert.Equal(expectedRemoved, store.ListEvents(10).Count(e => e.Delivered));
    }

    [Fact]
    public void MarkDeliveredRange_AfterAGapInTheOutbox_RemovesWhatIsLeftOfTheRange()
    {
        using var store = Open();
        for (var i = 0; i < 4; i++)
        {
            store.CommitEventRevisions([TestData.Event($"g{i}")]);
        }
        var rows = store.ReadPendingOutbox(0, 10);
        store.MarkDelivered([rows[1].Seq]); // a gap, as an eviction would leave

        Assert.Equal(2, store.MarkDeliveredRange(rows[0].Seq, rows[2].Seq));
        Assert.Equal(rows[3].Seq, Assert.Single(store.ReadPendingOutbox(0, 10)).Seq);
        Assert.Equal(1, store.PendingCount);
    }

    [Fact]
    public void Commit_OlderRevisionAfterNewer_DoesNotOverwriteTheEventRow()
    {
        using var store = Open();
        store.CommitEventRevisions([TestData.Event("x", rev: 3, state: EventState.Closed)]);
        store.CommitEventRevisions([TestData.Event("x", rev: 2)]);
        Assert.Equal(3, store.GetEvent("x")!.Event.Revision);
        // An older revision after a newer one is a replay (re-detection after a crash): nothing new to send.
        Assert.Equal(1, store.PendingCount);
    }

    [Fact]
    public void ListEvents_ReturnsNewestFirst_WithFilters()
    {
        using var store = Open();
        store.CommitEventRevisions([
            TestData.Event("old", asset: "a", startMs: 1000),
            TestData.Event("mid", asset: "b", startMs: 2000, state: EventState.Closed),
            TestData.Event("new", asset: "a", startMs: 3000),
        ]);
        Assert.Equal(["new", "mid", "old"], store.ListEvents(10).Select(e => e.Event.Id));
        Assert.Equal(["new", "mid"], store.ListEvents(2).Select(e => e.Event.Id));
        Assert.Equal(["new", "old"], store.ListEvents(10, asset: "a").Select(e => e.Event.Id));
        Assert.Equal(["mid"], store.ListEvents(10, state: EventState.Closed).Select(e => e.Event.Id));
        Assert.Equal(["new", "mid"], store.ListEvents(10, sinceMs: 2000).Select(e => e.Event.Id));
    }

    [Fact]
    public void GetOpenEvents_ReturnsEventsWhoseLatestRevisionIsOpen()
    {
        using var store = Open();
        store.CommitEventRevisions([TestData.Event("o1", startMs: 2), TestData.Event("c1"), TestData.Event("o2", startMs: 1)]);
        store.CommitEventRevisions([TestData.Event("c1", rev: 2, state: EventState.Closed)]);
        Assert.Equal(["o2", "o1"], store.GetOpenEvents().Select(e => e.Id));
    }

    [Fact]
    public void Reopen_AfterDispose_KeepsEventsOutboxReadingsAndBufferedReadings()
    {
        var registry = TestData.Registry();
        var path = _dir.File("gw.db");
        using (var store = Open())
        {
            store.RegisterTags(registry);
            store.CommitEventRevisions([TestData.Event("k1"), TestData.Event("k2")]);
            store.MarkDelivered([store.ReadPendingOutbox(0, 1)[0].Seq]);
            store.AppendReadings([new Reading(1, T0 + 1000, 1.5), new Reading(1, T0 + 2000, 2.5, ReadingQuality.Bad)]);
            store.FlushReadings();
            store.AppendReadings([new Reading(1, T0 + 3000, 3.5)]); // buffered only: Dispose writes it
        }
        Assert.False(File.Exists(path + "-wal") && new FileInfo(path + "-wal").Length > 0, "a clean close checkpoints the WAL away");

        using var reopened = Open();
        Assert.Equal(1, reopened.PendingCount);
        Assert.Equal("k2", Assert.Single(reopened.ReadPendingOutbox(0, 10)).EventId);
        Assert.True(reopened.GetEvent("k1")!.Delivered);
        Assert.Equal([1.5, 2.5, 3.5], reopened.ReadReadings("pump-0", "tag1", 0, long.MaxValue).Select(r => r.Value));
        Assert.Equal(ReadingQuality.Bad, reopened.ReadReadings("pump-0", "tag1", T0 + 2000, T0 + 2000)[0].Quality);
    }

    [Fact]
    public void Readings_FlushWritesOneBlockPerTag_AndReadBackFiltersByRange()
    {
        using var store = Open();
        store.RegisterTags(TestData.Registry(assets: 1, tagsPerAsset: 3));
        var batch = new Reading[30];
        for (var i = 0; i < 10; i++)
        {
            for (var t = 0; t < 3; t++)
            {
                batch[(i * 3) + t] = new Reading(t, T0 + (1000 * (i + 1)), (t * 100) + i);
            }
        }
        store.AppendReadings(batch);
        Assert.Equal(30, store.BufferedReadings);

        Assert.Equal(3, store.FlushReadings());
        Assert.Equal(0, store.BufferedReadings);
        Assert.Equal(3, store.GetStats().ReadingBlocks);
        var tag2 = store.ReadReadings("pump-0", "tag2", T0 + 3000, T0 + 5000);
        Assert.Equal([(3000L, 202.0), (4000L, 203.0), (5000L, 204.0)], tag2.Select(r => (r.TimestampMs - T0, r.Value)));
        Assert.Empty(store.ReadReadings("pump-0", "nope", 0, long.MaxValue));
    }

    // Health splits a slow event commit into lock wait and the COMMIT itself (WAL write + fsync): on the real clock a
    // real file's COMMIT takes some time, and each take starts a new measurement window.
    [Fact]
    public void CommitSync_IsTheLongestCommitSinceTheLastTake()
    {
        using var store = new GatewayStore(TestData.Options(_dir.File("sync.db"), 64 * StoreOptions.MiB), _counters, TimeProvider.System);
        Assert.Equal(0, store.TakeLongestCommitSyncMs());
        store.CommitEventRevisions([TestData.Event("s1")]);
        store.CommitEventRevisions([TestData.Event("s2")]);
        var longest = store.TakeLongestCommitSyncMs();
        Assert.True(longest > 0, $"commit sync {longest} ms");
        Assert.True(longest < 30_000, $"commit sync {longest} ms");
        Assert.Equal(0, store.TakeLongestCommitSyncMs());
        Assert.True(store.TakeLongestCommitLockWaitMs() >= 0);
    }

    // A trainer reading history back waits for ReadingsWrittenBefore to pass its request: the stamp is the start of the
    // last complete pass, so a reading appended while a pass was under way is not claimed as written by that pass.
    [Fact]
    public void ReadingsWrittenBefore_IsTheStartOfTheLastCompletePass()
    {
        using var store = Open();
        store.RegisterTags(TestData.Registry(assets: 1, tagsPerAsset: 2));
        Assert.Equal(long.MinValue, store.ReadingsWrittenBefore);
        store.AppendReadings([new Reading(0, T0 + 1000, 1), new Reading(1, T0 + 1000, 2)]);
        var passStart = _time.GetTimestamp();
        Assert.False(store.FlushReadingsSlice(1)); // tag0 written, the pass goes on
        Assert.Equal(long.MinValue, store.ReadingsWrittenBefore);
        _time.Advance(TimeSpan.FromSeconds(1));
        var appendedDuringPass = _time.GetTimestamp();
        store.AppendReadings([new Reading(0, T0 + 2000, 3)]);
        Assert.True(store.FlushReadingsSlice(1)); // tag1: the pass is complete
        Assert.Equal(passStart, store.ReadingsWrittenBefore);
        Assert.True(store.ReadingsWrittenBefore < appendedDuringPass, "the reading appended during the pass is still buffered");
        Assert.Equal(1, store.BufferedReadings);

        _time.Advance(TimeSpan.FromSeconds(1));
        var fullPass = _time.GetTimestamp();
        store.FlushReadings();
        Assert.Equal(fullPass, store.ReadingsWrittenBefore);
        Assert.Equal(0, store.BufferedReadings);
    }

    // The pipeline flushes in slices so one pass never stalls it: a slice stops once it has written its quota (whole
    // tags), the next one continues at the following tag, and a reading for a tag already written waits for the next pass.
    [Fact]
    public void Readings_FlushSlices_WriteEachTagOncePerPass_InIdOrder_UntilThePassCompletes()
    {
        using var store = Open();
        store.RegisterTags(TestData.Registry(assets: 1, tagsPerAsset: 4));
        var batch = new Reading[40];
        for (var i = 0; i < 10; i++)
        {
            for (var t = 0; t < 4; t++)
            {
                batch[(i * 4) + t] = new Reading(t, T0 + (1000 * (i + 1)), (t * 100) + i);
            }
        }
        store.AppendReadings(batch);

        Assert.False(store.FlushReadingsSlice(15)); // tag0 (10) is below the quota, tag1 (20) reaches it
        Assert.Equal(20, store.BufferedReadings);
        Assert.Equal(2, store.GetStats().ReadingBlocks);
        store.AppendReadings([new Reading(0, T0 + 20_000, 42)]); // tag0 again: already written in this pass
        Assert.True(store.FlushReadingsSlice(1_000)); // tag2 and tag3: the pass is complete
        Assert.Equal(1, store.BufferedReadings);
        Assert.Equal(4, store.GetStats().ReadingBlocks);
        Assert.False(store.FlushReadingsSlice(1)); // a new pass starts at tag0
        Assert.Equal(0, store.BufferedReadings);
        Assert.True(store.FlushReadingsSlice(1)); // nothing left: the pass ends without writing
        Assert.Equal(5, store.GetStats().ReadingBlocks);
        Assert.Equal(Enumerable.Range(0, 10).Select(i => 300.0 + i), store.ReadReadings("pump-0", "tag3", 0, long.MaxValue).Select(r => r.Value));
        Assert.Equal(42.0, store.ReadReadings("pump-0", "tag0", 0, long.MaxValue)[^1].Value);
    }

    // Blocks are found through a time index bounded by the longest block span: a late block (old readings written after
    // newer ones) and a block spanning much longer than the rest must still be found, and nothing outside the range.
    [Fact]
    public void Readings_LateAndLongBlocks_AreFoundByTimeRange()
    {
        using (var store = Open())
        {
            store.RegisterTags(TestData.Registry(assets: 1, tagsPerAsset: 2));
            store.AppendReadings([new Reading(0, T0 + 100_000, 1), new Reading(1, T0 + 100_000, 10)]);
            store.FlushReadings();
            // Late: older than what is already written. Long: one block from T0 - 1 h to T0 + 200 s.
            store.AppendReadings([new Reading(0, T0 + 50_000, 2), new Reading(1, T0 - 3_600_000, 11), new Reading(1, T0 + 200_000, 12)]);
            store.FlushReadings();
            store.AppendReadings([new Reading(0, T0 + 300_000, 3)]);
            store.FlushReadings();
            Assert.Equal([(50_000L, 2.0), (100_000L, 1.0)], store.ReadReadings("pump-0", "tag0", T0, T0 + 150_000).Select(r => (r.TimestampMs - T0, r.Value)));
            Assert.Equal([12.0], store.ReadReadings("pump-0", "tag1", T0 + 150_000, T0 + 250_000).Select(r => r.Value));
        }
        // The span bound survives a restart.
        using var reopened = Open();
        Assert.Equal([12.0], reopened.ReadReadings("pump-0", "tag1", T0 + 199_000, T0 + 200_000).Select(r => r.Value));
        Assert.Equal([11.0, 12.0, 10.0], reopened.ReadReadings("pump-0", "tag1", long.MinValue, long.MaxValue).Select(r => r.Value)); // by block start
    }

    // A file written before the time index: the per-tag index is dropped and the span bound measured once.
    [Fact]
    public void Readings_FileWithTheOldPerTagIndex_IsUpgradedOnOpen()
    {
        var path = _dir.File("gw.db");
        using (var store = Open())
        {
            store.RegisterTags(TestData.Registry(assets: 1, tagsPerAsset: 1));
            store.AppendReadings([new Reading(0, T0 - 7_200_000, 1), new Reading(0, T0, 2)]);
            store.FlushReadings();
        }
        using (var raw = new SqliteConnection($"Data Source={path};Pooling=False"))
        {
            raw.Open();
            using var cmd = raw.CreateCommand();
            cmd.CommandText = "DROP INDEX blocks_by_time; CREATE INDEX blocks_by_tag ON blocks(tag_id, first_ts); DELETE FROM meta WHERE key='max_block_span_ms';";
            cmd.ExecuteNonQuery();
        }
        using var reopened = Open();
        // The block starts two hours before the range: found only if the measured span bound covers it.
        Assert.Equal([2.0], reopened.ReadReadings("pump-0", "tag0", T0 - 10, T0).Select(r => r.Value));
        using var check = new SqliteConnection($"Data Source={path};Mode=ReadOnly;Pooling=False");
        check.Open();
        using var q = check.CreateCommand();
        q.CommandText = "SELECT group_concat(name) FROM sqlite_master WHERE type='index' AND tbl_name='blocks'";
        Assert.Equal("blocks_by_time", q.ExecuteScalar());
    }

    // New files get 2 KiB pages (fewer bytes per touched page in every commit); a file created with 4 KiB pages keeps
    // them, and the store's size estimates follow the file's real page size.
    [Fact]
    public void PageSize_NewFilesUse2KiB_ExistingFilesKeepTheirs()
    {
        using (var fresh = Open())
        {
            Assert.Equal(2048, fresh.PageSize);
        }
        var old = _dir.File("old.db");
        using (var raw = new SqliteConnection($"Data Source={old};Pooling=False"))
        {
            raw.Open();
            using var cmd = raw.CreateCommand();
            cmd.CommandText = "PRAGMA page_size=4096; CREATE TABLE t(x); DROP TABLE t;";
            cmd.ExecuteNonQuery();
        }
        using var store = new GatewayStore(TestData.Options(old), _counters, _time);
        Assert.Equal(4096, store.PageSize);
        store.CommitEventRevisions([TestData.Event("p1")]);
        Assert.Equal(1, store.PendingCount);
    }

    // Buffers start small and grow: a tag far above the first buffer size loses nothing.
    [Fact]
    public void Readings_BufferGrowsPastItsFirstSize()
    {
        using var store = Open();
        store.RegisterTags(TestData.Registry(assets: 1, tagsPerAsset: 2));
        for (var i = 0; i < 700; i++)
        {
            store.AppendReadings([new Reading(0, T0 + i, i)]);
        }
        store.AppendReadings([new Reading(1, T0, -1)]);
        Assert.Equal(701, store.BufferedReadings);
        store.FlushReadings();
        Assert.Equal(Enumerable.Range(0, 700).Select(i => (double)i), store.ReadReadings("pump-0", "tag0", long.MinValue, long.MaxValue).Select(r => r.Value));
        Assert.Equal([-1.0], store.ReadReadings("pump-0", "tag1", long.MinValue, long.MaxValue).Select(r => r.Value));
    }

    [Fact]
    public void Readings_FullTagBuffer_IsWrittenWithoutWaitingForFlush()
    {
        var options = TestData.Options(_dir.File("gw.db"));
        options.ReadingsBlockCapacity = 16;
        using var store = new GatewayStore(options, _counters, _time);
        store.RegisterTags(TestData.Registry(1, 1));
        for (var i = 0; i < 40; i++)
        {
            store.AppendReadings([new Reading(0, T0 + i, i)]);
        }
        Assert.Equal(2, store.GetStats().ReadingBlocks);
        Assert.Equal(8, store.BufferedReadings);
        Assert.Equal(32, store.ReadReadings("pump-0", "tag0", 0, long.MaxValue).Count);
    }

    [Fact]
    public void Readings_TagIdsStayStable_WhenTheRegistryOrderChanges()
    {
        using (var store = Open())
        {
            store.RegisterTags(new TagRegistry.Builder().AddAsset("m", "motor").AddTag("m", "speed").AddTag("m", "temp").Build());
            store.AppendReadings([new Reading(0, T0 + 1, 1500), new Reading(1, T0 + 1, 40)]);
        }
        using var reopened = Open();
        // New config: temp is declared first, so registry ids swap; history must still belong to the right names.
        reopened.RegisterTags(new TagRegistry.Builder().AddAsset("m", "motor").AddTag("m", "temp").AddTag("m", "speed").Build());
        reopened.AppendReadings([new Reading(0, T0 + 2, 41), new Reading(1, T0 + 2, 1600)]);
        reopened.FlushReadings();
        Assert.Equal([40.0, 41.0], reopened.ReadReadings("m", "temp", 0, long.MaxValue).Select(r => r.Value));
        Assert.Equal([1500.0, 1600.0], reopened.ReadReadings("m", "speed", 0, long.MaxValue).Select(r => r.Value));
    }

    [Fact]
    public void Readings_UnregisteredTag_Throws()
    {
        using var store = Open();
        store.RegisterTags(TestData.Registry(1, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => store.AppendReadings([new Reading(5, 1, 1)]));
    }

    [Fact]
    public void Retention_DeletesBlocksOlderThanMaxAge_AndKeepsYoungerOnes()
    {
        using var store = Open();
        store.RegisterTags(TestData.Registry(1, 3));
        var day = (long)TimeSpan.FromDays(1).TotalMilliseconds;
        store.AppendReadings([new Reading(0, T0 - (9 * day), 1), new Reading(1, T0 - (6 * day), 2), new Reading(2, T0 - day, 3)]);
        store.FlushReadings(); // writes 3 blocks, then retention (first flush) removes the 9-day-old one
        Assert.Equal(2, store.GetStats().ReadingBlocks);

        _time.Advance(TimeSpan.FromDays(2));
        store.AppendReadings([new Reading(0, T0, 4)]);
        store.FlushReadings();

        Assert.Empty(store.ReadReadings("pump-0", "tag1", 0, long.MaxValue));
        Assert.Equal([3.0], store.ReadReadings("pump-0", "tag2", 0, long.MaxValue).Select(r => r.Value));
        Assert.Equal([4.0], store.ReadReadings("pump-0", "tag0", 0, long.MaxValue).Select(r => r.Value));
        Assert.Equal(0, _counters.EvictedReadings); // age retention is not a cap eviction
    }

    [Fact]
    public void NewDatabase_IsWal_WithIncrementalAutoVacuum()
    {
        var path = _dir.File("gw.db");
        using var store = Open();
        using var probe = new SqliteConnection($"Data Source={path};Mode=ReadOnly;Pooling=False");
        probe.Open();
        using var cmd = probe.CreateCommand();
        cmd.CommandText = "PRAGMA journal_mode";
        Assert.Equal("wal", cmd.ExecuteScalar());
        cmd.CommandText = "PRAGMA auto_vacuum";
        Assert.Equal(2L, cmd.ExecuteScalar()); // 2 = incremental
    }

    public static TheoryData<string, Action<StoreOptions>> BadOptions => new()
    {
        { "Store:MaxDiskBytes must be >= 1 MiB", o => o.MaxDiskBytes = 1000 },
        { "Store:Path must be set", o => o.Path = " " },
        { "Store:ReadingsMaxAge must be >= 1 minute", o => o.ReadingsMaxAge = TimeSpan.FromSeconds(5) },
        { "Store:ReadingsFlushInterval must be between 100 ms and 10 minutes", o => o.ReadingsFlushInterval = TimeSpan.Zero },
        { "Store:ReadingsBlockCapacity must be between 16 and 65536", o => o.ReadingsBlockCapacity = 1 },
        { "Store:CacheKiB must be between 64 and 1048576", o => o.CacheKiB = 32 },
        { "Store:CacheKiB must be between 64 and 1048576", o => o.CacheKiB = 2_000_000 },
    };

    [Fact]
    public void CacheKiB_IsTheConnectionsPageCache()
    {
        var options = TestData.Options(_dir.File("gw.db"));
        Assert.Equal(512, options.CacheKiB);
        options.CacheKiB = 96;
        using var store = new GatewayStore(options, _counters, _time);
        Assert.Equal(-96, store.PragmaForTests("cache_size"));
    }

    [Theory]
    [MemberData(nameof(BadOptions))]
    public void Options_InvalidValue_IsReportedWithItsKey(string expected, Action<StoreOptions> spoil)
    {
        var options = new StoreOptions();
        Assert.Empty(options.Validate());
        spoil(options);
        Assert.Equal([expected], options.Validate());
    }
}
