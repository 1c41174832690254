using EdgeAnomaly.Models.Drift;

namespace EdgeAnomaly.Models.Tests.Drift;

public class AdwinTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void StationaryNoise_NoDetection(int seed)
    {
        var random = new Random(seed);
        var adwin = new Adwin();
        for (var i = 0; i < 10_000; i++)
        {
            Assert.False(adwin.Add(Synthetic.Gaussian(random)), $"false alarm at {i}");
        }
        Assert.Equal(adwin.MaxWidth, adwin.Width);
        Assert.InRange(adwin.Mean, -0.15, 0.15);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void MeanShift_DetectedWithinBoundedDelay_AndWindowShrinks(int seed)
    {
        var random = new Random(seed);
        var adwin = new Adwin();
        for (var i = 0; i < 2000; i++)
        {
            Assert.False(adwin.Add(Synthetic.Gaussian(random)));
        }
        var delay = -1;
        for (var i = 0; i < 500 && delay < 0; i++)
        {
            if (adwin.Add(1.0 + Synthetic.Gaussian(random)))
            {
                delay = i + 1;
            }
        }
        // The bound above gives about 40 samples for a 1-sigma shift against a full window.
        Assert.InRange(delay, 10, 120);
        Assert.True(adwin.Width < adwin.MaxWidth / 2, $"width {adwin.Width}");
        Assert.Equal(1, adwin.Detections);
    }

    [Fact]
    public void WriteRead_RoundTrip_ContinuesIdentically()
    {
        var random = new Random(4);
        var adwin = new Adwin(maxWidth: 200);
        for (var i = 0; i < 300; i++)
        {
            adwin.Add(Synthetic.Gaussian(random));
        }
        var bytes = ModelIo.Bytes(adwin.Write);
        var copy = ModelIo.Read(bytes, Adwin.Read);
        Assert.Equal(adwin.Mean, copy.Mean, 12);
        Assert.Equal(adwin.Width, copy.Width);
        for (var i = 0; i < 200; i++)
        {
            var x = (i > 50 ? 2 : 0) + Synthetic.Gaussian(random);
            Assert.Equal(adwin.Add(x), copy.Add(x));
        }
        ModelIo.AssertEveryTruncationRefused(bytes, Adwin.Read);
    }
}
