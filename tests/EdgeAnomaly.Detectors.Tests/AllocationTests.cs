using EdgeAnomaly.Core.Readings;

namespace EdgeAnomaly.Detectors.Tests;

public class AllocationTests
{
    [Fact]
    public void OnReading_AfterWarmup_AllocatesNothingOver100kReadings()
    {
        const int tags = 8;
        var stats = Kit.AllFour();
        stats.TimeOfDay.Enabled = true; // every detector on: the worst case
        var bank = new TagDetectorBank(Kit.Registry(1, tags), stats, new DataQualityOptions());
        var sink = new CountingSink();
        var noise = new Noise(1);
        var values = new double[4096];
        for (var i = 0; i < values.Length; i++)
        {
            // Noise with occasional spikes, steps and stuck stretches so every reporting path runs.
            values[i] = 10 + noise.Next() + (i % 997 == 0 ? 50 : 0) + (i % 1500 > 1400 ? 8 : 0);
        }
        long t = Kit.T0;
        void Run(int count)
        {
            for (var i = 0; i < count; i++)
            {
                var tag = i % tags;
                var v = (i / tags) % 3000 > 2900 ? 42.0 : values[i % values.Length];
                bank.OnReading(new Reading(tag, t, v), sink);
                t += 125;
                if (i % 64 == 0)
                {
                    bank.OnTick(t, sink);
                }
            }
        }
        Run(50_000); // warm-up: baselines filled, code paths jitted
        var before = GC.GetAllocatedBytesForCurrentThread();
        Run(100_000);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(0, allocated);
        Assert.True(sink.Active > 0 && sink.Inactive > 0, "the measured run must include reports");
    }
}
