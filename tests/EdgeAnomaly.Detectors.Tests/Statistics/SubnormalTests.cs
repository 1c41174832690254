using EdgeAnomaly.Detectors.Statistics;

namespace EdgeAnomaly.Detectors.Tests.Statistics;

/// <summary>
/// State that shrinks geometrically must never settle in the subnormal doubles: x × (1 − a) rounds back to the
/// smallest subnormal, so it would stay there, and every reading would then pay a microcode assist on x64.
/// </summary>
public class SubnormalTests
{
    [Fact]
    public void Ewma_StartupDecay_EndsAtZeroNotInTheSubnormals()
    {
        var ewma = new EwmaDetector(new EwmaOptions(), 1, 1e-9, 1e-6);
        var noise = new Noise(3);
        for (var i = 0; i < 5_000; i++)
        {
            var x = 10 + noise.Next();
            ewma.Evaluate(x);
            ewma.Advance();
            ewma.Admit(x);
            ewma.Refresh();
        }
        // (0.8²)^5000 is far below the smallest subnormal; without the flush it sticks at 4.9e-324.
        Assert.Equal(0, ewma.StartupDecay);
    }

    [Fact]
    public void Ewma_StateOfATagThatTurnsZero_GoesToZeroNotIntoTheSubnormals()
    {
        var ewma = new EwmaDetector(new EwmaOptions(), 1, 1e-9, 1e-6);
        var noise = new Noise(4);
        for (var i = 0; i < 1_000; i++)
        {
            ewma.Admit(noise.Next());
        }
        var flagged = 0;
        // A stopped machine reporting exactly 0: the variance shrinks by 299/300 per reading, below the smallest
        // normal double after ~212,000 readings.
        for (var i = 0; i < 260_000; i++)
        {
            ewma.Evaluate(0);
            flagged += ewma.Flag ? 1 : 0;
            ewma.Advance();
            ewma.Admit(0);
            ewma.Refresh();
            Assert.True(ewma.Variance == 0 || double.IsNormal(ewma.Variance), $"variance {ewma.Variance} at {i}");
            Assert.True(ewma.Mean == 0 || double.IsNormal(ewma.Mean), $"mean {ewma.Mean} at {i}");
            Assert.True(ewma.ChartValue == 0 || double.IsNormal(ewma.ChartValue), $"chart {ewma.ChartValue} at {i}");
        }
        Assert.Equal(0, ewma.Variance);
        Assert.Equal(0, ewma.Mean);
        Assert.Equal(0, ewma.ChartValue);
        Assert.Equal(1e-9, ewma.Spread); // the spread floor, as it was while the variance was tiny but normal
        Assert.True(flagged < 100, $"flagged {flagged}"); // only while the mean settles on the new level
    }
}
