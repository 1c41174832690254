using EdgeAnomaly.FirmwareSim.Signals;

namespace EdgeAnomaly.FirmwareSim.Tests.Signals;

public class SignalMathTests
{
    private const long Hour = 3_600_000;

    [Theory]
    [InlineData(3 * Hour, -1.0)]
    [InlineData(9 * Hour, 0.0)]
    [InlineData(15 * Hour, 1.0)]
    [InlineData(21 * Hour, 0.0)]
    [InlineData(15 * Hour + 24 * Hour * 20000, 1.0)]
    public void Daily_HourOfDay_FollowsSinusoidPeakingMidAfternoon(long unixMs, double expected)
    {
        Assert.Equal(expected, SignalMath.Daily(unixMs), 9);
    }

    [Theory]
    [InlineData(20.0, 30.0, 0.0, 100.0, 20.0)]
    [InlineData(20.0, 30.0, 100.0, 100.0, 26.321205588)]
    [InlineData(20.0, 30.0, 1e9, 100.0, 30.0)]
    [InlineData(20.0, 30.0, 5.0, 0.0, 30.0)]
    public void ThermalStep_Table_MovesTowardTargetByOneMinusExp(double current, double target, double dt, double tau, double expected)
    {
        Assert.Equal(expected, SignalMath.ThermalStep(current, target, dt, tau), 6);
    }

    [Theory]
    [InlineData(0.0, 1.0, 1000, 500, 900, 0.0)]
    [InlineData(0.0, 1.0, 1000, 500, 1250, 0.5)]
    [InlineData(0.0, 1.0, 1000, 500, 1500, 1.0)]
    [InlineData(1.0, 0.0, 1000, 0, 1000, 0.0)]
    public void Ramp_Table_InterpolatesLinearlyBetweenLevels(double from, double to, long start, long ramp, long t, double expected)
    {
        Assert.Equal(expected, SignalMath.Ramp(from, to, start, ramp, t), 9);
    }

    [Fact]
    public void SimRandom_SameSeed_SameSequence_OtherStreamDiffers()
    {
        var a = SimRandom.For(42, 1, 2);
        var b = SimRandom.For(42, 1, 2);
        var c = SimRandom.For(42, 1, 3);

        var sa = Enumerable.Range(0, 100).Select(_ => a.NextUInt64()).ToArray();
        var sb = Enumerable.Range(0, 100).Select(_ => b.NextUInt64()).ToArray();
        var sc = Enumerable.Range(0, 100).Select(_ => c.NextUInt64()).ToArray();

        Assert.Equal(sa, sb);
        Assert.NotEqual(sa, sc);
    }

    [Fact]
    public void SimRandom_Gaussian_HasZeroMeanUnitVariance()
    {
        var r = SimRandom.For(7, 0);
        var xs = Enumerable.Range(0, 200_000).Select(_ => r.NextGaussian()).ToArray();
        var mean = xs.Average();
        var sd = Math.Sqrt(xs.Select(x => (x - mean) * (x - mean)).Average());

        Assert.InRange(mean, -0.01, 0.01);
        Assert.InRange(sd, 0.99, 1.01);
    }
}
