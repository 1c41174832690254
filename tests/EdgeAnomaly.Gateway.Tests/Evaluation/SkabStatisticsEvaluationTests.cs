using EdgeAnomaly.Detectors;
using EdgeAnomaly.Runtime.Evaluation;
using EdgeAnomaly.TestSupport;

namespace EdgeAnomaly.Gateway.Tests.Evaluation;

public class SkabStatisticsEvaluationTests
{
    /// <summary>
    /// Why z-score + EWMA is the default and robust z / IQR are per tag (docs/detectors.md, "Default detectors"), on the
    /// real SKAB data: measured 2026-12-04, z + EWMA F1 0.693, NAB standard 16.2, 369 false alarms; all four 0.692,
    /// -20.1, 1092. Asserted with margins so a regression of either kind (detection, false alarms) fails.
    /// </summary>
    [SkabDataFact]
    public void DefaultDetectors_OnSkab_DetectAsWellAsAllFourWithAThirdOfTheFalseAlarms()
    {
        var results = SkabStatisticsEvaluation.Run(SkabData.Directory!, ["default", "z+robust+iqr+ewma"]);
        var shipped = results[0];
        var four = results[1];
        Assert.Equal(127, shipped.Changepoints);
        Assert.True(shipped.F1 >= 0.68, $"default F1 {shipped.F1:F3}");
        Assert.True(shipped.NabStandard >= 14, $"default NAB {shipped.NabStandard:F1}");
        Assert.True(shipped.FalseAlarms <= 400, $"default false alarms {shipped.FalseAlarms}");
        Assert.True(shipped.F1 >= four.F1 - 0.01, $"default F1 {shipped.F1:F3} vs four {four.F1:F3}");
        Assert.True(shipped.FalseAlarms * 2 < four.FalseAlarms, $"false alarms {shipped.FalseAlarms} vs four {four.FalseAlarms}");
    }

    [Theory]
    [InlineData("default", true, false, false, true, false, null)]
    [InlineData("z+robust+iqr+ewma", true, true, true, true, false, null)]
    [InlineData("robust + iqr", false, true, true, false, false, null)]
    [InlineData("ewma+tod votes2", false, false, false, true, true, 2)]
    public void DetectorSets_Parse(string set, bool z, bool robust, bool iqr, bool ewma, bool tod, int? votes)
    {
        var o = SkabStatisticsEvaluation.Options(set, out var minVotes);
        Assert.Equal((z, robust, iqr, ewma, tod, votes), (o.ZScore.Enabled, o.RobustZ.Enabled, o.Iqr.Enabled, o.Ewma.Enabled, o.TimeOfDay.Enabled, minVotes));
    }

    [Fact]
    public void DetectorSets_UnknownDetector_IsNamed()
    {
        var e = Assert.Throws<ArgumentException>(() => SkabStatisticsEvaluation.Options("z+mad", out _));
        Assert.Contains("'mad'", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void StatisticsOptions_Default_IsWhatTheEvaluationCallsDefault()
    {
        var shipped = new StatisticsOptions();
        Assert.False(shipped.RobustZ.Enabled);
        Assert.False(shipped.Iqr.Enabled);
        Assert.True(shipped.ZScore.Enabled && shipped.Ewma.Enabled);
    }
}
