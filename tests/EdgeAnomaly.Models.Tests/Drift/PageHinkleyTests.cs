using EdgeAnomaly.Models.Drift;

namespace EdgeAnomaly.Models.Tests.Drift;

public class PageHinkleyTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void StationaryNoise_NoDetection(int seed)
    {
        var random = new Random(seed);
        var ph = new PageHinkley();
        for (var i = 0; i < 50_000; i++)
        {
            Assert.False(ph.Add(Synthetic.Gaussian(random)), $"false alarm at {i}");
        }
    }

    [Theory]
    [InlineData(1.0, ChangeDirection.Increase)]
    [InlineData(-1.0, ChangeDirection.Decrease)]
    public void MeanShift_DetectedWithinBoundedDelay_InItsDirection(double shift, ChangeDirection direction)
    {
        var random = new Random(5);
        var ph = new PageHinkley();
        for (var i = 0; i < 2000; i++)
        {
            Assert.False(ph.Add(Synthetic.Gaussian(random)));
        }
        var delay = -1;
        for (var i = 0; i < 500 && delay < 0; i++)
        {
            if (ph.Add(shift + Synthetic.Gaussian(random)))
            {
                delay = i + 1;
            }
        }
        // Post-shift the statistic grows by about |shift| - delta = 0.5 per sample: lambda 25 is reached near 50.
        Assert.InRange(delay, 20, 120);
        Assert.Equal(direction, ph.LastChange);
        Assert.Equal(0, ph.Count);
    }

    [Fact]
    public void OneSided_IgnoresDecrease()
    {
        var random = new Random(6);
        var ph = new PageHinkley(twoSided: false);
        for (var i = 0; i < 1000; i++)
        {
            ph.Add(Synthetic.Gaussian(random));
        }
        for (var i = 0; i < 1000; i++)
        {
            Assert.False(ph.Add(-2 + Synthetic.Gaussian(random)));
        }
    }

    [Fact]
    public void FixedReferenceMean_DetectsAShiftFromTheStart()
    {
        var random = new Random(7);
        var ph = new PageHinkley(referenceMean: 0);
        var delay = -1;
        for (var i = 0; i < 500 && delay < 0; i++)
        {
            if (ph.Add(1 + Synthetic.Gaussian(random)))
            {
                delay = i + 1;
            }
        }
        Assert.InRange(delay, 30, 120);
    }

    [Fact]
    public void WriteRead_RoundTrip_ContinuesIdentically()
    {
        var random = new Random(8);
        var ph = new PageHinkley(referenceMean: 0.1);
        for (var i = 0; i < 100; i++)
        {
            ph.Add(Synthetic.Gaussian(random));
        }
        var bytes = ModelIo.Bytes(ph.Write);
        var copy = ModelIo.Read(bytes, PageHinkley.Read);
        for (var i = 0; i < 300; i++)
        {
            var x = (i > 50 ? 1.5 : 0) + Synthetic.Gaussian(random);
            Assert.Equal(ph.Add(x), copy.Add(x));
            Assert.Equal(ph.Statistic, copy.Statistic);
        }
        ModelIo.AssertEveryTruncationRefused(bytes, PageHinkley.Read);
    }
}
