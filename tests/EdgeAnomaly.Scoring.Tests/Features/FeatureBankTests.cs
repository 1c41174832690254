using EdgeAnomaly.Scoring.Features;

namespace EdgeAnomaly.Scoring.Tests.Features;

public class FeatureBankTests
{
    internal sealed class Collector : IFeatureStepSink
    {
        public List<(long End, bool Valid, double[] Features)> Steps { get; } = [];

        public void OnStep(long stepEndMs, bool valid, ReadOnlySpan<double> features) => Steps.Add((stepEndMs, valid, features.ToArray()));
    }

    private static FeatureSpec Spec(FeatureOptions options, int tags = 2, int seconds = 200)
    {
        var names = Enumerable.Range(0, tags).Select(i => "t" + i).ToArray();
        var series = names.Select((_, t) =>
        {
            var s = new TagSeries();
            for (var i = 0; i < seconds; i++)
            {
                s.TryAdd(i * 1000L, Math.Sin(i * 0.3 + t) + (0.01 * i));
            }
            return s;
        }).ToArray();
        return FeatureSpec.Fit(names, options, series);
    }

    [Fact]
    public void Step_CoversTheWindowEndingOnAStepMultiple()
    {
        var spec = Spec(new FeatureOptions { WindowSeconds = 4, StepSeconds = 2, Families = FeatureFamilies.Mean | FeatureFamilies.Std | FeatureFamilies.Slope | FeatureFamilies.MinMax | FeatureFamilies.Percentiles }, tags: 1);
        var sink = new Collector();
        var bank = new FeatureBank(spec, sink);
        // samples at 1..8 s with value = seconds
        for (var s = 1; s <= 8; s++)
        {
            bank.AddRow(s * 1000L, [s]);
        }
        // window (4, 8] holds 5, 6, 7, 8
        var last = sink.Steps[^1];
        Assert.Equal(8000, last.End);
        Assert.True(last.Valid);
        var names = spec.ColumnNames.ToList();
        Assert.Equal(6.5, last.Features[names.IndexOf("t0.mean")], 12);
        Assert.Equal(5, last.Features[names.IndexOf("t0.min")], 12);
        Assert.Equal(8, last.Features[names.IndexOf("t0.max")], 12);
        Assert.Equal(6.5, last.Features[names.IndexOf("t0.p50")], 12);
        Assert.Equal(5.3, last.Features[names.IndexOf("t0.p10")], 12);
        Assert.Equal(1.5, last.Features[names.IndexOf("t0.iqr")], 12);
        Assert.Equal(1.0, last.Features[names.IndexOf("t0.slope")], 12);
        Assert.Equal(Math.Sqrt(5.0 / 3), last.Features[names.IndexOf("t0.std")], 12);
        Assert.Equal([2000L, 4000, 6000, 8000], sink.Steps.Select(s => s.End));
    }

    [Fact]
    public void RowAtOnceAndPerTagReadingsInAnyOrder_GiveIdenticalFeatures()
    {
        var spec = Spec(new FeatureOptions { WindowSeconds = 20, StepSeconds = 5 }, tags: 3);
        var rows = new Collector();
        var readings = new Collector();
        var byRow = new FeatureBank(spec, rows);
        var byTag = new FeatureBank(spec, readings);
        var random = new Random(5);
        var order = new[] { 0, 1, 2 };
        for (var i = 0; i < 300; i++)
        {
            var ts = 1_700_000_000_000L + (i * 1000L);
            double[] values = [Math.Sin(i * 0.1), Math.Cos(i * 0.07) * 3, i % 11 == 0 ? double.NaN : random.NextDouble()];
            byRow.AddRow(ts, values);
            random.Shuffle(order);
            foreach (var t in order)
            {
                byTag.Add(t, ts, values[t]);
            }
            if (i % 3 == 2)
            {
                byTag.AdvanceTo(ts);   // the live side advances on its own tick, not per row
            }
        }
        byTag.AdvanceTo(1_700_000_000_000L + (299 * 1000L));
        Assert.Equal(rows.Steps.Count, readings.Steps.Count);
        Assert.True(rows.Steps.Count > 50);
        for (var i = 0; i < rows.Steps.Count; i++)
        {
            Assert.Equal(rows.Steps[i].End, readings.Steps[i].End);
            Assert.Equal(rows.Steps[i].Valid, readings.Steps[i].Valid);
            Assert.Equal(rows.Steps[i].Features, readings.Steps[i].Features);
        }
    }

    [Fact]
    public void NonFiniteAndLateReadings_AreSkippedAndCounted_AndASparseWindowIsInvalid()
    {
        var spec = Spec(new FeatureOptions { WindowSeconds = 10, StepSeconds = 10, Families = FeatureFamilies.Mean }, tags: 1);
        Assert.Equal(5, spec.MinSamplesPerWindow);   // half of 10 samples at the 1 s training interval
        var sink = new Collector();
        var bank = new FeatureBank(spec, sink);
        for (var s = 1; s <= 10; s++)
        {
            bank.Add(0, s * 1000L, s <= 6 ? double.NaN : s);   // only 4 finite samples in (0, 10]
        }
        bank.AdvanceTo(10_000);
        Assert.False(bank.Add(0, 9_500, 1));   // its window is closed
        Assert.Equal(6, bank.NonFiniteReadings);
        Assert.Equal(1, bank.LateReadings);
        Assert.Single(sink.Steps);
        Assert.False(sink.Steps[0].Valid);
        Assert.True(double.IsNaN(sink.Steps[0].Features[0]));
        for (var s = 11; s <= 20; s++)
        {
            bank.Add(0, s * 1000L, s);
        }
        bank.AdvanceTo(20_000);
        Assert.True(sink.Steps[1].Valid);
        Assert.Equal(15.5, sink.Steps[1].Features[0], 12);
    }

    [Fact]
    public void AGapWithoutData_ProducesNoSteps()
    {
        var spec = Spec(new FeatureOptions { WindowSeconds = 5, StepSeconds = 1, Families = FeatureFamilies.Mean }, tags: 1);
        var sink = new Collector();
        var bank = new FeatureBank(spec, sink);
        for (var s = 0; s < 10; s++)
        {
            bank.AddRow(s * 1000L, [1]);
        }
        var before = sink.Steps.Count;
        for (var s = 100_000; s < 100_010; s++)   // a day later
        {
            bank.AddRow(s * 1000L, [2]);
        }
        // 5 steps still overlap the first burst, then the empty windows are skipped in one go
        Assert.InRange(sink.Steps.Count - before, 10, 15);
    }

    [Fact]
    public void DriftingTags_KeepOnlyTheirShapeFeatures()
    {
        var spec = Spec(new FeatureOptions { Families = FeatureFamilies.Mean | FeatureFamilies.Std, DriftingTags = ["t1"] }, tags: 2);
        Assert.Equal(["t0.mean", "t0.std", "t1.std"], spec.ColumnNames);
    }

    [Fact]
    public void ClosingSteps_DoesNotAllocate()
    {
        var spec = Spec(new FeatureOptions { WindowSeconds = 60, StepSeconds = 10 }, tags: 4);
        var bank = new FeatureBank(spec, new NullSink());
        var row = new double[4];
        for (var i = 0; i < 200; i++)
        {
            row[0] = i; row[1] = Math.Sin(i); row[2] = i % 7; row[3] = 1.0 / (i + 1);
            bank.AddRow(i * 1000L, row);
        }
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 200; i < 2200; i++)
        {
            row[0] = i; row[1] = Math.Sin(i); row[2] = i % 7; row[3] = 1.0 / (i + 1);
            bank.AddRow(i * 1000L, row);
        }
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.True(bank.ValidSteps > 200);
        // 200 steps with FFTs: allow stray runtime bytes, but nothing per reading or per step.
        Assert.True(allocated < 4096, $"allocated {allocated} bytes over 2000 rows");
    }

    private sealed class NullSink : IFeatureStepSink
    {
        public void OnStep(long stepEndMs, bool valid, ReadOnlySpan<double> features)
        {
        }
    }
}
