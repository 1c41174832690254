using EdgeAnomaly.Scoring.Pipeline;

namespace EdgeAnomaly.Scoring.Tests.Pipeline;

public class TrainerTests
{
    [Fact]
    public void ConstantColumn_IsDropped_AndRecorded()
    {
        var history = new TrainingHistory(["a", "b", "flag"]);
        var random = new Random(2);
        for (var i = 0; i < 1200; i++)
        {
            history.AddRow(1000L * i, [Math.Sin(i / 50.0) + (0.1 * random.NextDouble()), random.NextDouble(), 1.0]);
        }
        var model = AssetModelTrainer.Train("x", history, Synthetic.Options());
        Assert.DoesNotContain(model.KeptColumns, c => model.Spec.Columns[c].Tag == 2 && model.Spec.Columns[c].IsLevel);
        Assert.Contains(model.Metadata.Fallbacks, f => f.Contains("dropped constant feature flag.mean"));
    }

    [Fact]
    public void TooLittleData_IsRefusedWithTheReason()
    {
        var e = Assert.Throws<ModelTrainingException>(() => AssetModelTrainer.Train("x", Synthetic.History(60), Synthetic.Options()));
        Assert.Contains("too little training data", e.Message);
    }

    [Fact]
    public void PoorClustering_FallsBackToOneGlobalRegime_AndSaysSo()
    {
        // Independent noise on 12 tags: a 12-dimensional blob has no clusters (k-means silhouettes stay near 0.1).
        var history = new TrainingHistory(Enumerable.Range(0, 12).Select(i => "t" + i).ToArray());
        var random = new Random(4);
        var row = new double[12];
        for (var i = 0; i < 2000; i++)
        {
            for (var t = 0; t < row.Length; t++)
            {
                row[t] = Synthetic.Gaussian(random);
            }
            history.AddRow(1000L * i, row);
        }
        var model = AssetModelTrainer.Train("x", history, Synthetic.Options());
        Assert.Equal(1, model.RegimeCount);
        Assert.Contains(model.Metadata.Fallbacks, f => f.StartsWith("one global regime", StringComparison.Ordinal));
    }

    [Fact]
    public void SustainedPercentilePolicy_LearnsASustainCount()
    {
        var options = Synthetic.Options();
        options.Threshold = ThresholdPolicy.SustainedPercentile;
        options.SustainPercentile = 0.9;
        options.MinSustainSteps = 2;
        var model = AssetModelTrainer.Train("x", Synthetic.History(3600), options);
        Assert.InRange(model.SustainSteps, 2, options.MaxSustainSteps);
        Assert.Contains("sustained", model.ThresholdChoice.Reason);
    }

    [Theory]
    [InlineData(0.5, 1.0, 0.5)]
    [InlineData(0.5, 3.0, 0.75)]
    [InlineData(0.2, 4.0, 0.5)]
    [InlineData(0.0, 3.0, 0.0)]
    public void Margin_ScalesTheThresholdOdds(double threshold, double margin, double expected) =>
        Assert.Equal(expected, AssetModel.ApplyMargin(threshold, margin), 12);

    [Theory]
    [InlineData(-2.0, 1.0, 0.0)]
    [InlineData(1.0, 1.0, 0.5)]
    [InlineData(3.0, 1.0, 0.75)]
    [InlineData(2.0, 2.0, 0.5)]
    public void Normalise_MapsCalibratedScoresIntoTheUnitInterval(double z, double reference, double expected) =>
        Assert.Equal(expected, AssetModel.Normalise(z, reference), 12);

    [Fact]
    public void OddsFusion_IsNotDilutedByCalmDetectors_MeanFusionIs()
    {
        double[] scores = [0.95, 0.1, 0.1];
        double[] weights = [1, 1, 1];
        var odds = AssetModel.Fuse(scores, weights, 3, FusionRule.WeightedOdds);
        var mean = AssetModel.Fuse(scores, weights, 3, FusionRule.WeightedMean);
        Assert.Equal(0.3833333333, mean, 6);
        // odds 19, 1/9, 1/9 -> mean 6.4074 -> 0.865
        Assert.Equal(6.407407407 / 7.407407407, odds, 6);
    }
}
