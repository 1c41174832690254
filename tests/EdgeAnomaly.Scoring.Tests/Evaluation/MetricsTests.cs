using EdgeAnomaly.Scoring.Evaluation;

namespace EdgeAnomaly.Scoring.Tests.Evaluation;

public class MetricsTests
{
    [Theory]
    // tp, fp, fn, tn, F1, FAR %, MAR %
    [InlineData(8, 2, 2, 8, 0.8, 20.0, 20.0)]
    [InlineData(6, 0, 4, 10, 0.75, 0.0, 40.0)]
    [InlineData(0, 3, 5, 2, 0.0, 60.0, 100.0)]
    [InlineData(10, 5, 0, 0, 0.8, 100.0, 0.0)]
    public void OutlierFigures_FromATable(long tp, long fp, long fn, long tn, double f1, double far, double mar)
    {
        var c = new ConfusionCounts { TruePositives = tp, FalsePositives = fp, FalseNegatives = fn, TrueNegatives = tn };
        Assert.Equal(f1, c.F1, 12);
        Assert.Equal(far, c.FarPercent, 12);
        Assert.Equal(mar, c.MarPercent, 12);
    }

    [Fact]
    public void ConfusionCounts_PoolsLabelsAndPredictions()
    {
        var c = new ConfusionCounts();
        bool[] labels = [true, true, false, false, true];
        bool[] predicted = [true, false, true, false, true];
        for (var i = 0; i < labels.Length; i++)
        {
            c.Add(labels[i], predicted[i]);
        }
        Assert.Equal((2L, 1L, 1L, 1L), (c.TruePositives, c.FalsePositives, c.FalseNegatives, c.TrueNegatives));
    }

    [Fact]
    public void Nab_PerfectIs100_NeverFiringIs0()
    {
        var perfect = new NabScore();
        perfect.AddFile([100, 500], [100, 500], 60);
        var never = new NabScore();
        never.AddFile([100, 500], [], 60);
        for (var p = 0; p < 3; p++)
        {
            Assert.Equal(100, perfect.Normalised(p), 6);
            Assert.Equal(0, never.Normalised(p), 6);
        }
    }

    [Fact]
    public void Nab_RewardFallsAcrossTheWindowFromTruePositiveToFalsePositiveWeight()
    {
        var standard = NabProfile.Standard;
        Assert.Equal(1.0, NabScore.Reward(standard, 0), 9);
        Assert.Equal(-0.11, NabScore.Reward(standard, 1), 9);
        Assert.InRange(NabScore.Reward(standard, 0.4995), 0.44, 0.45);   // midway: (1 + (-0.11)) / 2
        Assert.True(NabScore.Reward(standard, 0.2) > NabScore.Reward(standard, 0.6));
    }

    [Fact]
    public void Nab_HandTable_OneHitAtTheStart_OneMiss_TwoFalsePositives()
    {
        // windows [100,160] and [500,560]; detection at 100 (reward 1), nothing in the second window (-1),
        // detections at 300 and 900 are outside (2 x -0.11); extra detection at 130 inside the first window is ignored.
        var nab = new NabScore();
        nab.AddFile([100, 500], [100, 130, 300, 900], 60);
        var score = 1.0 - 1.0 - 0.22;
        var expected = 100 * (score - (-2.0)) / (2.0 - (-2.0));
        Assert.Equal(expected, nab.Normalised(NabProfile.Standard), 9);
        // LowFP doubles the false-positive weight; LowFN doubles the miss penalty (and the null score).
        Assert.Equal(100 * (1.0 - 1.0 - 0.44 + 2.0) / 4.0, nab.Normalised(NabProfile.LowFalsePositives), 9);
        Assert.Equal(100 * (1.0 - 2.0 - 0.22 + 4.0) / 6.0, nab.Normalised(NabProfile.LowFalseNegatives), 9);
        Assert.Equal((1, 1, 2), (nab.Detected, nab.Missed, nab.FalsePositives));
    }

    [Fact]
    public void Nab_OverlappingWindows_TheRightOneStartsWhereTheLeftEnds()
    {
        var nab = new NabScore();
        // windows [100,160] and [160,200]: a detection at 150 is in the first only, 170 is in the second.
        nab.AddFile([100, 140], [150, 170], 60);
        Assert.Equal(2, nab.Detected);
        Assert.Equal(0, nab.FalsePositives);
    }
}
