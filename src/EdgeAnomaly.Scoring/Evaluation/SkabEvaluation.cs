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

/// <summary>The pooled SKAB figures of one configuration.</summary>
public sealed record SkabReport(
    string Variant,
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
        options.Validate();
        var files = LabelledFiles(dataDirectory);
        var pooled = new ConfusionCounts();
        var nab = new NabScore();
        var results = new List<SkabFileResult>();
        for (var f = 0; f < files.Count; f++)
        {
            var path = files[f];
            var name = Path.GetRelativePath(dataDirectory, path).Replace('\\', '/');
            progress?.Invoke(f, files.Count, name);
            var result = RunFile(path, name, options, nab);
            pooled.Add(result.Counts);
            results.Add(result);
        }
        progress?.Invoke(files.Count, files.Count, "");
        return new SkabReport(variant, pooled, nab.Normalised(NabProfile.Standard), nab.Normalised(NabProfile.LowFalsePositives), nab.Normalised(NabProfile.LowFalseNegatives),
            nab.Windows, nab.Detected, nab.FalsePositives, results);
    }

    private static SkabFileResult RunFile(string path, string name, ScoringOptions options, NabScore nab)
    {
        var table = CsvTable.Read(path);
        var sensors = SensorColumns.Select(c => IndexOf(table, c, name)).ToArray();
        var anomaly = IndexOf(table, "anomaly", name);
        var changepoint = IndexOf(table, "changepoint", name);
        var rows = table.RowCount;
        var values = new double[sensors.Length];
        var flags = new bool[rows];
        var counts = new ConfusionCounts();
        string? error = null;
        IReadOnlyList<string> fallbacks = [];
        var regimes = 0;
        var threshold = double.NaN;
        try
        {
            var history = new TrainingHistory(SensorColumns);
            for (var i = 0; i < Math.Min(TrainRows, rows); i++)
            {
                Fill(table, i, sensors, values);
                history.AddRow(table.TimesMs[i], values);
            }
            var model = AssetModelTrainer.Train(name, history, options);
            fallbacks = model.Metadata.Fallbacks;
            regimes = model.RegimeCount;
            threshold = model.Threshold;
            var scorer = new AssetScorer(model);
            for (var i = 0; i < rows; i++)
            {
                Fill(table, i, sensors, values);
                scorer.AddRow(table.TimesMs[i], values);
                flags[i] = scorer.Last.TimestampMs != long.MinValue && scorer.Last.Anomaly;
            }
        }
        catch (ModelTrainingException e)
        {
            // A file the model cannot train on scores as a detector that never fires (and says so).
            error = e.Message;
            Array.Clear(flags);
        }
        var truth = new List<long>();
        var predicted = new List<long>();
        for (var i = TrainRows; i < rows; i++)
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
        return new SkabFileResult(name, Math.Max(0, rows - TrainRows), counts, truth.Count, predicted.Count, regimes, threshold, error, fallbacks);
    }

    private static int IndexOf(CsvTable table, string column, string file)
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
