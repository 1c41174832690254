using EdgeAnomaly.Core.Events;
using EdgeAnomaly.Core.Readings;
using EdgeAnomaly.Core.Tags;

namespace EdgeAnomaly.Core.Tests.Events;

public sealed class EventTrackerTests
{
    private readonly TagRegistry _registry = new TagRegistry.Builder()
        .AddAsset("pump-1", "pump").AddTag("pump-1", "current.a", "A", 1).AddTag("pump-1", "pressure.bar", "bar", 1)
        .AddAsset("pump-2", "pump").AddTag("pump-2", "current.a", "A", 1)
        .Build();

    private readonly TagValues _values;
    private readonly EventTracker _tracker;

    public EventTrackerTests()
    {
        _values = new TagValues(_registry.TagCount);
        _tracker = new EventTracker("gw-1", _registry, _values);
    }

    private ConditionSource Source(string key = "rule:overcurrent", Severity severity = Severity.Critical, int asset = 0, TimeSpan? cooldown = null) =>
        new(key, EventKind.Rule, severity, asset, _registry.GetAsset(asset).Name, [_registry.GetAsset(asset).TagIds[0]], ["current.a"],
            cooldown ?? TimeSpan.FromMinutes(5), "{asset}: current {current.a} A above {threshold} A");

    private List<GatewayEvent> Drain()
    {
        var list = new List<GatewayEvent>();
        _tracker.DrainRevisions(list);
        return list;
    }

    [Fact]
    public void Report_FirstActive_OpensEventWithRenderedMessageAndDeterministicId()
    {
        _values.Update(new Reading(0, 1000, 13.5));
        _tracker.Report(Source(), true, new ConditionSample(1000, 13.5, 1, 12));

        var e = Assert.Single(Drain());
        Assert.Equal(EventState.Open, e.State);
        Assert.Equal(1, e.Revision);
        Assert.Equal("pump-1: current 13.5 A above 12 A", e.Message);
        Assert.Equal(EventIds.Create("gw-1", "pump-1", "rule:overcurrent", 1000), e.Id);
        Assert.Contains("recent values [13.5]", e.Explanation, StringComparison.Ordinal);
        Assert.Equal(1, _tracker.OpenAlarmCount);
    }

    [Fact]
    public void Report_StillActive_EmitsNothingButTracksPeakIntoTheCloseRevision()
    {
        var source = Source();
        _tracker.Report(source, true, new ConditionSample(1000, 13, 1, 12));
        _tracker.Report(source, true, new ConditionSample(2000, 15, 1, 12));
        _tracker.Report(source, true, new ConditionSample(3000, 14, 1, 12));
        Assert.Single(Drain());

        _tracker.Report(source, false, new ConditionSample(4000, 11, 0, 12));
        var closed = Assert.Single(Drain());
        Assert.Equal(EventState.Closed, closed.State);
        Assert.Equal(2, closed.Revision);
        Assert.Equal(4000, closed.EndMs);
        Assert.Equal(15, closed.PeakValue);
        Assert.Equal(0, _tracker.OpenAlarmCount);
    }

    [Theory]
    [InlineData(60_000, true)]    // 1 min after close, cooldown 5 min: same event
    [InlineData(299_000, true)]
    [InlineData(301_000, false)]  // past the window: a new event
    public void Report_ReactivationInsideCooldown_JoinsThePreviousEvent(long gapMs, bool sameEvent)
    {
        var source = Source();
        _tracker.Report(source, true, new ConditionSample(1000, 13, 1, 12));
        _tracker.Report(source, false, new ConditionSample(2000, 11, 0, 12));
        var first = Drain()[0];

        _tracker.Report(source, true, new ConditionSample(2000 + gapMs, 13, 1, 12));
        var next = Assert.Single(Drain());
        Assert.Equal(sameEvent, next.Id == first.Id);
        Assert.Equal(sameEvent ? 3 : 1, next.Revision);
        Assert.Equal(sameEvent ? 2 : 1, next.Occurrences);
        Assert.Equal(EventState.Open, next.State);
    }

    [Fact]
    public void Report_InactiveWithoutOpenEvent_EmitsNothing()
    {
        _tracker.Report(Source(), false, new ConditionSample(1000, 1, 0, 12));
        Assert.Empty(Drain());
    }

    [Theory]
    [InlineData(Severity.Info, 0)]
    [InlineData(Severity.Warning, 1)]
    [InlineData(Severity.Critical, 1)]
    public void OpenAlarmCount_CountsOnlyWarningAndCritical(Severity severity, int expected)
    {
        _tracker.Report(Source(severity: severity), true, new ConditionSample(1, 1, 1, 0));
        Assert.Equal(expected, _tracker.OpenAlarmCount);
        Assert.Equal(1, _tracker.OpenCount);
    }

    [Fact]
    public void Restore_OpenEventNotReconfirmed_IsClosedAfterGrace()
    {
        _tracker.Report(Source(), true, new ConditionSample(1000, 13, 1, 12));
        var open = Drain()[0];

        var restarted = new EventTracker("gw-1", _registry, _values);
        restarted.Restore([open], nowMs: 10_000);
        Assert.Equal(1, restarted.OpenAlarmCount);
        restarted.Tick(20_000, TimeSpan.FromSeconds(60));
        var none = new List<GatewayEvent>();
        restarted.DrainRevisions(none);
        Assert.Empty(none);

        restarted.Tick(70_000, TimeSpan.FromSeconds(60));
        restarted.DrainRevisions(none);
        var closed = Assert.Single(none);
        Assert.Equal(open.Id, closed.Id);
        Assert.Equal(EventState.Closed, closed.State);
        Assert.Equal(0, restarted.OpenAlarmCount);
    }

    [Fact]
    public void Restore_ReconfirmedByNewSourceInstance_ContinuesTheSameEvent()
    {
        _tracker.Report(Source(), true, new ConditionSample(1000, 13, 1, 12));
        var open = Drain()[0];

        var restarted = new EventTracker("gw-1", _registry, _values);
        restarted.Restore([open], nowMs: 10_000);
        var fresh = Source();
        restarted.Report(fresh, true, new ConditionSample(11_000, 14, 1, 12));
        restarted.Tick(100_000, TimeSpan.FromSeconds(60));
        restarted.Report(fresh, false, new ConditionSample(101_000, 10, 0, 12));
        var revisions = new List<GatewayEvent>();
        restarted.DrainRevisions(revisions);
        var closed = Assert.Single(revisions);
        Assert.Equal(open.Id, closed.Id);
        Assert.Equal(2, closed.Revision);
        Assert.Equal(101_000, closed.EndMs);
    }

    [Fact]
    public void Report_SameCauseOnTwoAssets_OpensTwoEvents()
    {
        _tracker.Report(Source(asset: 0), true, new ConditionSample(1000, 13, 1, 12));
        _tracker.Report(Source(asset: 1), true, new ConditionSample(1000, 13, 1, 12));
        var events = Drain();
        Assert.Equal(2, events.Count);
        Assert.NotEqual(events[0].Id, events[1].Id);
    }

    [Fact]
    public void Explanation_IncludesDetailAndSecondaryTags()
    {
        var source = new ConditionSource("rule:x", EventKind.Rule, Severity.Warning, 0, "pump-1", [0, 1], ["current.a", "pressure.bar"],
            TimeSpan.FromMinutes(5), "") { Detail = () => "extra words" };
        _values.Update(new Reading(1, 900, 3.25));
        _tracker.Report(source, true, new ConditionSample(1000, 13, 1, double.NaN));
        var e = Drain()[0];
        Assert.Contains("pressure.bar = 3.25", e.Explanation, StringComparison.Ordinal);
        Assert.Contains("extra words", e.Explanation, StringComparison.Ordinal);
        Assert.Equal("pump-1: current.a = 13", e.Message);
    }
}
