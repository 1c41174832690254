using EdgeAnomaly.Scoring.Evaluation;
using EdgeAnomaly.Scoring.Pipeline;
using EdgeAnomaly.TestSupport;

namespace EdgeAnomaly.Scoring.Tests.Evaluation;

public class SkabEvaluationTests
{
    /// <summary>
    /// The full pipeline with the SKAB profile on the real data (docs/benchmarks.md): achieved F1 0.806, FAR 9.38 %,
    /// MAR 26.99 %, NAB standard 26.4. Asserted with a small margin so a regression fails.
    /// </summary>
    [SkabDataFact]
    public void SkabProtocol_FullPipeline_KeepsTheAchievedFigures()
    {
        var report = SkabEvaluation.Run(SkabData.Directory!, ScoringOptions.SkabProfile());
        Assert.Equal(34, report.Files.Count);
        Assert.Equal(23_801, report.Pooled.Total);
        Assert.Equal(12_771, report.Pooled.TruePositives + report.Pooled.FalseNegatives);
        Assert.Equal(127, report.Changepoints);
        Assert.All(report.Files, f => Assert.Null(f.Error));
        Assert.True(report.F1 >= 0.795, $"F1 {report.F1:0.000}");
        Assert.True(report.FarPercent <= 10.0, $"FAR {report.FarPercent:0.00} %");
        Assert.True(report.MarPercent <= 28.5, $"MAR {report.MarPercent:0.00} %");
        Assert.True(report.NabStandard >= 24, $"NAB {report.NabStandard:0.0}");
    }
}
