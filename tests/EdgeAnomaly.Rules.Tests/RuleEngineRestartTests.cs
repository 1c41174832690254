using EdgeAnomaly.Core.Events;
using EdgeAnomaly.Core.Readings;
using EdgeAnomaly.Core.Tags;

namespace EdgeAnomaly.Rules.Tests;

/// <summary>
/// A rule instance compiled after a restart (or a reload) starts active when its cause has an open event, so the
/// first reading that clears the rule closes that event, with the rule's own clear condition (hysteresis).
/// </summary>
public class RuleEngineRestartTests
{
    private static readonly TagRegistry Registry = new TagRegistry.Builder()
        .AddAsset("a1", "tank").AddTag("a1", "level.x")
        .Build();

    private static RuleEngine Compile(TagValues values, string extra = "") =>
        RuleEngine.Compile(RuleFile.Parse("version: 1\nrules:\n  - id: high\n    select: { assetType: tank }\n    when: level.x > 5\n" + extra +
            "    severity: warning\n    cooldown: 0s\n", "rules.yaml"), Registry, values);

    private static void Feed(RuleEngine engine, TagValues values, IConditionSink sink, long ms, double value)
    {
        var reading = new Reading(0, ms, value);
        values.Update(reading);
        engine.OnReading(reading, sink);
    }

    /// <summary>Runs T (0), T+20 (6) on one engine and tracker, then "restarts" both, restoring the committed open event.</summary>
    private static (RuleEngine Engine, TagValues Values, EventTracker Tracker, GatewayEvent Open) RestartMidEpisode(string extra = "")
    {
        var values = new TagValues(Registry.TagCount);
        var engine = Compile(values, extra);
        var tracker = new EventTracker("gw", Registry, values);
        Feed(engine, values, tracker, 0, 0);
        Feed(engine, values, tracker, 20_000, 6);
        var committed = new List<GatewayEvent>();
        tracker.DrainRevisions(committed);
        var open = Assert.Single(committed);

        var restartedValues = new TagValues(Registry.TagCount);
        var restartedTracker = new EventTracker("gw", Registry, restartedValues);
        restartedTracker.Restore([new CauseCheckpoint(open.Asset, open.Source, open.DecidedThroughMs!.Value, open)], [open], nowMs: 30_000);
        return (Compile(restartedValues, extra), restartedValues, restartedTracker, open);
    }

    [Fact]
    public void OnReading_AfterRestartWithOpenEvent_FirstFalseReadingClosesIt_NextEpisodeIsItsOwnEvent()
    {
        var (engine, values, tracker, open) = RestartMidEpisode();

        Feed(engine, values, tracker, 40_000, 0);
        Feed(engine, values, tracker, 60_000, 6);
        Feed(engine, values, tracker, 80_000, 0);
        var revisions = new List<GatewayEvent>();
        tracker.DrainRevisions(revisions);

        Assert.Equal(
            [$"{open.Id} closed 20000..40000", $"{EventIds.Create("gw", "a1", "rule:high", 60_000)} open 60000..", $"{EventIds.Create("gw", "a1", "rule:high", 60_000)} closed 60000..80000"],
            revisions.Select(e => $"{e.Id} {e.State.ToWire()} {e.StartMs}..{e.EndMs}"));
    }

    [Fact]
    public void OnReading_AfterRestartWithOpenEvent_HysteresisStillHoldsUntilTheClearCondition()
    {
        var (engine, values, tracker, open) = RestartMidEpisode("    clear: level.x < 3\n");

        Feed(engine, values, tracker, 40_000, 4); // below the trigger, above the clear level: still active
        var revisions = new List<GatewayEvent>();
        tracker.DrainRevisions(revisions);
        Assert.Empty(revisions);

        Feed(engine, values, tracker, 60_000, 2);
        tracker.DrainRevisions(revisions);
        var closed = Assert.Single(revisions);
        Assert.Equal((open.Id, EventState.Closed, (long?)60_000), (closed.Id, closed.State, closed.EndMs));
    }

    [Fact]
    public void OnReading_SinkWithoutOpenEvents_StartsInactive()
    {
        var values = new TagValues(Registry.TagCount);
        var engine = Compile(values);
        var sink = new RecordingSink();
        Feed(engine, values, sink, 0, 0);
        Feed(engine, values, sink, 20_000, 6);
        Feed(engine, values, sink, 40_000, 0);
        Assert.Equal("a1@20000:on a1@40000:off", sink.Trace());
    }
}
