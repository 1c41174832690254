using System.Globalization;
using EdgeAnomaly.Core.Events;
using EdgeAnomaly.Core.Readings;
using EdgeAnomaly.Core.Tags;
using EdgeAnomaly.Detectors;
using EdgeAnomaly.Scoring.Csv;
using EdgeAnomaly.Scoring.Evaluation;

namespace EdgeAnomaly.Bench.Detection;

/// <summary>
/// The per-tag statistical detectors (not the models) on the labelled SKAB files, one detector set per variant: each
/// file is one asset with the eight sensor columns as tags at 1 s, every row goes through a real
/// <see cref="TagDetectorBank"/> (data-quality checks off), and a row is predicted anomalous while any tag's statistics
/// condition is active. Scored like <see cref="SkabEvaluation"/>: rows from <see cref="SkabEvaluation.TrainRows"/> on
/// (the detectors learn online from row 0; the first rows are their warm-up), pooled point-wise F1 / FAR / MAR, and
/// NAB on the condition's changes. Data for choosing which detectors are on by default (docs/detectors.md).
/// </summary>
internal static class SkabStatistics
{
    private static readonly string[] Variants =
        ["default", "z+ewma", "robust+iqr", "z", "robust", "iqr", "ewma", "default votes2", "z+ewma+robust", "z+ewma+iqr"];

    public static int Run(string dataDirectory, IReadOnlyList<string>? only, double sensitivity, IReadOnlyList<string>? exclude = null)
    {
        var files = SkabEvaluation.LabelledFiles(dataDirectory);
        var tables = files.Select(f => CsvTable.Read(f)).ToArray();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"SKAB statistics: {files.Count} labelled files, rows from {SkabEvaluation.TrainRows} scored, sensitivity {sensitivity}, columns excluded: {(exclude is { Count: > 0 } ? string.Join(", ", exclude) : "none")}"));
        Console.WriteLine("| detectors | F1 | FAR % | MAR % | NAB standard | NAB LowFP | NAB LowFN | changepoints detected | false alarms (NAB) |");
        Console.WriteLine("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        foreach (var variant in only ?? Variants)
        {
            var pooled = new ConfusionCounts();
            var nab = new NabScore();
            for (var f = 0; f < files.Count; f++)
            {
                RunFile(tables[f], files[f], variant, sensitivity, exclude ?? [], ref pooled, nab);
            }
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {variant} | {pooled.F1:F3} | {pooled.FarPercent:F2} | {pooled.MarPercent:F2} | {nab.Normalised(NabProfile.Standard):F1} | {nab.Normalised(NabProfile.LowFalsePositives):F1} | {nab.Normalised(NabProfile.LowFalseNegatives):F1} | {nab.Detected}/{nab.Windows} | {nab.FalsePositives} |"));
        }
        return 0;
    }

    private static void RunFile(CsvTable table, string path, string variant, double sensitivity, IReadOnlyList<string> exclude, ref ConfusionCounts pooled, NabScore nab)
    {
        var columns = SkabEvaluation.SensorColumns.Where(c => !exclude.Contains(c)).ToArray();
        var b = new TagRegistry.Builder();
        b.AddAsset("skab", "pump");
        foreach (var c in columns)
        {
            b.AddTag("skab", c, "", 1);
        }
        var registry = b.Build();
        var bank = new TagDetectorBank(registry, Options(variant, out var minVotes), new DataQualityOptions { Enabled = false },
            _ => new TagDetectorOverrides { Sensitivity = sensitivity, MinVotes = minVotes });
        var sink = new ActiveSink();
        var sensors = columns.Select(c => Column(table, c, path)).ToArray();
        var anomaly = Column(table, "anomaly", path);
        var changepoint = Column(table, "changepoint", path);
        var truth = new List<long>();
        var predicted = new List<long>();
        var previous = false;
        for (var i = 0; i < table.RowCount; i++)
        {
            var row = table.Row(i);
            var ts = table.TimesMs[i];
            for (var t = 0; t < sensors.Length; t++)
            {
                bank.OnReading(new Reading(t, ts, row[sensors[t]]), sink);
            }
            var flagged = sink.ActiveCount > 0;
            if (i >= SkabEvaluation.TrainRows)
            {
                pooled.Add(row[anomaly] > 0.5, flagged);
                if (row[changepoint] > 0.5)
                {
                    truth.Add(ts);
                }
                if (flagged != previous)
                {
                    predicted.Add(ts);
                }
            }
            previous = flagged;
        }
        nab.AddFile(truth, predicted, SkabEvaluation.NabWindowMs);
    }

    private static StatisticsOptions Options(string variant, out int? minVotes)
    {
        var s = new StatisticsOptions();
        minVotes = null;
        void Only(bool z, bool robust, bool iqr, bool ewma)
        {
            s.ZScore.Enabled = z;
            s.RobustZ.Enabled = robust;
            s.Iqr.Enabled = iqr;
            s.Ewma.Enabled = ewma;
        }
        switch (variant)
        {
            case "default": Only(true, true, true, true); break;
            case "default votes2": Only(true, true, true, true); minVotes = 2; break;
            case "z+ewma": Only(true, false, false, true); break;
            case "robust+iqr": Only(false, true, true, false); break;
            case "z+ewma+robust": Only(true, true, false, true); break;
            case "z+ewma+iqr": Only(true, false, true, true); break;
            case "z": Only(true, false, false, false); break;
            case "robust": Only(false, true, false, false); break;
            case "iqr": Only(false, false, true, false); break;
            case "ewma": Only(false, false, false, true); break;
            default: throw new ArgumentException("unknown variant " + variant, nameof(variant));
        }
        s.TimeOfDay.Enabled = false;
        return s;
    }

    private static int Column(CsvTable table, string name, string path)
    {
        for (var i = 0; i < table.Columns.Count; i++)
        {
            if (table.Columns[i] == name)
            {
                return i;
            }
        }
        throw new InvalidDataException($"{path}: SKAB column '{name}' not found");
    }

    /// <summary>Which conditions are active right now (a report of "active" per flagged reading, one "cleared" at the end).</summary>
    private sealed class ActiveSink : IConditionSink
    {
        private readonly HashSet<ConditionSource> _active = [];

        public int ActiveCount => _active.Count;

        public void Report(ConditionSource source, bool active, in ConditionSample sample)
        {
            if (active)
            {
                _active.Add(source);
            }
            else
            {
                _active.Remove(source);
            }
        }
    }
}
