using EdgeAnomaly.Core.Events;
using EdgeAnomaly.Core.Readings;
using EdgeAnomaly.Core.Tags;
using EdgeAnomaly.Detectors;
using EdgeAnomaly.Scoring.Csv;
using EdgeAnomaly.Scoring.Evaluation;

namespace EdgeAnomaly.Runtime.Evaluation;

/// <summary>One detector set on the labelled SKAB files.</summary>
public sealed record SkabStatisticsResult(string DetectorSet, ConfusionCounts Counts, double NabStandard, double NabLowFp, double NabLowFn,
    int ChangepointsDetected, int Changepoints, int FalseAlarms)
{
    public double F1 => Counts.F1;

    public double FarPercent => Counts.FarPercent;

    public double MarPercent => Counts.MarPercent;
}

/// <summary>
/// The per-tag statistical detectors (not the models) on the labelled SKAB files: each file is one asset with the eight
/// sensor columns as tags at 1 s, every row goes through a real <see cref="TagDetectorBank"/> (data-quality checks off,
/// the shipped statistics options otherwise), and a row is predicted anomalous while any tag's <c>stat:</c> condition
/// is active. Scored like <see cref="SkabEvaluation"/>: rows from <see cref="SkabEvaluation.TrainRows"/> on (the
/// detectors learn online from row 0, so the first rows are their warm-up), pooled point-wise F1 / FAR / MAR, and NAB
/// on the condition's changes with a 60 s window. The data behind the default detector set (docs/detectors.md).
/// </summary>
public static class SkabStatisticsEvaluation
{
    /// <summary>"default" is the shipped set; otherwise detectors joined by '+' (z, robust, iqr, ewma, tod), optionally " votes2".</summary>
    public static IReadOnlyList<string> DetectorSets { get; } =
        ["default", "z+robust+iqr+ewma", "robust+iqr", "z+ewma+robust", "z+ewma+iqr", "z", "robust", "iqr", "ewma", "z+robust+iqr+ewma votes2"];

    public static IReadOnlyList<SkabStatisticsResult> Run(string dataDirectory, IReadOnlyList<string>? detectorSets = null, double sensitivity = 1,
        IReadOnlyList<string>? excludeColumns = null)
    {
        var files = SkabEvaluation.LabelledFiles(dataDirectory);
        var tables = new CsvTable[files.Count];
        for (var f = 0; f < files.Count; f++)
        {
            tables[f] = CsvTable.Read(files[f]);
        }
        var columns = SkabEvaluation.SensorColumns.Where(c => excludeColumns is null || !excludeColumns.Contains(c)).ToArray();
        var results = new List<SkabStatisticsResult>();
        foreach (var set in detectorSets ?? DetectorSets)
        {
            var options = Options(set, out var minVotes);
            var pooled = new ConfusionCounts();
            var nab = new NabScore();
            for (var f = 0; f < files.Count; f++)
            {
                RunFile(tables[f], files[f], columns, options, minVotes, sensitivity, ref pooled, nab);
            }
            results.Add(new SkabStatisticsResult(set, pooled, nab.Normalised(NabProfile.Standard), nab.Normalised(NabProfile.LowFalsePositives),
                nab.Normalised(NabProfile.LowFalseNegatives), nab.Detected, nab.Windows, nab.FalsePositives));
        }
        return results;
    }

    /// <summary>The statistics options of a detector set (see <see cref="DetectorSets"/>); throws naming an unknown detector.</summary>
    public static StatisticsOptions Options(string detectorSet, out int? minVotes)
    {
        ArgumentNullException.ThrowIfNull(detectorSet);
        var s = new StatisticsOptions();
        minVotes = null;
        var spec = detectorSet.Trim();
        if (spec.EndsWith(" votes2", StringComparison.Ordinal))
        {
            minVotes = 2;
            spec = spec[..^" votes2".Length];
        }
        if (spec == "default")
        {
            return s;
        }
        s.ZScore.Enabled = s.RobustZ.Enabled = s.Iqr.Enabled = s.Ewma.Enabled = s.TimeOfDay.Enabled = false;
        foreach (var name in spec.Split('+', StringSplitOptions.TrimEntries))
        {
            switch (name)
            {
                case "z": s.ZScore.Enabled = true; break;
                case "robust": s.RobustZ.Enabled = true; break;
                case "iqr": s.Iqr.Enabled = true; break;
                case "ewma": s.Ewma.Enabled = true; break;
                case "tod": s.TimeOfDay.Enabled = true; break;
                default: throw new ArgumentException($"detector set '{detectorSet}': unknown detector '{name}' (z, robust, iqr, ewma, tod)", nameof(detectorSet));
            }
        }
        return s;
    }

    private static void RunFile(CsvTable table, string path, string[] columns, StatisticsOptions options, int? minVotes, double sensitivity,
        ref ConfusionCounts pooled, NabScore nab)
    {
        var b = new TagRegistry.Builder();
        b.AddAsset("skab", "pump");
        foreach (var c in columns)
        {
            b.AddTag("skab", c, "", 1);
        }
        var bank = new TagDetectorBank(b.Build(), options, new DataQualityOptions { Enabled = false },
            _ => new TagDetectorOverrides { Sensitivity = sensitivity, MinVotes = minVotes });
        var sink = new ActiveConditions();
        var sensors = columns.Select(c => SkabEvaluation.IndexOf(table, c, path)).ToArray();
        var flags = new bool[table.RowCount];
        for (var i = 0; i < table.RowCount; i++)
        {
            var row = table.Row(i);
            for (var t = 0; t < sensors.Length; t++)
            {
                bank.OnReading(new Reading(t, table.TimesMs[i], row[sensors[t]]), sink);
            }
            flags[i] = sink.Count > 0;
        }
        pooled.Add(SkabEvaluation.ScoreFlags(table, path, flags, nab, out _, out _));
    }

    /// <summary>Which conditions are active now: "active" is reported on every flagged reading, "cleared" once.</summary>
    private sealed class ActiveConditions : IConditionSink
    {
        private readonly HashSet<ConditionSource> _active = [];

        public int Count => _active.Count;

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
