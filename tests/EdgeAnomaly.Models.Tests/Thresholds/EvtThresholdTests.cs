using EdgeAnomaly.Models.Thresholds;

namespace EdgeAnomaly.Models.Tests.Thresholds;

public class EvtThresholdTests
{
    [Fact]
    public void Fit_NormalScores_GivesEvtThresholdNearTheTrueQuantile()
    {
        var random = new Random(1);
        var scores = Enumerable.Range(0, 50_000).Select(_ => Synthetic.Gaussian(random)).ToArray();
        var choice = EvtThreshold.Fit(scores, new EvtOptions { Alpha = 0.001 });

        Assert.Equal(ThresholdMethod.Evt, choice.Method);
        Assert.InRange(choice.Value, 2.9, 3.3);   // the normal's upper 0.001 point is 3.090
        Assert.InRange(choice.Xi, -0.35, 0.05);   // normal tails are in the Gumbel domain: xi -> 0 from below
        Assert.True(choice.GoodnessOfFit <= 1.5);
        Assert.Contains("GPD tail", choice.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Fit_ExponentialScores_ExtrapolatesBeyondTheData()
    {
        // alpha far below 1 / N: the empirical quantile cannot say, the tail can. Exp(1): z = -ln(1e-5) = 11.51.
        var random = new Random(2);
        var scores = Enumerable.Range(0, 20_000).Select(_ => Synthetic.Gpd(random, 0, 1)).ToArray();
        var choice = EvtThreshold.Fit(scores, new EvtOptions { Alpha = 1e-5 });
        Assert.Equal(ThresholdMethod.Evt, choice.Method);
        Assert.InRange(choice.Value, 10, 13.5);
        Assert.True(choice.Value > scores.Max() * 0.9);
    }

    [Fact]
    public void Fit_BimodalTail_FallsBackToTheQuantile_AndSaysWhy()
    {
        var random = new Random(3);
        var scores = new List<double>();
        for (var i = 0; i < 20_000; i++)
        {
            var r = random.NextDouble();
            scores.Add(r < 0.006 ? 6 + 0.1 * Synthetic.Gaussian(random)
                : r < 0.012 ? 12 + 0.1 * Synthetic.Gaussian(random)
                : Synthetic.Gaussian(random));
        }
        var options = new EvtOptions();
        var choice = EvtThreshold.Fit(scores.ToArray(), options);

        Assert.Equal(ThresholdMethod.Quantile, choice.Method);
        Assert.Contains("Anderson-Darling", choice.Reason, StringComparison.Ordinal);
        Assert.Equal(RobustStatistics.Quantile(scores.ToArray(), options.FallbackQuantile), choice.Value);
        Assert.True(double.IsNaN(choice.Xi));
    }

    [Fact]
    public void Fit_TooFewExceedances_FallsBack()
    {
        var random = new Random(4);
        var scores = Enumerable.Range(0, 500).Select(_ => Synthetic.Gaussian(random)).ToArray();
        var choice = EvtThreshold.Fit(scores, new EvtOptions());
        Assert.Equal(ThresholdMethod.Quantile, choice.Method);
        Assert.Contains("only 10 training scores above", choice.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Fit_AlphaOutsideTheTail_UsesThatQuantile()
    {
        var scores = Enumerable.Range(0, 10_000).Select(i => (double)i).ToArray();
        var choice = EvtThreshold.Fit(scores, new EvtOptions { Alpha = 0.05, TailFraction = 0.02 });
        Assert.Equal(ThresholdMethod.Quantile, choice.Method);
        Assert.Equal(RobustStatistics.Quantile(scores, 0.95), choice.Value);
    }

    [Fact]
    public void Options_AreValidatedByName()
    {
        Assert.Contains("Alpha", Assert.Throws<ArgumentException>(() => EvtThreshold.Fit([1.0], new EvtOptions { Alpha = 0 })).Message, StringComparison.Ordinal);
        Assert.Contains("TailFraction", Assert.Throws<ArgumentException>(() => EvtThreshold.Fit([1.0], new EvtOptions { TailFraction = 2 })).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ThresholdChoice_WriteRead_RoundTrip()
    {
        var random = new Random(5);
        var scores = Enumerable.Range(0, 5000).Select(_ => Synthetic.Gaussian(random)).ToArray();
        foreach (var choice in new[] { EvtThreshold.Fit(scores, new EvtOptions()), EvtThreshold.Fit(scores.AsSpan(0, 100), new EvtOptions()) })
        {
            var bytes = ModelIo.Bytes(choice.Write);
            Assert.Equal(choice, ModelIo.Read(bytes, ThresholdChoice.Read));
            ModelIo.AssertEveryTruncationRefused(bytes, ThresholdChoice.Read);
        }
    }
}
