using EdgeAnomaly.Core.Diagnostics;
using EdgeAnomaly.Core.Events;
using EdgeAnomaly.Core.Readings;
using EdgeAnomaly.TestSupport;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Time.Testing;
using Xunit.Abstractions;

namespace EdgeAnomaly.Storage.Tests;

/// <summary>
/// The store when space runs out: the configured cap full of unsent events (issue 14, defect 4) and a real file
/// system that fills up and empties again (defect 3).
/// </summary>
public sealed class FullDiskTests(ITestOutputHelper output) : IDisposable
{
    private readonly TempDirectory _dir = new();
    private readonly GatewayCounters _counters = new();
    private readonly FakeTimeProvider _time = new(DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_000_000));
    private readonly Random _rng = new(14);

    public void Dispose() => _dir.Dispose();

    private static long Length(string path) => File.Exists(path) ? new FileInfo(path).Length : 0;

    private static long FilesOnDisk(string db) => Length(db) + Length(db + "-wal");

    private void AppendNoisy(GatewayStore store, Reading[] batch, long ts)
    {
        for (var t = 0; t < batch.Length; t++)
        {
            batch[t] = new Reading(t, ts, _rng.NextDouble() * 100);
        }
        store.AppendReadings(batch);
    }

    // Defect 4: 4 MiB cap, central down until only unsent events are left; then readings-only traffic evicted
    // unsent events (warnings 341 -> 281, info 2 -> 0 within 5 s). New readings are what must go.
    [Fact]
    public void DiskCap_OnlyUnsentEventsLeft_NewReadingsAreDroppedAndCounted_NoEventIsEvicted()
    {
        const long cap = 4 * StoreOptions.MiB;
        var db = _dir.File("unsent.db");
        using var store = new GatewayStore(TestData.Options(db, cap), _counters, _time);
        var registry = TestData.Registry(assets: 4, tagsPerAsset: 25);
        store.RegisterTags(registry);
        var batch = new Reading[registry.TagCount];
        var t0 = _time.GetUtcNow().ToUnixTimeMilliseconds();

        // Readings history first, then unsent events (the central broker is down) until they have pushed out every
        // reading block and the cap is full of them.
        for (var step = 0; step < 300; step++)
        {
            AppendNoisy(store, batch, t0 + (step * 100));
        }
        store.FlushReadings();
        Assert.True(store.GetStats().ReadingBlocks > 0);
        var i = 0;
        while (store.GetStats().ReadingBlocks > 0 || _counters.EvictedEvents == 0)
        {
            var severity = i % 50 == 0 ? Severity.Info : Severity.Warning;
            store.CommitEventRevisions([TestData.Event($"e{i:D5}", severity: severity, startMs: t0 + i, messageBytes: 1500)]);
            i++;
            Assert.True(i < 20_000, "the cap never filled with events");
        }
        var eventsBefore = store.ListEvents(int.MaxValue).Select(e => e.Event.Id).ToHashSet();
        var pendingBefore = store.PendingCount;
        var evictedEventsBefore = _counters.EvictedEvents;
        output.WriteLine($"{eventsBefore.Count} unsent events fill the cap ({FilesOnDisk(db)} bytes), {evictedEventsBefore} evicted to get there");

        // Readings-only traffic: 50 flush intervals of noisy readings for 100 tags.
        long appended = 0;
        for (var flush = 0; flush < 50; flush++)
        {
            for (var step = 0; step < 30; step++)
            {
                AppendNoisy(store, batch, t0 + 1_000_000 + (((flush * 30) + step) * 100));
                appended += batch.Length;
            }
            store.FlushReadings();
            Assert.True(FilesOnDisk(db) <= cap, $"after flush {flush}: {FilesOnDisk(db)} > {cap}");
        }

        var eventsAfter = store.ListEvents(int.MaxValue).Select(e => e.Event.Id).ToHashSet();
        output.WriteLine($"after readings-only traffic: {eventsAfter.Count} events, {store.GetStats().ReadingBlocks} blocks, {_counters.ReadingsDroppedDiskFull} of {appended} readings dropped");
        Assert.Equal(evictedEventsBefore, _counters.EvictedEvents);
        Assert.Equal(eventsBefore, eventsAfter);
        Assert.Equal(pendingBefore, store.PendingCount);
        Assert.Equal(0, store.GetStats().ReadingBlocks);
        Assert.Equal(appended, _counters.ReadingsDroppedDiskFull);
    }

    // Defect 3 on a real file system: a 20 MB tmpfs, first with 6 MB free, then filled to the last byte, then emptied.
    [SmallDiskFact]
    public void FullFileSystem_EventsKeepCommitting_ReadingsAreShed_DiskFullIsReported_RecoversWhenSpaceReturns_WalStaysBounded()
    {
        const long reserve = StoreOptions.MiB;
        using var disk = new SmallDisk(20 * StoreOptions.MiB);
        var db = disk.File("store.db");
        var wal = db + "-wal";
        disk.Fill("ballast-1", leaveFree: 6 * StoreOptions.MiB);
        // The default cap (1 GiB) is far more than the disk has: the free space is what limits the store.
        using var store = new GatewayStore(new StoreOptions { Path = db, FreeSpaceReserveBytes = reserve }, _counters, _time);
        var registry = TestData.Registry(assets: 4, tagsPerAsset: 25);
        store.RegisterTags(registry);
        var batch = new Reading[registry.TagCount];
        var t0 = _time.GetUtcNow().ToUnixTimeMilliseconds();
        var committed = new List<string>();
        var maxWal = 0L;
        var step = 0;

        void Step(bool withEvent)
        {
            AppendNoisy(store, batch, t0 + (step * 100));
            if (step % 10 == 9)
            {
                store.FlushReadings();
            }
            if (withEvent)
            {
                var id = $"ev-{step:D6}";
                store.CommitEventRevisions([TestData.Event(id, severity: step % 3 == 0 ? Severity.Critical : Severity.Warning, startMs: t0 + step, messageBytes: 1500)]);
                committed.Add(id);
            }
            maxWal = Math.Max(maxWal, Length(wal));
            step++;
        }

        // 1. Room for 5 MB: the store grows until only the reserve is free, then sheds readings history to stay there.
        while (_counters.EvictedReadings == 0)
        {
            Step(withEvent: step % 20 == 0);
            Assert.True(step < 100_000, "the store never reached the free-space limit");
        }
        for (var n = 0; n < 400; n++)
        {
            Step(withEvent: step % 20 == 0);
        }
        output.WriteLine($"limited by free space: files {FilesOnDisk(db)}, free {disk.FreeBytes}, wal max {maxWal}, evicted readings {_counters.EvictedReadings}");
        Assert.True(disk.FreeBytes >= reserve / 2, $"readings history took the reserve: {disk.FreeBytes} bytes free");
        Assert.True(maxWal <= 2 * StoreOptions.MiB, $"WAL grew to {maxWal} bytes on a 6 MB disk");

        // 2. Something else takes the last byte. Events still commit (readings history makes room), readings are shed.
        disk.Fill("ballast-2");
        Assert.True(disk.FreeBytes < 64 * 1024, $"{disk.FreeBytes} bytes still free");
        var shedBefore = _counters.EvictedReadings + _counters.ReadingsDroppedDiskFull;
        var eventsWhileFull = 0;
        for (var n = 0; n < 300; n++)
        {
            Step(withEvent: n % 3 == 0);
            eventsWhileFull += n % 3 == 0 ? 1 : 0;
        }
        output.WriteLine($"disk full: {eventsWhileFull} events committed, readings evicted {_counters.EvictedReadings}, dropped {_counters.ReadingsDroppedDiskFull}, failed writes {_counters.DiskWriteFailures}, wal max {maxWal}");
        Assert.True(store.DiskFull, "the store reports the full disk");
        Assert.True(_counters.EvictedReadings + _counters.ReadingsDroppedDiskFull > shedBefore, "readings history was shed");
        Assert.Equal(0, _counters.EvictedEvents);

        // 3. Space returns: the store notices by itself, writes history again, and the WAL stays within its budget.
        disk.Delete("ballast-2");
        disk.Delete("ballast-1");
        store.MaintainDisk();
        Assert.False(store.DiskFull, "disk_full clears once space is back");
        var droppedBefore = _counters.ReadingsDroppedDiskFull;
        var walOverBudget = 0L;
        for (var n = 0; n < 600; n++)
        {
            Step(withEvent: n % 2 == 0);
            walOverBudget = Math.Max(walOverBudget, Length(wal) - store.WalBudgetBytes);
            Assert.True(Length(wal) <= 5 * StoreOptions.MiB, $"WAL at {Length(wal)} bytes after space returned");
        }
        Assert.Equal(droppedBefore, _counters.ReadingsDroppedDiskFull);
        Assert.False(store.DiskFull);
        Assert.True(walOverBudget <= 0, $"WAL passed its budget by {walOverBudget} bytes");

        // Every event whose commit returned is there, none evicted, and the file is sound.
        foreach (var id in committed)
        {
            Assert.NotNull(store.GetEvent(id));
        }
        Assert.Equal(committed.Count, store.PendingCount);
        using var check = new SqliteConnection($"Data Source={db};Mode=ReadOnly;Pooling=False");
        check.Open();
        using var cmd = check.CreateCommand();
        cmd.CommandText = "PRAGMA integrity_check";
        Assert.Equal("ok", cmd.ExecuteScalar() as string);
    }
}
