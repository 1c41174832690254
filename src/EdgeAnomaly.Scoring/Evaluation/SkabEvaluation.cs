using EdgeAnomaly.Scoring.Csv;
using EdgeAnomaly.Scoring.Pipeline;

namespace EdgeAnomaly.Scoring.Evaluation;

/// <summary>One SKAB file's share of the evaluation.</summary>
public sealed record SkabFileResult(
    string File,
    int TestRows,
    ConfusionCounts Counts,
    int TrueChangepoints,
    int PredictedChangepoints,
    int Regimes,
    double Threshold,
    string? Error,
    IReadOnlyList<string> Fallbacks);

/// <summary>The pooled SKAB figures of one configuration at one threshold margin.</summary>
public sealed record SkabReport(
    string Variant,
    double Margin,
    ConfusionCounts Pooled,
    double NabStandard,
    double NabLowFp,
    double NabLowFn,
    int Changepoints,
    int ChangepointsDetected,
    int ChangepointFalsePositives,
    IReadOnlyList<SkabFileResult> Files)
{
    public double F1 => Pooled.F1;
    public double FarPercent => Pooled.FarPercent;
    public double MarPercent => Pooled.MarPercent;
}

/// <summary>
/// The current SKAB protocol (data folder's SOURCE.md): for each of the 34 labelled files (valve1, valve2, other),
/// train on the first 400 rows (assumed normal), then run EVERY row through the live scorer and take each test row's
/// causal anomaly flag; labels and flags of all test parts are pooled into one confusion matrix. Changepoints:
/// the flag's changes (both edges) in the test part are the predicted changepoints, scored by <see cref="NabScore"/>
/// with a 60 s window to the right of each true changepoint.
/// </summary>
public static class SkabEvaluation
{
    public const int TrainRows = 400;
    public const long NabWindowMs = 60_000;
    public static IReadOnlyList<string> SensorColumns { get; } =
    [
        "Accelerometer1RMS", "Accelerometer2RMS", "Current", "Pressure", "Temperature", "Thermocouple", "Voltage", "Volume Flow RateRMS",
    ];

    /// <summary>
    /// The ablation variants reported in docs/benchmarks.md: the full SKAB profile and one change each.
    /// </summary>
    public static IReadOnlyList<(string Name, ScoringOptions Options)> Ablations()
    {
        var full = ScoringOptions.SkabProfile();
        var iforest = full.Clone();
        iforest.Weights = [1, 0, 0];
        var pca = full.Clone();
        pca.Weights = [0, 1, 1];
        var t2 = full.Clone();
        t2.Weights = [0, 1, 0];
        var regimesOff = full.Clone();
        regimesOff.RegimesEnabled = false;
        var calibrationOff = full.Clone();
        calibrationOff.PerRegimeCalibration = false;
        var quantile = full.Clone();
        quantile.Threshold = ThresholdPolicy.Quantile;
        var mean = full.Clone();
        mean.Fusion = FusionRule.WeightedMean;
        var noDrifting = full.Clone();
        noDrifting.Features.DriftingTags = [];
        return
        [
            ("full pipeline", full),
            ("IForest alone", iforest),
            ("PCA alone (T2 + SPE)", pca),
            ("T2 alone", t2),
            ("regimes off", regimesOff),
            ("per-regime calibration off", calibrationOff),
            ("quantile threshold instead of EVT", quantile),
            ("weighted mean fusion instead of odds", mean),
            ("no drifting tags declared", noDrifting),
        ];
    }

    /// <summary>The labelled files under a SKAB data folder, in a stable order (folder, then file number).</summary>
    public static IReadOnlyList<string> LabelledFiles(string dataDirectory)
    {
        var files = new List<string>();
        foreach (var folder in new[] { "valve1", "valve2", "other" })
        {
            var dir = Path.Combine(dataDirectory, folder);
            if (!Directory.Exists(dir))
            {
                throw new DirectoryNotFoundException($"SKAB folder '{dir}' not found (expected valve1/, valve2/ and other/ under '{dataDirectory}').");
            }
            files.AddRange(Directory.GetFiles(dir, "*.csv")
                .OrderBy(f => int.TryParse(Path.GetFileNameWithoutExtension(f), out var n) ? n : int.MaxValue)
                .ThenBy(f => f, StringComparer.Ordinal));
        }
        return files;
    }

    public static SkabReport Run(string dataDirectory, ScoringOptions options, string variant = "full", Action<int, int, string>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        return RunMargins(dataDirectory, options, [options.ThresholdMargin], variant, progress)[0];
    }

    /// <summary>
    /// Trains once per file and scores the test part once per threshold margin (the model is otherwise the same):
    /// one report per margin, for sensitivity curves and ablations at a re-tuned operating point.
    /// </summary>
    public static IReadOnlyList<SkabReport> RunMargins(string dataDirectory, ScoringOptions options, IReadOnlyList<double> margins, string variant = "full",
        Action<int, int, string>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(margins);
        options.Validate();
        var files = LabelledFiles(dataDirectory);
        var pooled = new ConfusionCounts[margins.Count];
        var nab = margins.Select(_ => new NabScore()).ToArray();
        var results = margins.Select(_ => new List<SkabFileResult>()).ToArray();
        for (var f = 0; f < files.Count; f++)
        {
            var path = files[f];
            var name = Path.GetRelativePath(dataDirectory, path).Replace('\\', '/');
            progress?.Invoke(f, files.Count, name);
            var fileResults = RunFile(path, name, options, margins, nab);
            for (var m = 0; m < margins.Count; m++)
            {
                pooled[m].Add(fileResults[m].Counts);
                results[m].Add(fileResults[m]);
            }
        }
        progress?.Invoke(files.Count, files.Count, "");
        var reports = new SkabReport[margins.Count];
        for (var m = 0; m < margins.Count; m++)
        {
            reports[m] = new SkabReport(variant, margins[m], pooled[m], nab[m].Normalised(NabProfile.Standard), nab[m].Normalised(NabProfile.LowFalsePositives),
                nab[m].Normalised(NabProfile.LowFalseNegatives), nab[m].Windows, nab[m].Detected, nab[m].FalsePositives, results[m]);
        }
        return reports;
    }

    private static SkabFileResult[] RunFile(string path, string name, ScoringOptions options, IReadOnlyList<double> margins, NabScore[] nab)
    {
        var table = CsvTable.Read(path);
        var sensors = SensorColumns.Select(c => IndexOf(table, c, name)).ToArray();
        var rows = table.RowCount;
        var values = new double[sensors.Length];
        string? error = null;
        IReadOnlyList<string> fallbacks = [];
        AssetModel? model = null;
        try
        {
            var history = new TrainingHistory(SensorColumns);
            for (var i = 0; i < Math.Min(TrainRows, rows); i++)
            {
                Fill(table, i, sensors, values);
                history.AddRow(table.TimesMs[i], values);
            }
            model = AssetModelTrainer.Train(name, history, options);
            fallbacks = model.Metadata.Fallbacks;
        }
        catch (ModelTrainingException e)
        {
            // A file the model cannot train on scores as a detector that never fires (and says so).
            error = e.Message;
        }
        var output = new SkabFileResult[margins.Count];
        for (var m = 0; m < margins.Count; m++)
        {
            var flags = new bool[rows];
            var scoring = model is null ? null : margins[m] == model.ThresholdMargin ? model : model.WithThresholdMargin(margins[m]);
            if (scoring is not null)
            {
                var scorer = new AssetScorer(scoring);
                for (var i = 0; i < rows; i++)
                {
                    Fill(table, i, sensors, values);
                    scorer.AddRow(table.TimesMs[i], values);
                    flags[i] = scorer.Last.TimestampMs != long.MinValue && scorer.Last.Anomaly;
                }
            }
            var counts = ScoreFlags(table, name, flags, nab[m], out var truthCount, out var predictedCount);
            output[m] = new SkabFileResult(name, Math.Max(0, rows - TrainRows), counts, truthCount, predictedCount, scoring?.RegimeCount ?? 0,
                scoring?.Threshold ?? double.NaN, error, fallbacks);
        }
        return output;
    }

    /// <summary>
    /// The protocol's scoring of one file's per-row flags (any detector): rows from <see cref="TrainRows"/> on against
    /// the `anomaly` label, and the flag's changes against the `changepoint` rows in <paramref name="nab"/>.
    /// </summary>
    public static ConfusionCounts ScoreFlags(CsvTable table, string name, IReadOnlyList<bool> flags, NabScore nab, out int changepoints, out int predictedChanges)
    {
        ArgumentNullException.ThrowIfNull(table);
        ArgumentNullException.ThrowIfNull(flags);
        ArgumentNullException.ThrowIfNull(nab);
        var anomaly = IndexOf(table, "anomaly", name);
        var changepoint = IndexOf(table, "changepoint", name);
        var counts = new ConfusionCounts();
        var truth = new List<long>();
        var predicted = new List<long>();
        for (var i = TrainRows; i < table.RowCount; i++)
        {
            var row = table.Row(i);
            counts.Add(row[anomaly] > 0.5, flags[i]);
            if (row[changepoint] > 0.5)
            {
                truth.Add(table.TimesMs[i]);
            }
            if (flags[i] != flags[i - 1])
            {
                predicted.Add(table.TimesMs[i]);
            }
        }
        nab.AddFile(truth, predicted, NabWindowMs);
        changepoints = truth.Count;
        predictedChanges = predicted.Count;
        return counts;
    }

    /// <summary>The index of a SKAB column; a missing one is a <see cref="CsvFormatException"/> naming the file.</summary>
    public static int IndexOf(CsvTable table, string column, string file)
    {
        for (var i = 0; i < table.Columns.Count; i++)
        {
            if (table.Columns[i] == column)
            {
                return i;
            }
        }
        throw new CsvFormatException($"{file}: SKAB column '{column}' not found.");
    }

    private static void Fill(CsvTable table, int row, int[] columns, double[] values)
    {
        var r = table.Row(row);
        for (var c = 0; c < columns.Length; c++)
        {
            values[c] = r[columns[c]];
        }
    }
}
