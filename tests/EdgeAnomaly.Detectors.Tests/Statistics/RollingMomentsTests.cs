using EdgeAnomaly.Detectors.Statistics;

namespace EdgeAnomaly.Detectors.Tests.Statistics;

public class RollingMomentsTests
{
    [Theory]
    [InlineData(0.0, 1.0)]
    [InlineData(1e6, 0.01)]   // large offset, tiny noise: naive sums would cancel
    [InlineData(-5e8, 3.0)]
    public void Moments_AfterManyWindows_MatchTwoPassOverWindow(double offset, double scale)
    {
        var noise = new Noise(7);
        var m = new RollingMoments(50);
        var recent = new List<double>();
        for (var i = 0; i < 10_037; i++)
        {
            var x = offset + (scale * noise.Next()) + (i % 7 == 0 ? scale * 3 : 0);
            m.Add(x);
            recent.Add(x);
            if (recent.Count > 50)
            {
                recent.RemoveAt(0);
            }
        }
        var mean = recent.Average();
        var std = Math.Sqrt(recent.Sum(v => (v - mean) * (v - mean)) / (recent.Count - 1));
        Assert.Equal(mean, m.Mean, 1e-9 * Math.Max(1, Math.Abs(offset)));
        Assert.Equal(std, m.StdDev, 1e-6 * scale);
    }
}
