using System.Diagnostics;
using System.Globalization;
using EdgeAnomaly.Scoring.Bundle;
using EdgeAnomaly.Scoring.Features;
using EdgeAnomaly.Scoring.Pipeline;

namespace EdgeAnomaly.Bench.Scoring;

/// <summary>
/// Per-asset model pipeline on 16 tags at 1 Hz with the product defaults (60 s window, 10 s step, every feature
/// family, 100 trees): training time, bundle size and load time, then live scoring of a long replay, reported per
/// step (time and bytes allocated) for the feature bank alone and for the whole pipeline (features, regimes,
/// IF + T2 + SPE, calibration, fusion, eventization, drift). Single thread; readings go in one per tag, as live.
/// </summary>
public static class ScoringBench
{
    public static int Run(int tags, int trainSeconds, int scoreSeconds, int repeats)
    {
        Console.WriteLine($"scoring: {tags} tags at 1 Hz, training {trainSeconds} s, scoring {scoreSeconds} s x {repeats}, process {Environment.ProcessorCount} cores, server GC {System.Runtime.GCSettings.IsServerGC}");
        var names = Enumerable.Range(0, tags).Select(i => "tag" + i.ToString("00", CultureInfo.InvariantCulture)).ToArray();
        var random = new Random(5);
        var history = new TrainingHistory(names);
        var row = new double[tags];
        for (var i = 0; i < trainSeconds; i++)
        {
            Fill(row, i, random);
            history.AddRow(Start + (i * 1000L), row);
        }
        var options = new ScoringOptions();
        options.Forest.Trees = 100;
        var sw = Stopwatch.StartNew();
        var model = AssetModelTrainer.Train("bench", history, options);
        var trainMs = sw.Elapsed.TotalMilliseconds;
        var bytes = ModelBundle.ToBytes(model);
        sw.Restart();
        const int loads = 20;
        for (var i = 0; i < loads; i++)
        {
            _ = ModelBundle.FromBytes(bytes);
        }
        var loadMs = sw.Elapsed.TotalMilliseconds / loads;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"RESULT model: {model.KeptColumns.Count} features, {model.RegimeCount} regime(s), {model.Forest.Trees} trees, {model.Pca.Components} PCA components; train {trainMs:0} ms; bundle {bytes.Length} bytes ({bytes.Length / 1024.0:0.0} KiB), load {loadMs:0.00} ms"));

        var rows = new double[scoreSeconds][];
        for (var i = 0; i < scoreSeconds; i++)
        {
            rows[i] = new double[tags];
            Fill(rows[i], trainSeconds + i, random);
        }
        for (var r = 0; r < repeats; r++)
        {
            Measure("features only", model, rows, featuresOnly: true);
            Measure("full pipeline", model, rows, featuresOnly: false);
        }
        return 0;
    }

    private const long Start = 1_767_225_600_000;

    private static void Fill(double[] row, int second, Random random)
    {
        // A slow driver, tags that follow it with different gains and phases, plus noise and a little vibration.
        var driver = Math.Sin(2 * Math.PI * second / 900.0);
        for (var t = 0; t < row.Length; t++)
        {
            row[t] = (driver * (1 + (t % 4))) + (0.3 * Math.Sin((2 * Math.PI * second / (7 + t)) + t)) + (0.1 * ((random.NextDouble() * 2) - 1));
        }
    }

    private static void Measure(string name, AssetModel model, double[][] rows, bool featuresOnly)
    {
        var counter = new CountingSink();
        var bank = featuresOnly ? new FeatureBank(model.Spec, counter) : null;
        var scorer = featuresOnly ? null : new AssetScorer(model);
        var tags = model.Tags.Count;
        GC.Collect();
        var allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
        var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
        var sw = Stopwatch.StartNew();
        for (var i = 0; i < rows.Length; i++)
        {
            var ts = Start + ((86_400L + i) * 1000L);
            var row = rows[i];
            for (var t = 0; t < tags; t++)
            {
                if (bank is not null)
                {
                    bank.Add(t, ts, row[t]);
                }
                else
                {
                    scorer!.Add(t, ts, row[t]);
                }
            }
            bank?.AdvanceTo(ts);
            scorer?.AdvanceTo(ts);
        }
        var elapsed = sw.Elapsed;
        var cpu = Process.GetCurrentProcess().TotalProcessorTime - cpuBefore;
        var allocated = GC.GetAllocatedBytesForCurrentThread() - allocatedBefore;
        var steps = bank is not null ? counter.Steps : scorer!.Steps;
        var readings = (long)rows.Length * tags;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"RESULT {name}: {steps} steps, {elapsed.TotalMicroseconds / steps:0.0} us/step wall ({cpu.TotalMicroseconds / steps:0.0} us CPU) including {readings / steps} readings per step; {(double)allocated / steps:0.0} B allocated/step; {readings / elapsed.TotalSeconds:N0} readings/s"));
    }

    private sealed class CountingSink : IFeatureStepSink
    {
        public long Steps { get; private set; }

        public void OnStep(long stepEndMs, bool valid, ReadOnlySpan<double> features) => Steps++;
    }
}
