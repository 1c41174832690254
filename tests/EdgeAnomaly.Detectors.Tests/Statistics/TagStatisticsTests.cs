using EdgeAnomaly.Core.Events;
using EdgeAnomaly.Core.Readings;

namespace EdgeAnomaly.Detectors.Tests.Statistics;

/// <summary>The per-tag condition: voting, reporting protocol, explanation, baseline protection.</summary>
public class TagStatisticsTests
{
    private static (TagDetectorBank Bank, RecordingSink Sink, Noise Noise) Warmed(StatisticsOptions? stats = null, int readings = 300,
        Func<Core.Tags.TagInfo, TagDetectorOverrides?>? overrides = null)
    {
        var bank = new TagDetectorBank(Kit.Registry(), stats ?? Kit.AllFour(), Kit.NoDq(), overrides);
        var sink = new RecordingSink();
        var noise = new Noise(3);
        for (var i = 0; i < readings; i++)
        {
            Kit.Feed(bank, sink, i, 10 + (0.1 * noise.Next()));
        }
        Assert.Empty(sink.Reports);
        return (bank, sink, noise);
    }

    [Fact]
    public void Source_HasDocumentedKeyKindSeverityCooldownAndTemplate()
    {
        var (bank, _, _) = Warmed();
        var source = Assert.Single(bank.Sources(0));
        Assert.Equal("stat:temp", source.Key);
        Assert.Equal(EventKind.Statistic, source.Kind);
        Assert.Equal(Severity.Warning, source.Severity);
        Assert.Equal(TimeSpan.FromMinutes(5), source.Cooldown);
        Assert.Equal("pump1", source.Asset);
        Assert.Equal(new[] { 0 }, source.TagIds);
        Assert.Equal(new[] { "temp" }, source.TagNames);
        Assert.Contains("{value}", source.MessageTemplate, StringComparison.Ordinal);
        Assert.NotNull(source.Detail);
    }

    [Fact]
    public void Severity_CanBeConfiguredAndOverriddenPerTag()
    {
        var stats = new StatisticsOptions { Severity = Severity.Critical };
        var bank = new TagDetectorBank(Kit.Registry(tags: 2), stats, Kit.NoDq(),
            t => t.Name == "t1" ? new TagDetectorOverrides { StatisticsSeverity = Severity.Info } : null);
        Assert.Equal(Severity.Critical, bank.Sources(0)[0].Severity);
        Assert.Equal(Severity.Info, bank.Sources(1)[0].Severity);
    }

    [Fact]
    public void Condition_ReportsActiveEachReadingWhileFlaggedThenInactiveOnce()
    {
        var (bank, sink, noise) = Warmed();
        for (var i = 0; i < 3; i++)
        {
            Kit.Feed(bank, sink, 300 + i, 20);
        }
        for (var i = 0; i < 50; i++)
        {
            Kit.Feed(bank, sink, 303 + i, 10 + (0.1 * noise.Next()));
        }
        var stat = sink.For("stat:");
        Assert.True(stat.Count >= 4, "three active reports and a clear expected");
        Assert.True(stat[0].Active && stat[1].Active && stat[2].Active);
        Assert.Single(stat, r => !r.Active);
        var clear = stat.FindIndex(r => !r.Active);
        Assert.Equal(stat.Count - 1, clear);
        var first = stat[0].Sample;
        Assert.Equal(20, first.Value);
        Assert.InRange(first.Score, 0.5, 1.0);
        Assert.True(double.IsFinite(first.Threshold) && first.Threshold > 10 && first.Threshold < 20, $"threshold {first.Threshold}");
        Assert.Equal(Kit.T0 + (300 * 1000L), first.TimestampMs);
    }

    [Fact]
    public void Detail_NamesTheDetectorsThatFlaggedWithValuesAndLimits()
    {
        var (bank, sink, _) = Warmed();
        string? detail = null;
        var explaining = new ExplainingSink(s => detail ??= s.Detail!());
        Kit.Feed(bank, explaining, 300, 20);
        Assert.NotNull(detail);
        Assert.Contains("z=", detail, StringComparison.Ordinal);
        Assert.Contains("(limit 4.5, mean 10", detail, StringComparison.Ordinal);
        Assert.Contains("robust z=", detail, StringComparison.Ordinal);
        Assert.Contains("iqr 20 above fence", detail, StringComparison.Ordinal);
        Assert.Contains("ewma", detail, StringComparison.Ordinal);
        Assert.Contains("above UCL", detail, StringComparison.Ordinal);
        Assert.Empty(sink.Reports);
    }

    [Fact]
    public void MinVotes_TwoRequiresTwoDetectorsToFlag()
    {
        // z-score at sensitivity 1 flags 20; the other detectors are made numb, so only one vote.
        var stats = Kit.AllFour();
        stats.MinVotes = 2;
        stats.RobustZ.Threshold = 1e6;
        stats.Iqr.K = 1e6;
        stats.Ewma.L = 1e6;
        var (bank, sink, _) = Warmed(stats);
        Kit.Feed(bank, sink, 300, 20);
        Assert.Empty(sink.Reports);
        Assert.Equal(1, bank.Snapshot(0).Votes);
        Assert.True(bank.Snapshot(0).Score > 0.5);

        stats.RobustZ.Threshold = 5;
        var (bank2, sink2, _) = Warmed(stats);
        Kit.Feed(bank2, sink2, 300, 20);
        Assert.Single(sink2.Reports);
        Assert.Equal(2, bank2.Snapshot(0).Votes);
    }

    [Theory]
    [InlineData(ReadingQuality.Uncertain, 20.0)]
    [InlineData(ReadingQuality.Bad, 20.0)]
    [InlineData(ReadingQuality.Good, double.NaN)]
    [InlineData(ReadingQuality.Good, double.PositiveInfinity)]
    public void Statistics_SkipReadingsNotGoodOrNotFinite(ReadingQuality quality, double value)
    {
        var (bank, sink, _) = Warmed();
        var before = bank.Snapshot(0).Admitted;
        Kit.Feed(bank, sink, 300, value, quality);
        Assert.Empty(sink.Reports);
        Assert.Equal(before, bank.Snapshot(0).Admitted);
    }

    [Fact]
    public void Baseline_FlaggedReadingIsNotAdmitted()
    {
        var (bank, sink, _) = Warmed();
        var before = bank.Snapshot(0);
        Kit.Feed(bank, sink, 300, 1000);
        var after = bank.Snapshot(0);
        Assert.True(after.StatisticsActive);
        Assert.Equal(before.Admitted, after.Admitted);
        Assert.Equal(1, after.ExcludedRun);
        Kit.Feed(bank, sink, 301, 10);
        var z = bank.Snapshot(0).Get(DetectorKind.ZScore)!;
        Assert.Equal(10, z.Centre, 0.05); // the 1000 did not drag the mean
    }

    [Fact]
    public void Baseline_LastingLevelChange_IsLearnedAfterMaxExcludedRunAndClears()
    {
        var stats = new StatisticsOptions { MaxExcludedRun = 50 };
        var (bank, sink, noise) = Warmed(stats);
        var cleared = -1;
        for (var i = 0; i < 2000 && cleared < 0; i++)
        {
            Kit.Feed(bank, sink, 300 + i, 12 + (0.1 * noise.Next()));
            if (i > 0 && !bank.Snapshot(0).StatisticsActive)
            {
                cleared = i;
            }
        }
        Assert.True(cleared > 50, $"cleared at {cleared}: before the excluded run was over");
        Assert.True(cleared < 1500, "the new level was never learned");
        Assert.Single(sink.Reports, r => !r.Active);
    }

    [Fact]
    public void Statistics_DisabledPerTag_CreatesNoSourceAndNeverReports()
    {
        var bank = new TagDetectorBank(Kit.Registry(), new StatisticsOptions(), Kit.NoDq(),
            _ => new TagDetectorOverrides { StatisticsEnabled = false });
        var sink = new RecordingSink();
        for (var i = 0; i < 200; i++)
        {
            Kit.Feed(bank, sink, i, i == 150 ? 1e9 : 10);
        }
        Assert.Empty(bank.Sources(0));
        Assert.Empty(sink.Reports);
        Assert.False(bank.Snapshot(0).StatisticsEnabled);
    }

    private sealed class ExplainingSink(Action<ConditionSource> onActive) : IConditionSink
    {
        public void Report(ConditionSource source, bool active, in ConditionSample sample)
        {
            if (active)
            {
                onActive(source);
            }
        }
    }
}
