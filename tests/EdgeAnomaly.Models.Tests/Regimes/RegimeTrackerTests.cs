using EdgeAnomaly.Models.Regimes;

namespace EdgeAnomaly.Models.Tests.Regimes;

public class RegimeTrackerTests
{
    [Fact]
    public void Dwell_PreventsFlicker_AndAdoptsASustainedChange()
    {
        var tracker = new RegimeTracker(2, TimeSpan.FromSeconds(60));
        long t = 0;
        Assert.Equal(0, tracker.Observe(0, t));
        // Flicker: regime 1 is the nearest for 10 s at a time, then 0 again; never adopted.
        for (var cycle = 0; cycle < 20; cycle++)
        {
            for (var s = 0; s < 10; s++)
            {
                t += 1000;
                Assert.Equal(0, tracker.Observe(1, t));
            }
            t += 1000;
            Assert.Equal(0, tracker.Observe(0, t));
        }
        Assert.Equal(0, tracker.Switches);

        // Sustained: adopted once regime 1 has been the nearest for 60 s of sample time.
        var since = t + 1000;
        var adoptedAt = -1L;
        for (var s = 1; s <= 90; s++)
        {
            t += 1000;
            if (tracker.Observe(1, t) == 1 && adoptedAt < 0)
            {
                adoptedAt = t;
            }
        }
        Assert.Equal(since + 60_000, adoptedAt);
        Assert.Equal(1, tracker.Switches);
    }

    [Fact]
    public void Statistics_CountSamplesAndTimePerAdoptedRegime()
    {
        var tracker = new RegimeTracker(3, TimeSpan.Zero);
        tracker.Observe(0, 0);
        tracker.Observe(0, 1000);
        tracker.Observe(2, 3000);   // adopted immediately (no dwell); the 2 s before count for regime 0
        tracker.Observe(2, 4000);

        Assert.Equal(new long[] { 2, 0, 2 }, tracker.SamplesPerRegime.ToArray());
        Assert.Equal(new long[] { 3000, 0, 1000 }, tracker.DwellMsPerRegime.ToArray());
        var shares = new double[3];
        tracker.CopyShares(shares);
        Assert.Equal(new[] { 0.5, 0, 0.5 }, shares);
        tracker.ResetStatistics();
        Assert.Equal(0, tracker.TotalSamples);
        Assert.Equal(2, tracker.Current);
    }

    [Fact]
    public void TimeGoingBackwards_DoesNotAdoptEarly()
    {
        var tracker = new RegimeTracker(2, TimeSpan.FromSeconds(10));
        tracker.Observe(0, 100_000);
        tracker.Observe(1, 100_000);
        Assert.Equal(0, tracker.Observe(1, 50_000));
        Assert.Equal(0, tracker.Observe(1, 105_000));
        Assert.Equal(1, tracker.Observe(1, 110_000));
    }

    [Fact]
    public void Update_UsesTheModel()
    {
        var random = new Random(1);
        var rows = Synthetic.Blobs(random, [[0, 0], [10, 10]], 200, 0.5);
        var model = RegimeDiscovery.Fit(rows, new RegimeDiscoveryOptions { MinDwell = TimeSpan.FromSeconds(5) });
        var tracker = new RegimeTracker(model);
        var first = tracker.Update(rows[0], 0);
        Assert.Equal(first, tracker.Update(rows[300], 4000));
        Assert.NotEqual(first, tracker.Update(rows[301], 9000));
    }
}
