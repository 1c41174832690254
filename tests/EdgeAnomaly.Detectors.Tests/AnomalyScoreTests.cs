namespace EdgeAnomaly.Detectors.Tests;

public class AnomalyScoreTests
{
    [Theory]
    [InlineData(0.0, 0.0)]
    [InlineData(-1.0, 0.0)]
    [InlineData(double.NaN, 0.0)]
    [InlineData(0.5, 0.2)]
    [InlineData(1.0, 0.5)]
    [InlineData(2.0, 0.8)]
    [InlineData(3.0, 0.9)]
    [InlineData(double.PositiveInfinity, 1.0)]
    public void FromRatio_MapsTableOfRatios(double ratio, double expected) =>
        Assert.Equal(expected, AnomalyScore.FromRatio(ratio), 12);

    [Fact]
    public void FromRatio_IsStrictlyIncreasingAndBelowOne()
    {
        var previous = 0.0;
        for (var r = 0.01; r < 1000; r *= 1.1)
        {
            var s = AnomalyScore.FromRatio(r);
            Assert.True(s > previous, $"not increasing at r={r}");
            Assert.True(s <= 1);
            previous = s;
        }
    }
}
