using EdgeAnomaly.Core.Events;
using EdgeAnomaly.Core.Readings;
using EdgeAnomaly.Core.Tags;

namespace EdgeAnomaly.Core.Tests.Events;

/// <summary>
/// A restart continues the event history exactly: the decided-through mark of each cause keeps redelivered readings
/// from opening a second id, an open event is reported open to a fresh producer, and a closed one still reopens
/// inside its cooldown.
/// </summary>
public sealed class EventTrackerRestartTests
{
    private readonly TagRegistry _registry = new TagRegistry.Builder()
        .AddAsset("a1", "tank").AddTag("a1", "level.x")
        .AddAsset("a2", "tank").AddTag("a2", "level.x")
        .Build();

    private readonly TagValues _values;

    // Every revision committed so far, in commit order: what the store would hold.
    private readonly List<GatewayEvent> _committed = [];

    public EventTrackerRestartTests() => _values = new TagValues(_registry.TagCount);

    private ConditionSource Source(int asset = 0, TimeSpan? cooldown = null) =>
        new("rule:high", EventKind.Rule, Severity.Warning, asset, _registry.GetAsset(asset).Name, [_registry.GetAsset(asset).TagIds[0]], ["level.x"],
            cooldown ?? TimeSpan.Zero, "{asset}: level {value}");

    private EventTracker NewTracker() => new("gw-1", _registry, _values);

    private List<GatewayEvent> Commit(EventTracker tracker)
    {
        var revisions = new List<GatewayEvent>();
        tracker.DrainRevisions(revisions);
        _committed.AddRange(revisions);
        return revisions;
    }

    /// <summary>What GatewayStore keeps in cause_state: the newest decided reading time and the latest event per cause.</summary>
    private List<CauseCheckpoint> Checkpoints()
    {
        var byCause = new Dictionary<(string, string), CauseCheckpoint>();
        foreach (var e in _committed)
        {
            if (e.DecidedThroughMs is not { } decided)
            {
                continue;
            }
            var key = (e.Asset, e.Source);
            var through = byCause.TryGetValue(key, out var earlier) ? Math.Max(earlier.DecidedThroughMs, decided) : decided;
            byCause[key] = new CauseCheckpoint(e.Asset, e.Source, through, null);
        }
        var list = new List<CauseCheckpoint>();
        foreach (var c in byCause.Values)
        {
            var latest = _committed.FindLast(e => e.Asset == c.Asset && e.Source == c.Source);
            var latestRevision = _committed.FindLast(e => e.Id == latest!.Id);
            list.Add(c with { Latest = latestRevision });
        }
        return list;
    }

    private List<GatewayEvent> OpenEvents()
    {
        var latest = new Dictionary<string, GatewayEvent>();
        foreach (var e in _committed)
        {
            latest[e.Id] = e;
        }
        return [.. latest.Values.Where(e => e.State == EventState.Open)];
    }

    private EventTracker Restart(long nowMs)
    {
        var restarted = NewTracker();
        restarted.Restore(Checkpoints(), OpenEvents(), nowMs);
        return restarted;
    }

    private static ConditionSample At(long ms, double value) => new(ms, value, value > 5 ? 1 : 0, 5);

    [Fact]
    public void Restore_RedeliveredReadingsOfACommittedEpisode_AreSkippedNotASecondId()
    {
        var tracker = NewTracker();
        var source = Source(asset: 1);
        tracker.Report(source, true, At(20_000, 6));
        tracker.Report(source, true, At(40_000, 8));
        tracker.Report(source, false, At(60_000, 0));
        var first = Commit(tracker);
        Assert.Equal(2, first.Count);
        Assert.All(first, e => Assert.Equal(first[0].Id, e.Id));

        // Crash before the broker saw the acknowledgements: T+40 (8) and T+60 (0) come again.
        var restarted = Restart(nowMs: 100_000);
        var fresh = Source(asset: 1);
        Assert.False(restarted.IsOpen(fresh));
        restarted.Report(fresh, true, At(40_000, 8));
        restarted.Report(fresh, false, At(60_000, 0));
        Assert.Empty(Commit(restarted));
        Assert.Equal(2, restarted.SkippedReplays);

        // Newer readings are live traffic again: a new episode gets its own id.
        restarted.Report(fresh, true, At(80_000, 7));
        var next = Assert.Single(Commit(restarted));
        Assert.Equal(EventIds.Create("gw-1", "a2", "rule:high", 80_000), next.Id);
        Assert.NotEqual(first[0].Id, next.Id);
    }

    [Fact]
    public void Restore_OpenEvent_IsReportedOpenToAFreshSourceAndClosesOnItsFirstClearReport()
    {
        var tracker = NewTracker();
        tracker.Report(Source(), true, At(20_000, 6));
        var opened = Assert.Single(Commit(tracker));

        var restarted = Restart(nowMs: 30_000);
        var fresh = Source();
        Assert.True(restarted.IsOpen(fresh));
        Assert.Equal(1, restarted.OpenCount);
        restarted.Report(fresh, false, At(40_000, 0));
        restarted.Report(fresh, true, At(60_000, 6));
        restarted.Report(fresh, false, At(80_000, 0));
        var revisions = Commit(restarted);

        Assert.Equal(3, revisions.Count);
        Assert.Equal((opened.Id, EventState.Closed, 20_000L, (long?)40_000), (revisions[0].Id, revisions[0].State, revisions[0].StartMs, revisions[0].EndMs));
        Assert.Equal(EventIds.Create("gw-1", "a1", "rule:high", 60_000), revisions[1].Id);
        Assert.Equal((EventState.Closed, 60_000L, (long?)80_000), (revisions[2].State, revisions[2].StartMs, revisions[2].EndMs));
        Assert.Equal(0, restarted.OpenCount);
    }

    [Fact]
    public void Restore_ClosedEventInsideItsCooldown_ReopensTheSameId()
    {
        var cooldown = TimeSpan.FromMinutes(1);
        var tracker = NewTracker();
        tracker.Report(Source(cooldown: cooldown), true, At(20_000, 6));
        tracker.Report(Source(cooldown: cooldown), false, At(40_000, 0));
        var first = Commit(tracker);

        var restarted = Restart(nowMs: 50_000);
        var fresh = Source(cooldown: cooldown);
        Assert.False(restarted.IsOpen(fresh));
        restarted.Report(fresh, true, At(70_000, 6));
        var reopened = Assert.Single(Commit(restarted));

        Assert.Equal(first[0].Id, reopened.Id);
        Assert.Equal(3, reopened.Revision);
        Assert.Equal(2, reopened.Occurrences);
    }

    [Fact]
    public void Restore_RedeliveredReadingsOfAnOpenEpisode_LeaveItOpenForTheNextLiveReading()
    {
        var tracker = NewTracker();
        tracker.Report(Source(), false, At(0, 0));
        tracker.Report(Source(), true, At(20_000, 6));
        var opened = Assert.Single(Commit(tracker));

        // Both readings of the committed batch come again; neither may close the event or open another.
        var restarted = Restart(nowMs: 30_000);
        var fresh = Source();
        restarted.Report(fresh, false, At(0, 0));
        restarted.Report(fresh, true, At(20_000, 6));
        Assert.Empty(Commit(restarted));
        Assert.True(restarted.IsOpen(fresh));

        restarted.Report(fresh, false, At(40_000, 0));
        var closed = Assert.Single(Commit(restarted));
        Assert.Equal((opened.Id, 2, (long?)40_000), (closed.Id, closed.Revision, closed.EndMs));
    }

    [Fact]
    public void Tick_OrphanClose_DecidesNoReadingTime()
    {
        var tracker = NewTracker();
        tracker.Report(Source(), true, At(20_000, 6));
        Assert.Equal(20_000, Assert.Single(Commit(tracker)).DecidedThroughMs);

        var restarted = Restart(nowMs: 30_000);
        restarted.Tick(100_000, TimeSpan.FromSeconds(60));
        var closed = Assert.Single(Commit(restarted));
        Assert.Equal(EventState.Closed, closed.State);
        Assert.Null(closed.DecidedThroughMs);

        // The wall-clock close did not move the mark: a reading after the last decided one is still live.
        var again = Restart(nowMs: 110_000);
        again.Report(Source(), true, At(30_000, 6));
        Assert.Single(Commit(again));
        Assert.Equal(0, again.SkippedReplays);
    }
}
