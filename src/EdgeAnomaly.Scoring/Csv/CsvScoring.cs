using System.Globalization;
using EdgeAnomaly.Core.Events;
using EdgeAnomaly.Scoring.Pipeline;

namespace EdgeAnomaly.Scoring.Csv;

/// <summary>What a replay did.</summary>
public sealed record ReplaySummary(int Rows, long Steps, long InvalidSteps, int AnomalousRows, int EventsOpened, long SkippedReadings);

/// <summary>
/// Training from and replaying through a <see cref="CsvTable"/> with exactly the live code: every row becomes one
/// reading per column (<see cref="AssetScorer.AddRow"/>), and each output row shows the scorer's latest step at that
/// row's time.
/// </summary>
public static class CsvScoring
{
    /// <summary>Median gap between consecutive rows, in seconds (0 for fewer than two rows).</summary>
    public static double MedianIntervalSeconds(CsvTable table)
    {
        ArgumentNullException.ThrowIfNull(table);
        if (table.RowCount < 2)
        {
            return 0;
        }
        var gaps = new double[table.RowCount - 1];
        for (var i = 1; i < table.RowCount; i++)
        {
            gaps[i - 1] = (table.TimesMs[i] - table.TimesMs[i - 1]) / 1000.0;
        }
        Array.Sort(gaps);
        return gaps[gaps.Length / 2];
    }

    /// <summary>
    /// Adapts the window and step to slow or irregular data: when a window would hold fewer than 6 samples at the
    /// median interval, the step becomes the median interval, the window 10 of them, and the merge gap at least two
    /// steps (so one calm step does not split an event). Returns a description of the change, or null when the
    /// options fit.
    /// </summary>
    public static string? AdaptToSampling(ScoringOptions options, double medianIntervalSeconds)
    {
        ArgumentNullException.ThrowIfNull(options);
        var features = options.Features;
        if (!(medianIntervalSeconds > 0) || features.WindowSeconds / medianIntervalSeconds >= 6)
        {
            return null;
        }
        var step = Math.Ceiling(medianIntervalSeconds);
        features.StepSeconds = step;
        features.WindowSeconds = 10 * step;
        options.MergeGapSeconds = Math.Max(options.MergeGapSeconds, 2 * step);
        return string.Create(CultureInfo.InvariantCulture,
            $"median sampling interval {medianIntervalSeconds:0.###} s: window {features.WindowSeconds:0.###} s, step {features.StepSeconds:0.###} s, merge gap {options.MergeGapSeconds:0.###} s");
    }

    /// <summary>Trains on the first <paramref name="rows"/> rows (all when 0 or more than the table has).</summary>
    public static AssetModel Train(CsvTable table, string asset, ScoringOptions options, int rows = 0, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(table);
        var history = new TrainingHistory(table.Columns);
        var n = rows <= 0 ? table.RowCount : Math.Min(rows, table.RowCount);
        for (var i = 0; i < n; i++)
        {
            history.AddRow(table.TimesMs[i], table.Row(i));
        }
        return AssetModelTrainer.Train(asset, history, options, time);
    }

    public const string ScoresHeader = "timestamp,timestamp_ms,regime,iforest,t2,spe,fused,threshold,anomaly";

    /// <summary>
    /// Replays every row through a fresh <see cref="AssetScorer"/> and writes one output row per input row:
    /// timestamp, regime, each detector's [0, 1] score, the fused score, the threshold and the causal anomaly flag
    /// (scores empty before the first step and for an invalid step).
    /// </summary>
    public static ReplaySummary Replay(CsvTable table, AssetModel model, TextWriter output, IConditionSink? sink = null, Action<int, int>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(table);
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(output);
        if (!table.Columns.SequenceEqual(model.Tags, StringComparer.Ordinal))
        {
            throw new ArgumentException($"The CSV columns [{string.Join(", ", table.Columns)}] are not the model's tags [{string.Join(", ", model.Tags)}] (use --columns).");
        }
        var scorer = new AssetScorer(model, sink);
        output.WriteLine(ScoresHeader);
        var anomalous = 0;
        var opened = 0;
        var invalid = 0L;
        scorer.StepScored = r =>
        {
            if (!r.Valid)
            {
                invalid++;
            }
            if (r.Change == EventChange.Opened)
            {
                opened++;
            }
        };
        var progressEvery = Math.Max(1, table.RowCount / 20);
        for (var i = 0; i < table.RowCount; i++)
        {
            var ts = table.TimesMs[i];
            scorer.AddRow(ts, table.Row(i));
            var last = scorer.Last;
            var stamp = DateTimeOffset.FromUnixTimeMilliseconds(ts).ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture);
            if (last.TimestampMs == long.MinValue || !last.Valid)
            {
                output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{stamp},{ts},-1,,,,,{model.Threshold:0.######},{(last.Anomaly ? 1 : 0)}"));
            }
            else
            {
                output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{stamp},{ts},{last.Regime},{last.IsolationForest:0.######},{last.T2:0.######},{last.Spe:0.######},{last.Fused:0.######},{last.Threshold:0.######},{(last.Anomaly ? 1 : 0)}"));
            }
            if (last.Anomaly)
            {
                anomalous++;
            }
            if (progress is not null && (i + 1) % progressEvery == 0)
            {
                progress(i + 1, table.RowCount);
            }
        }
        var bank = scorer.Features;
        return new ReplaySummary(table.RowCount, scorer.Steps, invalid, anomalous, opened, bank.NonFiniteReadings + bank.LateReadings + bank.OutOfOrderReadings);
    }
}
