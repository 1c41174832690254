using EdgeAnomaly.Core.Events;
using EdgeAnomaly.Core.Readings;
using EdgeAnomaly.Core.Tags;

namespace EdgeAnomaly.Rules.Tests;

/// <summary>Records reports as the event tracker would receive them.</summary>
internal sealed class RecordingSink : IConditionSink
{
    public List<(ConditionSource Source, bool Active, ConditionSample Sample)> Reports { get; } = [];

    public void Report(ConditionSource source, bool active, in ConditionSample sample) => Reports.Add((source, active, sample));

    public string Trace() => string.Join(" ", Reports.Select(r => $"{r.Source.Asset}@{r.Sample.TimestampMs}:{(r.Active ? "on" : "off")}"));
}

/// <summary>A pump and motor fleet wired like the gateway: registry, values, engine, sink.</summary>
internal sealed class Fleet
{
    public Fleet(string rulesYaml)
    {
        Registry = new TagRegistry.Builder()
            .AddAsset("pump-1", "pump").AddTag("pump-1", "current.a").AddTag("pump-1", "pressure.bar").AddTag("pump-1", "flow.lpm")
            .AddAsset("pump-2", "pump").AddTag("pump-2", "current.a").AddTag("pump-2", "pressure.bar").AddTag("pump-2", "flow.lpm")
            .AddAsset("pump-3", "pump").AddTag("pump-3", "current.a").AddTag("pump-3", "pressure.bar")
            .AddAsset("motor-1", "motor").AddTag("motor-1", "current.a").AddTag("motor-1", "temperature.c").AddTag("motor-1", "vibration.rms")
            .Build();
        Values = new TagValues(Registry.TagCount);
        Engine = RuleEngine.Compile(RuleFile.Parse(rulesYaml, "rules.yaml"), Registry, Values);
    }

    public TagRegistry Registry { get; }

    public TagValues Values { get; }

    public RuleEngine Engine { get; }

    public RecordingSink Sink { get; } = new();

    public int Tag(string asset, string tag)
    {
        Assert.True(Registry.TryGetTag(asset, tag, out var id), $"{asset}/{tag}");
        return id;
    }

    public void Feed(string asset, string tag, long timestampMs, double value)
    {
        var reading = new Reading(Tag(asset, tag), timestampMs, value);
        Values.Update(reading);
        Engine.OnReading(reading, Sink);
    }

    public static string Rule(string body) => "version: 1\nrules:\n  - id: r\n" + body;
}

public class RuleEngineTests
{
    [Fact]
    public void Compile_AssetTypeSelector_BindsOneInstancePerMatchingAsset()
    {
        var fleet = new Fleet(Fleet.Rule("    select: { assetType: pump }\n    when: current.a > 12\n    severity: critical\n    cooldown: 2m\n    message: \"{asset} hot\"\n"));

        Assert.Equal(3, fleet.Engine.InstanceCount);
        Assert.Empty(fleet.Engine.Warnings);
        var sources = fleet.Engine.Sources.ToList();
        Assert.Equal(["pump-1", "pump-2", "pump-3"], sources.Select(s => s.Asset));
        var first = sources[0];
        Assert.Equal("rule:r", first.Key);
        Assert.Equal(EventKind.Rule, first.Kind);
        Assert.Equal(Severity.Critical, first.Severity);
        Assert.Equal(fleet.Registry.GetAsset(0).Id, first.AssetId);
        Assert.Equal([fleet.Tag("pump-1", "current.a")], first.TagIds);
        Assert.Equal(["current.a"], first.TagNames);
        Assert.Equal(TimeSpan.FromMinutes(2), first.Cooldown);
        Assert.Equal("{asset} hot", first.MessageTemplate);
    }

    [Theory]
    [InlineData("asset: \"pump-*\"", "pump-1 pump-2 pump-3")]
    [InlineData("asset: \"pump-?\"", "pump-1 pump-2 pump-3")]
    [InlineData("asset: pump-2", "pump-2")]
    [InlineData("asset: [pump-1, \"motor-*\"]", "pump-1 motor-1")]
    [InlineData("asset: \"*\"", "pump-1 pump-2 pump-3 motor-1")]
    [InlineData("asset: \"*-1\"", "pump-1 motor-1")]
    [InlineData("assetType: motor", "motor-1")]
    [InlineData("assetType: [motor, pump]", "pump-1 pump-2 pump-3 motor-1")]
    [InlineData("{ asset: \"*-1\", assetType: pump }", "pump-1")]
    public void Compile_Selector_MatchesAssetsByGlobAndType(string select, string expectedAssets)
    {
        var selectLine = select.StartsWith('{') ? "    select: " + select : "    select: { " + select + " }";
        var fleet = new Fleet(Fleet.Rule(selectLine + "\n    when: current.a > 12\n"));
        Assert.Equal(expectedAssets, string.Join(' ', fleet.Engine.Sources.Select(s => s.Asset)));
    }

    [Fact]
    public void Compile_AssetLacksReferencedTag_SkipsItWithWarning()
    {
        var fleet = new Fleet(Fleet.Rule("    select: { assetType: pump }\n    when: flow.lpm < 5 and current.a > 3\n"));

        Assert.Equal(["pump-1", "pump-2"], fleet.Engine.Sources.Select(s => s.Asset));
        var warning = Assert.Single(fleet.Engine.Warnings);
        Assert.Equal("rules.yaml:3:5: rule 'r': asset 'pump-3' has no tag 'flow.lpm'; the rule is not applied to it", warning);
    }

    [Fact]
    public void Compile_SelectorTags_FilterAssetsWithoutWarning()
    {
        var fleet = new Fleet(Fleet.Rule("    select: { assetType: pump, tags: [flow.lpm] }\n    when: flow.lpm < 5\n"));

        Assert.Equal(["pump-1", "pump-2"], fleet.Engine.Sources.Select(s => s.Asset));
        Assert.Empty(fleet.Engine.Warnings);
    }

    [Fact]
    public void Compile_RuleMatchingNoAsset_IsAWarningNotAnError()
    {
        var fleet = new Fleet(Fleet.Rule("    select: { assetType: compressor }\n    when: current.a > 1\n"));

        Assert.Equal(0, fleet.Engine.InstanceCount);
        Assert.Equal("rules.yaml:3:5: rule 'r' matches no asset", Assert.Single(fleet.Engine.Warnings));
    }

    [Fact]
    public void Compile_ValuesOfAnotherRegistry_AreRejected()
    {
        var fleet = new Fleet(Fleet.Rule("    select: { asset: \"*\" }\n    when: current.a > 1\n"));
        var set = RuleFile.Parse(Fleet.Rule("    select: { asset: \"*\" }\n    when: current.a > 1\n"), "r.yaml");
        Assert.Throws<ArgumentException>(() => RuleEngine.Compile(set, fleet.Registry, new TagValues(3)));
    }

    [Fact]
    public void OnReading_Sustain_FiresOnlyAfterConditionHeldForTheDurationOfReadingTimestamps()
    {
        var fleet = new Fleet(Fleet.Rule("    select: { asset: pump-1 }\n    when: current.a > 12\n    sustain: 10s\n"));

        fleet.Feed("pump-1", "current.a", 0, 13);
        fleet.Feed("pump-1", "current.a", 5_000, 13);
        fleet.Feed("pump-1", "current.a", 9_999, 13);
        Assert.Empty(fleet.Sink.Reports);

        fleet.Feed("pump-1", "current.a", 10_000, 13);
        fleet.Feed("pump-1", "current.a", 11_000, 14);
        fleet.Feed("pump-1", "current.a", 12_000, 5);
        fleet.Feed("pump-1", "current.a", 13_000, 5);

        Assert.Equal("pump-1@10000:on pump-1@11000:on pump-1@12000:off", fleet.Sink.Trace());
    }

    [Fact]
    public void OnReading_ConditionDipsDuringSustain_RestartsTheSustainPeriod()
    {
        var fleet = new Fleet(Fleet.Rule("    select: { asset: pump-1 }\n    when: current.a > 12\n    sustain: 10s\n"));

        fleet.Feed("pump-1", "current.a", 0, 13);
        fleet.Feed("pump-1", "current.a", 6_000, 11);
        fleet.Feed("pump-1", "current.a", 7_000, 13);
        fleet.Feed("pump-1", "current.a", 16_000, 13);
        Assert.Empty(fleet.Sink.Reports);

        fleet.Feed("pump-1", "current.a", 17_000, 13);
        Assert.Equal("pump-1@17000:on", fleet.Sink.Trace());
    }

    [Fact]
    public void OnReading_ActiveReport_CarriesPrimaryValueThresholdAndScore()
    {
        var fleet = new Fleet(Fleet.Rule("    select: { asset: pump-1 }\n    when: current.a > 12\n"));

        fleet.Feed("pump-1", "current.a", 1_000, 13.5);
        fleet.Feed("pump-1", "current.a", 2_000, 1);

        var (source, active, sample) = fleet.Sink.Reports[0];
        Assert.True(active);
        Assert.Equal("pump-1", source.Asset);
        Assert.Equal(new ConditionSample(1_000, 13.5, 1, 12), sample);
        Assert.False(fleet.Sink.Reports[1].Active);
        Assert.Equal(1, fleet.Sink.Reports[1].Sample.Value);
    }

    [Fact]
    public void OnReading_CompoundCondition_HasNoThreshold()
    {
        var fleet = new Fleet(Fleet.Rule("    select: { asset: pump-1 }\n    when: current.a > 12 and pressure.bar < 2\n"));

        fleet.Feed("pump-1", "pressure.bar", 0, 1);
        fleet.Feed("pump-1", "current.a", 1_000, 13);

        var sample = Assert.Single(fleet.Sink.Reports).Sample;
        Assert.True(double.IsNaN(sample.Threshold));
        Assert.Equal(13, sample.Value);
    }

    [Theory]
    // hysteresis 1 on > 12: stays active down to 11, clears below 11.
    [InlineData("    hysteresis: 1\n", new[] { 13.0, 11.5, 11.0, 10.9, 11.5, 12.5 }, "on on on off on")]
    // explicit clear
    [InlineData("    clear: current.a < 8\n", new[] { 13.0, 10.0, 8.0, 7.9, 7.0, 12.1 }, "on on on off on")]
    // default: clears as soon as `when` stops holding
    [InlineData("", new[] { 13.0, 12.5, 12.0, 11.0, 12.1 }, "on on off on")]
    public void OnReading_ClearBehaviour_FollowsHysteresisClearOrWhen(string clause, double[] series, string expected)
    {
        var fleet = new Fleet(Fleet.Rule("    select: { asset: pump-1 }\n    when: current.a > 12\n" + clause));

        for (var i = 0; i < series.Length; i++)
        {
            fleet.Feed("pump-1", "current.a", i * 1_000L, series[i]);
        }

        Assert.Equal(expected, string.Join(' ', fleet.Sink.Reports.Select(r => r.Active ? "on" : "off")));
    }

    [Fact]
    public void OnReading_Rate_IsPerSecondFromTheLastTwoReadings()
    {
        var fleet = new Fleet(Fleet.Rule("    select: { asset: motor-1 }\n    when: rate(temperature.c) > 1\n"));

        fleet.Feed("motor-1", "temperature.c", 0, 50);         // one reading: rate unknown
        fleet.Feed("motor-1", "temperature.c", 2_000, 51);     // 0.5 /s
        fleet.Feed("motor-1", "temperature.c", 3_000, 52.5);   // 1.5 /s
        fleet.Feed("motor-1", "temperature.c", 4_000, 53);     // 0.5 /s

        Assert.Equal("motor-1@3000:on motor-1@4000:off", fleet.Sink.Trace());
    }

    [Fact]
    public void OnReading_RateWithUnit_ScalesToThatUnit()
    {
        var fleet = new Fleet(Fleet.Rule("    select: { asset: motor-1 }\n    when: rate(temperature.c, 1m) >= 30\n"));

        fleet.Feed("motor-1", "temperature.c", 0, 50);
        fleet.Feed("motor-1", "temperature.c", 10_000, 54);    // 24 /min
        fleet.Feed("motor-1", "temperature.c", 20_000, 59);    // 30 /min

        Assert.Equal("motor-1@20000:on", fleet.Sink.Trace());
    }

    [Fact]
    public void OnReading_RateWithSameTimestamp_IsUnknownNotInfinite()
    {
        var fleet = new Fleet(Fleet.Rule("    select: { asset: motor-1 }\n    when: rate(temperature.c) > 1\n"));

        fleet.Feed("motor-1", "temperature.c", 1_000, 50);
        fleet.Feed("motor-1", "temperature.c", 1_000, 90);

        Assert.Empty(fleet.Sink.Reports);
    }

    [Fact]
    public void OnReading_Delta_ComparesWithTheValueAtOrBeforeTheWindow()
    {
        var fleet = new Fleet(Fleet.Rule("    select: { asset: pump-1 }\n    when: delta(pressure.bar, 30s) < -2\n"));

        // A drop before 30 s of history exists cannot be judged: unknown, no report.
        fleet.Feed("pump-1", "pressure.bar", 0, 10);
        fleet.Feed("pump-1", "pressure.bar", 5_000, 6);
        fleet.Feed("pump-1", "pressure.bar", 10_000, 10);
        Assert.Empty(fleet.Sink.Reports);

        for (var t = 15_000L; t <= 40_000; t += 5_000)
        {
            fleet.Feed("pump-1", "pressure.bar", t, 10);
        }
        // At 45 s the reference is the value at 15 s (10): 7.5 - 10 = -2.5.
        fleet.Feed("pump-1", "pressure.bar", 45_000, 7.5);
        // At 50 s the reference is the value at 20 s (10): 8.5 - 10 = -1.5, cleared.
        fleet.Feed("pump-1", "pressure.bar", 50_000, 8.5);

        Assert.Equal("pump-1@45000:on pump-1@50000:off", fleet.Sink.Trace());
    }

    [Fact]
    public void OnReading_TagWithoutValue_MakesConditionFalse()
    {
        var fleet = new Fleet(Fleet.Rule("    select: { asset: pump-1 }\n    when: current.a > 12 and flow.lpm < 100\n"));

        fleet.Feed("pump-1", "current.a", 0, 20);
        Assert.Empty(fleet.Sink.Reports);

        fleet.Feed("pump-1", "flow.lpm", 1_000, 50);
        Assert.Equal("pump-1@1000:on", fleet.Sink.Trace());
    }

    [Fact]
    public void OnReading_NaNValueOrDivisionByZero_MakesConditionFalse()
    {
        var fleet = new Fleet(Fleet.Rule("    select: { asset: pump-1 }\n    when: flow.lpm / current.a < 2\n"));

        fleet.Feed("pump-1", "flow.lpm", 0, 1);
        fleet.Feed("pump-1", "current.a", 0, 0);            // 1 / 0: unknown
        fleet.Feed("pump-1", "current.a", 1_000, double.NaN);
        Assert.Empty(fleet.Sink.Reports);

        fleet.Feed("pump-1", "current.a", 2_000, 1);        // 1 / 1 < 2
        fleet.Feed("pump-1", "current.a", 3_000, 0);        // unknown: does not hold, clears
        Assert.Equal("pump-1@2000:on pump-1@3000:off", fleet.Sink.Trace());
    }

    [Fact]
    public void OnReading_OnlyInstancesOfTheReadingsAssetAndTagAreEvaluated()
    {
        var fleet = new Fleet(Fleet.Rule("    select: { assetType: pump }\n    when: current.a > 12\n"));

        fleet.Feed("pump-2", "current.a", 0, 20);
        fleet.Feed("pump-2", "pressure.bar", 1_000, 20);
        fleet.Feed("motor-1", "current.a", 1_000, 20);

        Assert.Equal("pump-2@0:on", fleet.Sink.Trace());
    }

    [Fact]
    public void OnReading_RuleOverTwoTags_IsEvaluatedOnEitherTag()
    {
        var fleet = new Fleet(Fleet.Rule("    select: { asset: pump-1 }\n    when: pressure.bar < 2 and current.a > 10\n"));

        fleet.Feed("pump-1", "current.a", 0, 11);
        fleet.Feed("pump-1", "pressure.bar", 1_000, 1);
        fleet.Feed("pump-1", "current.a", 2_000, 12);

        Assert.Equal("pump-1@1000:on pump-1@2000:on", fleet.Sink.Trace());
        Assert.Equal(["pressure.bar", "current.a"], fleet.Sink.Reports[0].Source.TagNames);
        Assert.Equal(1, fleet.Sink.Reports[0].Sample.Value);
    }

    [Fact]
    public void OnReading_UnknownTagId_IsIgnored()
    {
        var fleet = new Fleet(Fleet.Rule("    select: { asset: pump-1 }\n    when: current.a > 12\n"));
        fleet.Engine.OnReading(new Reading(999, 0, 50), fleet.Sink);
        fleet.Engine.OnReading(new Reading(-1, 0, 50), fleet.Sink);
        Assert.Empty(fleet.Sink.Reports);
    }

    [Fact]
    public void OnReading_ThroughEventTracker_OpensAndClosesEventWithRenderedMessage()
    {
        var fleet = new Fleet(Fleet.Rule("    select: { assetType: pump }\n    when: current.a > 12\n    sustain: 10s\n    hysteresis: 0.5\n    severity: critical\n    message: \"{asset}: current {current.a} A above {threshold} A for 10 s\"\n"));
        var tracker = new EventTracker("gw-1", fleet.Registry, fleet.Values);
        void Feed(long t, double v)
        {
            var reading = new Reading(fleet.Tag("pump-1", "current.a"), t, v);
            fleet.Values.Update(reading);
            fleet.Engine.OnReading(reading, tracker);
        }

        Feed(0, 13);
        Feed(10_000, 13.2);
        Feed(20_000, 11.7);
        Feed(30_000, 11.4);
        var revisions = new List<GatewayEvent>();
        tracker.DrainRevisions(revisions);

        Assert.Equal(2, revisions.Count);
        Assert.Equal(EventState.Open, revisions[0].State);
        Assert.Equal("pump-1: current 13.2 A above 12 A for 10 s", revisions[0].Message);
        Assert.Equal("rule:r", revisions[0].Source);
        Assert.Equal(Severity.Critical, revisions[0].Severity);
        Assert.Equal(EventState.Closed, revisions[1].State);
        Assert.Equal(30_000, revisions[1].EndMs);
    }
}
