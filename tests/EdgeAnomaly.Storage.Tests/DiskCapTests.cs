using EdgeAnomaly.Core.Diagnostics;
using EdgeAnomaly.Core.Events;
using EdgeAnomaly.Core.Readings;
using EdgeAnomaly.TestSupport;
using Microsoft.Extensions.Time.Testing;
using Xunit.Abstractions;

namespace EdgeAnomaly.Storage.Tests;

public sealed class DiskCapTests(ITestOutputHelper output) : IDisposable
{
    private const long Cap = 2 * StoreOptions.MiB;
    private const int Commits = 450; // about 6 KB each: twice what fits under the cap
    private readonly TempDirectory _dir = new();
    private readonly GatewayCounters _counters = new();
    private readonly FakeTimeProvider _time = new(DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_000_000));

    public void Dispose() => _dir.Dispose();

    private long FilesOnDisk(string db) => Length(db) + Length(db + "-wal");

    private static long Length(string path) => File.Exists(path) ? new FileInfo(path).Length : 0;

    [Fact]
    public void DiskCap_ReadingsAndUnsentEvents_NeverExceedCap_EvictReadingsFirst_AndCountEverything()
    {
        var db = _dir.File("cap.db");
        using var store = new GatewayStore(TestData.Options(db, Cap), _counters, _time);
        var registry = TestData.Registry(assets: 4, tagsPerAsset: 25);
        store.RegisterTags(registry);
        var rng = new Random(42);
        var batch = new Reading[registry.TagCount];
        var t0 = _time.GetUtcNow().ToUnixTimeMilliseconds();
        long readingsAppended = 0;
        var committed = new List<(string Id, Severity Severity)>();
        var maxSeen = 0L;
        var eventsEvictedWhileReadingsRemained = 0;

        for (var step = 0; step < 3000; step++)
        {
            // Phase 1 (steps < 600): readings only, noisy so blocks are big. Then readings and events together.
            for (var t = 0; t < batch.Length; t++)
            {
                batch[t] = new Reading(t, t0 + (step * 100), rng.NextDouble() * 100);
            }
            store.AppendReadings(batch);
            readingsAppended += batch.Length;
            if (step % 10 == 9)
            {
                store.FlushReadings();
                maxSeen = Math.Max(maxSeen, FilesOnDisk(db));
                Assert.True(FilesOnDisk(db) <= Cap, $"after flush at step {step}: {FilesOnDisk(db)} > {Cap}");
            }
            if (step >= 600 && step % 2 == 0)
            {
                var severity = (Severity)(rng.Next(10) switch { < 6 => 0, < 9 => 1, _ => 2 });
                var id = $"ev-{step:D5}";
                var evictedBefore = _counters.EvictedEvents;
                var blocksBefore = store.GetStats().ReadingBlocks;
                store.CommitEventRevisions([TestData.Event(id, severity: severity, startMs: t0 + step, messageBytes: 1500)]);
                committed.Add((id, severity));
                if (_counters.EvictedEvents > evictedBefore && blocksBefore > 0 && store.GetStats().ReadingBlocks > 0)
                {
                    eventsEvictedWhileReadingsRemained++;
                }
                maxSeen = Math.Max(maxSeen, FilesOnDisk(db));
                Assert.True(FilesOnDisk(db) <= Cap, $"after commit at step {step}: {FilesOnDisk(db)} > {Cap}");
            }
        }
        store.FlushReadings();
        Assert.True(FilesOnDisk(db) <= Cap);

        var stored = store.ListEvents(int.MaxValue).ToDictionary(e => e.Event.Id);
        long readingsStored = 0;
        foreach (var tag in registry.Tags)
        {
            readingsStored += store.ReadReadings(tag.Asset, tag.Name, long.MinValue, long.MaxValue).Count;
        }
        output.WriteLine($"max on disk {maxSeen} of {Cap}; readings evicted {_counters.EvictedReadings}, events evicted {_counters.EvictedEvents}, events kept {stored.Count}, blocks {store.GetStats().ReadingBlocks}");

        Assert.True(_counters.EvictedReadings > 0, "readings history was evicted");
        // Once only unsent events are left, new readings are dropped (counted) instead of evicting them (issue 14, defect 4).
        Assert.Equal(readingsAppended - readingsStored, _counters.EvictedReadings + _counters.ReadingsDroppedDiskFull);
        Assert.Equal(committed.Count - stored.Count, _counters.EvictedEvents);
        Assert.Equal(stored.Count, store.PendingCount);
        Assert.Equal(0, eventsEvictedWhileReadingsRemained);
    }

    [Fact]
    public void DiskCap_OnlyUnsentEvents_EvictsInfoBeforeWarningBeforeCritical_OldestFirst()
    {
        var db = _dir.File("ev.db");
        using var store = new GatewayStore(TestData.Options(db, Cap), _counters, _time);
        var severities = new[] { Severity.Info, Severity.Warning, Severity.Critical, Severity.Info, Severity.Warning };
        var seq = new Dictionary<string, (int Index, Severity Severity)>();
        var violations = new List<string>();
        for (var i = 0; i < Commits; i++)
        {
            var before = store.ListEvents(int.MaxValue).Select(e => e.Event.Id).ToHashSet();
            var id = $"e{i:D5}";
            var severity = severities[i % severities.Length];
            seq[id] = (i, severity);
            store.CommitEventRevisions([TestData.Event(id, severity: severity, startMs: i, messageBytes: 6000)]);
            Assert.True(FilesOnDisk(db) <= Cap, $"after commit {i}: {FilesOnDisk(db)} > {Cap}");
            var after = store.ListEvents(int.MaxValue).Select(e => e.Event.Id).ToHashSet();
            var evicted = before.Where(x => !after.Contains(x)).ToList();
            // Each evicted event must have been the least severe, and oldest of that severity, among those present.
            foreach (var gone in evicted)
            {
                var (index, sev) = seq[gone];
                var skipped = before.Where(x => after.Contains(x) && (seq[x].Severity < sev || (seq[x].Severity == sev && seq[x].Index < index))).ToList();
                if (skipped.Count > 0)
                {
                    violations.Add($"{gone} ({sev}) evicted while {skipped[0]} ({seq[skipped[0]].Severity}) stayed");
                }
            }
        }
        var remaining = store.ListEvents(int.MaxValue).Select(e => seq[e.Event.Id].Severity).ToList();
        output.WriteLine($"evicted {_counters.EvictedEvents}, kept {remaining.Count}: {remaining.Count(s => s == Severity.Info)} info, {remaining.Count(s => s == Severity.Warning)} warning, {remaining.Count(s => s == Severity.Critical)} critical");
        Assert.Empty(violations);
        Assert.True(_counters.EvictedEvents > 0);
        Assert.Equal(Commits - remaining.Count, _counters.EvictedEvents);
        Assert.Contains(Severity.Critical, remaining);
    }

    [Fact]
    public void DiskCap_DeliveredEvents_AreEvictedBeforeUnsentOnes_ClosedFirst()
    {
        var db = _dir.File("dl.db");
        using var store = new GatewayStore(TestData.Options(db, Cap), _counters, _time);
        // 100 delivered events (half open, half closed), then a stream of unsent info events.
        for (var i = 0; i < 100; i++)
        {
            store.CommitEventRevisions([TestData.Event($"d{i:D3}", state: i % 2 == 0 ? EventState.Open : EventState.Closed, startMs: i, messageBytes: 6000)]);
        }
        store.MarkDelivered(store.ReadPendingOutbox(0, 1000).Select(r => r.Seq).ToArray());
        var unsentEvictedWhileDeliveredRemained = false;
        var openEvictedWhileClosedRemained = false;
        for (var i = 0; i < Commits && !unsentEvictedWhileDeliveredRemained; i++)
        {
            var beforeEvicted = _counters.EvictedEvents;
            var before = store.ListEvents(int.MaxValue);
            store.CommitEventRevisions([TestData.Event($"u{i:D4}", severity: Severity.Info, startMs: 1000 + i, messageBytes: 6000)]);
            Assert.True(FilesOnDisk(db) <= Cap);
            if (_counters.EvictedEvents == beforeEvicted)
            {
                continue;
            }
            var after = store.ListEvents(int.MaxValue).Select(e => e.Event.Id).ToHashSet();
            var gone = before.Where(e => !after.Contains(e.Event.Id)).ToList();
            var deliveredLeft = before.Where(e => e.Delivered && after.Contains(e.Event.Id)).ToList();
            unsentEvictedWhileDeliveredRemained |= gone.Any(e => !e.Delivered) && deliveredLeft.Count > 0;
            openEvictedWhileClosedRemained |= gone.Any(e => e.Event.State == EventState.Open) && deliveredLeft.Any(e => e.Event.State == EventState.Closed);
        }
        Assert.False(unsentEvictedWhileDeliveredRemained);
        Assert.False(openEvictedWhileClosedRemained);
        Assert.DoesNotContain(store.ListEvents(int.MaxValue), e => e.Delivered); // all delivered ones went first
    }
    // Central broker down, disk full of unsent events: the store stops scanning for delivered events once a scan found
    // none, but an acknowledgement arriving later makes its events the next to go again, before any unsent one.
    [Fact]
    public void DiskCap_DeliveredAfterAnOutage_AreEvictedBeforeUnsentOnes()
    {
        var db = _dir.File("late.db");
        using var store = new GatewayStore(TestData.Options(db, Cap), _counters, _time);
        var i = 0;
        while (_counters.EvictedEvents == 0)
        {
            store.CommitEventRevisions([TestData.Event($"u{i:D4}", severity: Severity.Critical, startMs: i, messageBytes: 6000)]);
            i++;
            Assert.True(i < Commits, "the cap never made room");
        }
        // The link is back for a moment: the ten oldest pending revisions are acknowledged.
        var acked = store.ReadPendingOutbox(0, 10);
        Assert.Equal(10, store.MarkDeliveredRange(acked[0].Seq, acked[^1].Seq));
        var delivered = acked.Select(r => r.EventId).ToHashSet();
        Assert.All(delivered, id => Assert.True(store.GetEvent(id)!.Delivered));

        var evictedBefore = _counters.EvictedEvents;
        var unsentBefore = store.ListEvents(int.MaxValue).Where(e => !e.Delivered).Select(e => e.Event.Id).ToHashSet();
        while (_counters.EvictedEvents < evictedBefore + delivered.Count)
        {
            store.CommitEventRevisions([TestData.Event($"u{i:D4}", severity: Severity.Critical, startMs: i, messageBytes: 6000)]);
            i++;
            Assert.True(FilesOnDisk(db) <= Cap);
        }
        var left = store.ListEvents(int.MaxValue).Select(e => e.Event.Id).ToHashSet();
        Assert.DoesNotContain(left, delivered.Contains);
        Assert.All(unsentBefore, id => Assert.Contains(id, left)); // no unsent event went while a delivered one remained
    }
}
