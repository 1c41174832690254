using EdgeAnomaly.Core.Events;
using EdgeAnomaly.Core.Readings;

namespace EdgeAnomaly.Rules.Tests;

public class AllocationTests
{
    /// <summary>Counts reports without storing them, so the sink itself allocates nothing.</summary>
    private sealed class CountingSink : IConditionSink
    {
        public long Active;
        public long Cleared;

        public void Report(ConditionSource source, bool active, in ConditionSample sample)
        {
            if (active)
            {
                Active++;
            }
            else
            {
                Cleared++;
            }
        }
    }

    [Fact]
    public void OnReading_AfterWarmUp_AllocatesNothing()
    {
        var fleet = new Fleet("""
            version: 1
            rules:
              - id: overcurrent
                select: { assetType: pump }
                when: current.a > 12
                sustain: 2s
                hysteresis: 0.5
              - id: pressure-drop
                select: { assetType: pump }
                when: delta(pressure.bar, 30s) < -1 or rate(pressure.bar, 1m) < -5
              - id: mixed
                select: { asset: "*" }
                when: "abs(current.a - avg(current.a, 10, max(2, min(current.a, 20)))) > 3 and not current.a == 7 || current.a / 0 > 1"
                clear: current.a < 5
            """);
        var sink = new CountingSink();
        var tags = new[] { fleet.Tag("pump-1", "current.a"), fleet.Tag("pump-1", "pressure.bar"), fleet.Tag("pump-2", "current.a"), fleet.Tag("motor-1", "current.a") };

        void Run(int n, long startMs)
        {
            for (var i = 0; i < n; i++)
            {
                // A saw-tooth crossing every threshold, so rules activate, stay active and clear.
                var reading = new Reading(tags[i & 3], startMs + (i * 100L), (i % 400) * 0.05);
                fleet.Values.Update(reading);
                fleet.Engine.OnReading(reading, sink);
            }
        }

        Run(100_000, 0);
        var reportsBefore = sink.Active + sink.Cleared;
        var before = GC.GetAllocatedBytesForCurrentThread();
        Run(100_000, 10_000_000);
        var after = GC.GetAllocatedBytesForCurrentThread();

        Assert.Equal(before, after);
        Assert.True(sink.Cleared > 100, "the workload must exercise clearing");
        Assert.True(sink.Active + sink.Cleared > reportsBefore, "the measured run must report");
    }
}
