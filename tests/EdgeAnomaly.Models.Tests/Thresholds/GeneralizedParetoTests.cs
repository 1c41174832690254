using EdgeAnomaly.Models.Thresholds;

namespace EdgeAnomaly.Models.Tests.Thresholds;

public class GeneralizedParetoTests
{
    [Theory]
    [InlineData(-0.2, 1.0, 1)]
    [InlineData(-0.2, 2.0, 2)]
    [InlineData(0.0, 1.0, 3)]
    [InlineData(0.0, 2.0, 4)]
    [InlineData(0.2, 1.0, 5)]
    [InlineData(0.2, 2.0, 6)]
    [InlineData(0.4, 1.0, 7)]
    [InlineData(0.4, 2.0, 8)]
    public void Fit_RecoversKnownParameters(double xi, double sigma, int seed)
    {
        // n = 4000: the MLE's standard errors are about (1 + xi) / sqrt(n) ≈ 0.02 for xi and ≈ 2.5 % for sigma.
        var random = new Random(seed);
        var sample = Enumerable.Range(0, 4000).Select(_ => Synthetic.Gpd(random, xi, sigma)).ToArray();
        var fit = GeneralizedPareto.Fit(sample);

        Assert.InRange(fit.Xi, xi - 0.07, xi + 0.07);
        Assert.InRange(fit.Sigma / sigma, 0.92, 1.08);
        Assert.Equal(4000, fit.Count);
        Assert.True(GeneralizedPareto.AndersonDarling(sample, fit) < 1.5);
    }

    [Fact]
    public void Fit_IsTheMaximumOfTheLikelihood()
    {
        var random = new Random(21);
        var sample = Enumerable.Range(0, 300).Select(_ => Synthetic.Gpd(random, 0.1, 1.5)).ToArray();
        var fit = GeneralizedPareto.Fit(sample);
        foreach (var (dx, ds) in new[] { (0.01, 0.0), (-0.01, 0.0), (0.0, 0.01), (0.0, -0.01), (0.01, 0.01), (-0.01, -0.01) })
        {
            Assert.True(LogLikelihood(sample, fit.Xi + dx, fit.Sigma * (1 + ds)) <= fit.LogLikelihood + 1e-9);
        }
        Assert.Equal(LogLikelihood(sample, fit.Xi, fit.Sigma), fit.LogLikelihood, 6);
    }

    private static double LogLikelihood(double[] y, double xi, double sigma) =>
        y.Sum(v => -Math.Log(sigma) - (1 + 1 / xi) * Math.Log(1 + xi * v / sigma));

    [Fact]
    public void Cdf_And_UpperQuantile_AreInverse()
    {
        foreach (var fit in new[] { new GpdFit(0.3, 2, 0, 0), new GpdFit(0, 1, 0, 0), new GpdFit(-0.25, 1, 0, 0) })
        {
            var y = fit.UpperQuantile(0.01);
            Assert.Equal(0.99, fit.Cdf(y), 10);
        }
        Assert.Equal(1.0, new GpdFit(-0.5, 1, 0, 0).Cdf(2.5));   // beyond the upper end point sigma / |xi| = 2
    }

    [Fact]
    public void Fit_RejectsDegenerateInput()
    {
        Assert.Throws<ArgumentException>(() => GeneralizedPareto.Fit([1.0, 2.0]));
        Assert.Throws<ArgumentException>(() => GeneralizedPareto.Fit([0.0, 0.0, 0.0, 0.0]));
        Assert.Throws<ArgumentException>(() => GeneralizedPareto.Fit([1.0, -1.0, 2.0, 3.0]));
    }
}
