using System.Diagnostics;
using System.Globalization;
using EdgeAnomaly.Models.Evaluation;
using EdgeAnomaly.Models.Forest;

namespace EdgeAnomaly.Bench.Models;

/// <summary>
/// `iforest --train train.csv --test test.csv [--trees 100 --subsample 256 --seed 1 --repeats 5]`: trains the Isolation
/// Forest on train.csv (numeric columns, no header), scores test.csv (same columns plus a 0/1 label last) and prints one
/// JSON line: training time, batch scoring throughput (one thread, best of the repeats), single-sample latency (median
/// and p99 of individually timed calls), ROC-AUC and the serialized size. bench/iforest-vs-sklearn.sh runs it next to
/// scikit-learn on the same files.
/// </summary>
internal static class IsolationForestBench
{
    public static int Run(string train, string test, int trees, int subsample, int seed, int repeats)
    {
        var trainRows = ReadCsv(train, hasLabel: false, out _);
        var testRows = ReadCsv(test, hasLabel: true, out var labels);
        var options = new IsolationForestOptions { Trees = trees, SubsampleSize = subsample, Seed = seed };

        // Training: the first run includes JIT; report the best of the repeats like the Python side.
        IsolationForest? forest = null;
        var trainSeconds = double.MaxValue;
        for (var r = 0; r < repeats; r++)
        {
            var sw = Stopwatch.StartNew();
            forest = IsolationForest.Train(trainRows, options);
            trainSeconds = Math.Min(trainSeconds, sw.Elapsed.TotalSeconds);
        }

        var flat = new double[testRows.Length * forest!.Dimensions];
        for (var i = 0; i < testRows.Length; i++)
        {
            testRows[i].CopyTo(flat, i * forest.Dimensions);
        }
        var scores = new double[testRows.Length];
        forest.ScoreMany(flat, scores);   // warm-up (tier-1 JIT)
        // Wall time and process CPU time (on a shared, loaded machine the CPU time is the fairer figure; the Python
        // side reports both the same way).
        var scoreSeconds = double.MaxValue;
        var scoreCpuSeconds = double.MaxValue;
        using var process = Process.GetCurrentProcess();
        for (var r = 0; r < repeats; r++)
        {
            process.Refresh();
            var cpu = process.TotalProcessorTime;
            var sw = Stopwatch.StartNew();
            forest.ScoreMany(flat, scores);
            scoreSeconds = Math.Min(scoreSeconds, sw.Elapsed.TotalSeconds);
            process.Refresh();
            scoreCpuSeconds = Math.Min(scoreCpuSeconds, (process.TotalProcessorTime - cpu).TotalSeconds);
        }
        var single = new double[testRows.Length];
        for (var i = 0; i < testRows.Length; i++)
        {
            single[i] = forest.Score(testRows[i]);
        }
        var identical = single.AsSpan().SequenceEqual(scores);

        // Single-sample latency: each call timed on its own, over rows in test order.
        var calls = Math.Min(testRows.Length, 50_000);
        var latencies = new double[calls];
        var sink = 0.0;
        for (var i = 0; i < calls; i++)
        {
            var start = Stopwatch.GetTimestamp();
            sink += forest.Score(testRows[i]);
            latencies[i] = Stopwatch.GetElapsedTime(start).TotalMicroseconds;
        }
        Array.Sort(latencies);

        using var stream = new MemoryStream();
        using (var w = new BinaryWriter(stream, System.Text.Encoding.UTF8, leaveOpen: true))
        {
            forest.Write(w);
        }

        var allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 10_000; i++)
        {
            sink += forest.Score(testRows[i % testRows.Length]);
        }
        var allocatedPerScore = (GC.GetAllocatedBytesForCurrentThread() - allocatedBefore) / 10_000.0;

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{{\"impl\":\"csharp\",\"train_rows\":{trainRows.Length},\"test_rows\":{testRows.Length},\"dims\":{forest.Dimensions},\"trees\":{trees},\"psi\":{forest.SampleSize}," +
            $"\"train_s\":{trainSeconds:F4},\"score_s\":{scoreSeconds:F4},\"rows_per_s\":{testRows.Length / scoreSeconds:F0},\"score_cpu_s\":{scoreCpuSeconds:F4},\"rows_per_cpu_s\":{testRows.Length / scoreCpuSeconds:F0},\"batch_equals_single\":{(identical ? "true" : "false")}," +
            $"\"single_us_median\":{latencies[calls / 2]:F2},\"single_us_p99\":{latencies[(int)(calls * 0.99)]:F2}," +
            $"\"auc\":{RocAuc.Compute(scores, labels):F5},\"model_bytes\":{stream.Length},\"alloc_bytes_per_score\":{allocatedPerScore:F1},\"checksum\":{sink % 1:F6}}}"));
        return 0;
    }

    private static double[][] ReadCsv(string path, bool hasLabel, out bool[] labels)
    {
        var rows = new List<double[]>();
        var labelList = new List<bool>();
        foreach (var line in File.ReadLines(path))
        {
            if (line.Length == 0)
            {
                continue;
            }
            var fields = line.Split(',');
            var width = hasLabel ? fields.Length - 1 : fields.Length;
            var row = new double[width];
            for (var j = 0; j < width; j++)
            {
                row[j] = double.Parse(fields[j], CultureInfo.InvariantCulture);
            }
            rows.Add(row);
            if (hasLabel)
            {
                labelList.Add(fields[^1].Trim() == "1");
            }
        }
        labels = labelList.ToArray();
        return rows.ToArray();
    }
}
