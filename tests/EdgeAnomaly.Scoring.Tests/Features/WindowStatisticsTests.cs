using System.Numerics;
using EdgeAnomaly.Scoring.Features;

namespace EdgeAnomaly.Scoring.Tests.Features;

public class WindowStatisticsTests
{
    [Fact]
    public void MeanStdAndSlope_OfAHandComputedWindow()
    {
        double[] t = [0, 1, 2, 3, 4];
        double[] v = [2, 4, 4, 4, 6];
        var mean = WindowStatistics.Mean(v);
        Assert.Equal(4.0, mean, 12);
        // squared deviations 4,0,0,0,4 -> 8 / (5 - 1) = 2
        Assert.Equal(Math.Sqrt(2), WindowStatistics.StandardDeviation(v, mean), 12);
        // sxy = (-2)(-2) + (-1)(0) + 0 + (1)(0) + (2)(2) = 8, sxx = 10
        Assert.Equal(0.8, WindowStatistics.Slope(t, v), 12);
    }

    [Fact]
    public void Slope_UsesTheRealTimesOfIrregularSamples()
    {
        double[] t = [0, 0.5, 3, 10];
        double[] v = [1, 2, 7, 21];   // exactly 1 + 2t
        Assert.Equal(2.0, WindowStatistics.Slope(t, v), 12);
    }

    [Theory]
    [InlineData(0.0, 1.0)]
    [InlineData(0.25, 2.0)]
    [InlineData(0.5, 3.0)]
    [InlineData(0.9, 4.6)]
    [InlineData(1.0, 5.0)]
    public void Percentile_InterpolatesBetweenClosestRanks(double p, double expected)
    {
        double[] sorted = [1, 2, 3, 4, 5];
        Assert.Equal(expected, WindowStatistics.PercentileOfSorted(sorted, p), 12);
    }

    [Fact]
    public void BandEnergies_PutASineIntoItsBandWithEnergyHalfTheSquaredAmplitude()
    {
        const int n = 64;
        var grid = new double[n];
        const double amplitude = 3.0;
        const int bin = 20;   // bins 1..32 in 4 bands of 8: bin 20 is in band 2
        for (var i = 0; i < n; i++)
        {
            grid[i] = 10 + amplitude * Math.Sin(2 * Math.PI * bin * i / n);
        }
        var bands = new double[4];
        WindowStatistics.BandEnergies(grid, new Complex[n], bands);
        Assert.Equal(amplitude * amplitude / 2, bands[2], 9);
        Assert.Equal(0, bands[0], 9);
        Assert.Equal(0, bands[1], 9);
        Assert.Equal(0, bands[3], 9);
    }

    [Fact]
    public void BandEnergies_SumToThePopulationVariance()
    {
        var random = new Random(3);
        var grid = new double[32];
        for (var i = 0; i < grid.Length; i++)
        {
            grid[i] = random.NextDouble() * 5;
        }
        var bands = new double[4];
        WindowStatistics.BandEnergies(grid, new Complex[32], bands);
        var mean = grid.Average();
        var variance = grid.Sum(x => (x - mean) * (x - mean)) / grid.Length;
        Assert.Equal(variance, bands.Sum(), 9);
    }

    [Fact]
    public void Autoregressive_FitRecoversAnAr2ProcessAndItsResidualIsTheNoise()
    {
        const double phi1 = 0.6, phi2 = -0.3, sigma = 0.5;
        var random = new Random(11);
        var x = new double[20_000];
        for (var i = 2; i < x.Length; i++)
        {
            x[i] = (phi1 * x[i - 1]) + (phi2 * x[i - 2]) + (sigma * Gaussian(random));
        }
        var phi = WindowStatistics.FitAutoregressive(x, 2);
        Assert.InRange(phi[0], phi1 - 0.03, phi1 + 0.03);
        Assert.InRange(phi[1], phi2 - 0.03, phi2 + 0.03);
        var window = x.AsSpan(5000, 600);
        var rms = WindowStatistics.ArResidualRms(window, WindowStatistics.Mean(window), phi);
        Assert.InRange(rms, sigma * 0.9, sigma * 1.1);
        // The same window judged by a wrong model (white noise assumed) has a larger residual.
        Assert.True(WindowStatistics.ArResidualRms(window, WindowStatistics.Mean(window), [0.0, 0.0]) > rms * 1.05);
    }

    [Fact]
    public void Autoregressive_ResidualOfAnExactAr1SequenceIsZero()
    {
        double[] v = [8, 4, 2, 1, 0.5];   // x_t = 0.5 x_{t-1} exactly, centred on 0
        Assert.Equal(0, WindowStatistics.ArResidualRms(v, 0, [0.5]), 12);
    }

    [Fact]
    public void Correlation_OfLinearAndConstantSeries()
    {
        double[] x = [1, 2, 3, 4];
        Assert.Equal(1, WindowStatistics.Correlation(x, [2, 4, 6, 8]), 12);
        Assert.Equal(-1, WindowStatistics.Correlation(x, [8, 6, 4, 2]), 12);
        Assert.Equal(0, WindowStatistics.Correlation(x, [5, 5, 5, 5]), 12);
    }

    [Fact]
    public void Resample_InterpolatesLinearlyAndHoldsTheEnds()
    {
        double[] t = [1, 3];
        double[] v = [10, 30];
        var grid = new double[4];   // centres 0.5, 1.5, 2.5, 3.5 over [0, 4)
        WindowStatistics.Resample(t, v, 0, 4, grid);
        Assert.Equal([10, 15, 25, 30], grid);
    }

    private static double Gaussian(Random random)
    {
        var u1 = 1.0 - random.NextDouble();
        var u2 = random.NextDouble();
        return Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
    }
}
