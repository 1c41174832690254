using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json;
using EdgeAnomaly.Runtime.Evaluation;
using EdgeAnomaly.Scoring.Bundle;
using EdgeAnomaly.Scoring.Csv;
using EdgeAnomaly.Scoring.Evaluation;
using EdgeAnomaly.Scoring.Pipeline;

namespace EdgeAnomaly.Gateway.Cli;

/// <summary>
/// `edgeanomaly train`, `edgeanomaly replay` and `edgeanomaly evaluate skab`: per-asset anomaly models from CSV,
/// replayed through exactly the live scoring code (EdgeAnomaly.Scoring).
/// </summary>
public static class ModelCommands
{
    public static IEnumerable<Command> Create() => [CreateTrain(), CreateReplay(), CreateEvaluate()];

    private sealed class CsvOptions
    {
        public Option<FileInfo> Csv { get; } = new("--csv") { Description = "CSV with a time column and one or more numeric columns (';' or ',' separated).", Required = true };
        public Option<string?> TimeColumn { get; } = new("--time-column") { Description = "Name of the time column (default: the first column)." };
        public Option<string?> Columns { get; } = new("--columns") { Description = "Comma-separated value columns to use (default: every other column)." };
        public Option<string?> Asset { get; } = new("--asset") { Description = "Asset name stored in the bundle (default: the CSV file name)." };
        public Option<string> Profile { get; } = new("--profile") { Description = "Option set: 'default' (60 s window, 10 s step) or 'skab' (tuned for 1 Hz pump data).", DefaultValueFactory = _ => "default" };
        public Option<double?> Window { get; } = new("--window") { Description = "Feature window in seconds (default: from the profile, adapted to slow sampling)." };
        public Option<double?> Step { get; } = new("--step") { Description = "Seconds between scored steps (default: from the profile, adapted to slow sampling)." };
        public Option<string?> Drifting { get; } = new("--drifting-tags") { Description = "Comma-separated tags whose level drifts in normal operation (only their shape features are used)." };
        public Option<double?> Margin { get; } = new("--margin") { Description = "Threshold margin (odds multiplier of the trained threshold; 1 = as trained)." };

        public void AddTo(Command command)
        {
            command.Options.Add(Csv);
            command.Options.Add(TimeColumn);
            command.Options.Add(Columns);
            command.Options.Add(Asset);
            command.Options.Add(Profile);
            command.Options.Add(Window);
            command.Options.Add(Step);
            command.Options.Add(Drifting);
            command.Options.Add(Margin);
        }
    }

    private static Command CreateTrain()
    {
        var csv = new CsvOptions();
        var output = new Option<FileInfo>("--out") { Description = "Model bundle to write.", Required = true };
        var rows = new Option<int>("--train-rows") { Description = "Train on the first N rows only (default: all rows).", DefaultValueFactory = _ => 0 };
        var command = new Command("train", "Train an asset model from a CSV of normal operation and write a model bundle.");
        csv.AddTo(command);
        command.Options.Add(output);
        command.Options.Add(rows);
        command.SetAction(parse =>
        {
            if (!TryLoad(parse, csv, "train", out var table, out var options, out var asset))
            {
                return 2;
            }
            try
            {
                Console.Error.WriteLine($"train: {table.RowCount} rows x {table.Columns.Count} columns, window {options.Features.WindowSeconds} s, step {options.Features.StepSeconds} s ...");
                var model = CsvScoring.Train(table, asset, options, parse.GetValue(rows));
                var path = parse.GetValue(output)!.FullName;
                ModelBundle.Save(model, path);
                Console.WriteLine($"model for asset '{model.Asset}': {model.Metadata.Steps} training steps, {model.KeptColumns.Count} features, {model.RegimeCount} regime(s), "
                    + $"{model.Forest.Trees} trees, {model.Pca.Components} PCA components, threshold {model.Threshold.ToString("0.###", CultureInfo.InvariantCulture)} ({model.ThresholdChoice.Method})");
                foreach (var fallback in model.Metadata.Fallbacks)
                {
                    Console.WriteLine("  fallback: " + fallback);
                }
                Console.WriteLine($"wrote {path} ({new FileInfo(path).Length} bytes)");
                return 0;
            }
            catch (ModelTrainingException e)
            {
                Console.Error.WriteLine("train: " + e.Message);
                return 1;
            }
        });
        return command;
    }

    private static Command CreateReplay()
    {
        var csv = new CsvOptions();
        var model = new Option<FileInfo?>("--model") { Description = "Model bundle to score with." };
        var trainRows = new Option<int>("--train-rows") { Description = "Without --model: train on the first N rows, then replay all rows.", DefaultValueFactory = _ => 0 };
        var output = new Option<FileInfo>("--out") { Description = "Scores CSV to write (one row per input row).", Required = true };
        var command = new Command("replay", "Run a CSV through exactly the live scoring pipeline and write per-row scores and the anomaly flag.");
        csv.AddTo(command);
        command.Options.Add(model);
        command.Options.Add(trainRows);
        command.Options.Add(output);
        command.SetAction(parse =>
        {
            var bundle = parse.GetValue(model);
            var rows = parse.GetValue(trainRows);
            if ((bundle is null) == (rows <= 0))
            {
                Console.Error.WriteLine("replay: give either --model BUNDLE or --train-rows N");
                return 2;
            }
            if (!TryLoad(parse, csv, "replay", out var table, out var options, out var asset))
            {
                return 2;
            }
            AssetModel scoringModel;
            try
            {
                if (bundle is not null)
                {
                    scoringModel = ModelBundle.Load(bundle.FullName, parse.GetValue(csv.Asset));
                    if (parse.GetValue(csv.Columns) is null && !table.Columns.SequenceEqual(scoringModel.Tags, StringComparer.Ordinal))
                    {
                        table = CsvTable.Read(parse.GetValue(csv.Csv)!.FullName, new CsvReadOptions { TimeColumn = parse.GetValue(csv.TimeColumn), Columns = [.. scoringModel.Tags] });
                    }
                    ModelBundle.CheckTags(scoringModel, table.Columns, bundle.Name);
                    if (parse.GetValue(csv.Margin) is { } margin)
                    {
                        scoringModel = scoringModel.WithThresholdMargin(margin);
                    }
                }
                else
                {
                    if (rows > table.RowCount)
                    {
                        Console.Error.WriteLine($"replay: --train-rows {rows} exceeds the {table.RowCount} rows of the CSV");
                        return 2;
                    }
                    scoringModel = CsvScoring.Train(table, asset, options, rows);
                    foreach (var fallback in scoringModel.Metadata.Fallbacks)
                    {
                        Console.Error.WriteLine("replay: training fallback: " + fallback);
                    }
                }
            }
            catch (ModelBundleException e)
            {
                Console.Error.WriteLine($"replay: {e.Message} [{e.Fault}]");
                return 1;
            }
            catch (ModelTrainingException e)
            {
                Console.Error.WriteLine("replay: " + e.Message);
                return 1;
            }
            catch (CsvFormatException e)
            {
                Console.Error.WriteLine("replay: " + e.Message);
                return 2;
            }
            var path = parse.GetValue(output)!.FullName;
            using var writer = new StreamWriter(path, false, new UTF8Encoding(false));
            var summary = CsvScoring.Replay(table, scoringModel, writer,
                progress: Console.IsErrorRedirected ? null : (done, total) => Console.Error.Write(done < total ? $"\rreplay: {done}/{total} rows" : $"\r{new string(' ', 40)}\r"));
            Console.WriteLine($"replayed {summary.Rows} rows ({summary.Steps} steps, {summary.InvalidSteps} invalid): {summary.AnomalousRows} rows flagged, "
                + $"{summary.EventsOpened} events, {summary.SkippedReadings} readings skipped; wrote {path}");
            return 0;
        });
        return command;
    }

    private static Command CreateEvaluate()
    {
        var data = new Option<DirectoryInfo>("--data") { Description = "SKAB data folder (valve1/, valve2/, other/).", Required = true };
        var json = new Option<bool>("--json") { Description = "One JSON object per configuration instead of a table." };
        var ablation = new Option<bool>("--ablation") { Description = "Also run the ablation variants (IForest alone, PCA alone, regimes off, ...)." };
        var margin = new Option<double?>("--margin") { Description = "Threshold margin (default: the SKAB profile's)." };
        var margins = new Option<string?>("--margins") { Description = "Comma-separated margins to sweep (one training per file); marks the best F1 with FAR <= 10 %." };
        var skab = new Command("skab", "Run the SKAB protocol (first 400 rows of each file train, pooled confusion matrix, NAB changepoint score).") { data, json, ablation, margin, margins };
        skab.SetAction(parse =>
        {
            var dir = parse.GetValue(data)!;
            if (!dir.Exists)
            {
                Console.Error.WriteLine($"evaluate: SKAB folder '{dir.FullName}' not found");
                return 2;
            }
            var variants = parse.GetValue(ablation) ? SkabEvaluation.Ablations() : [("full pipeline", ScoringOptions.SkabProfile())];
            var asJson = parse.GetValue(json);
            if (!asJson)
            {
                Console.WriteLine($"{"configuration",-40} {"F1",6} {"FAR %",6} {"MAR %",6} {"NAB std",8} {"LowFP",7} {"LowFN",7}  changepoints");
            }
            foreach (var (name, options) in variants)
            {
                if (parse.GetValue(margin) is { } m)
                {
                    options.ThresholdMargin = m;
                }
                IReadOnlyList<SkabReport> reports;
                try
                {
                    var sweep = parse.GetValue(margins) is { Length: > 0 } list
                        ? list.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Select(v => double.Parse(v, CultureInfo.InvariantCulture)).ToArray()
                        : [options.ThresholdMargin];
                    reports = SkabEvaluation.RunMargins(dir.FullName, options, sweep, name, Console.IsErrorRedirected ? null : (done, total, file) =>
                        Console.Error.Write(done < total ? $"\revaluate [{name}]: {done + 1}/{total} {file,-16}" : $"\r{new string(' ', 70)}\r"));
                }
                catch (Exception e) when (e is DirectoryNotFoundException or CsvFormatException or IOException or FormatException)
                {
                    Console.Error.WriteLine();
                    Console.Error.WriteLine("evaluate: " + e.Message);
                    return 1;
                }
                var best = reports.Where(r => r.FarPercent <= 10).OrderByDescending(r => r.F1).FirstOrDefault();
                foreach (var report in reports)
                {
                    if (asJson)
                    {
                        Console.WriteLine(ToJson(report));
                        continue;
                    }
                    var label = reports.Count == 1 ? name : string.Create(CultureInfo.InvariantCulture, $"{name} @ margin {report.Margin:0.##}{(ReferenceEquals(report, best) ? " *" : "")}");
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"{label,-40} {report.F1,6:0.000} {report.FarPercent,6:0.00} {report.MarPercent,6:0.00} {report.NabStandard,8:0.00} {report.NabLowFp,7:0.00} {report.NabLowFn,7:0.00}  {report.ChangepointsDetected}/{report.Changepoints} hit, {report.ChangepointFalsePositives} false"));
                }
                foreach (var file in reports[0].Files.Where(f => f.Error is not null))
                {
                    Console.Error.WriteLine($"evaluate: {file.File}: {file.Error}");
                }
            }
            return 0;
        });
        return new Command("evaluate", "Evaluate the anomaly models, or the per-tag statistics, on a benchmark.") { skab, CreateSkabStatistics() };
    }

    private static Command CreateSkabStatistics()
    {
        var data = new Option<DirectoryInfo>("--data") { Description = "SKAB data folder (valve1/, valve2/, other/).", Required = true };
        var sets = new Option<string?>("--detectors")
        {
            Description = "Comma-separated detector sets: 'default' (as shipped) or detectors joined by '+' (z, robust, iqr, ewma, tod), "
                + "optionally followed by ' votes2'. Default: " + string.Join(", ", SkabStatisticsEvaluation.DetectorSets),
        };
        var sensitivity = new Option<double>("--sensitivity") { Description = "Sensitivity of every tag (default 1).", DefaultValueFactory = _ => 1 };
        var exclude = new Option<string?>("--exclude") { Description = "Comma-separated sensor columns to leave out (e.g. \"Volume Flow RateRMS\")." };
        var command = new Command("skab-statistics",
            "The per-tag statistical detectors on the labelled SKAB files, by detector set: each file one asset, its sensors tags at 1 s; "
            + "a row is flagged while any tag's statistics condition is active; rows from 400 scored (F1, FAR, MAR, NAB).") { data, sets, sensitivity, exclude };
        command.SetAction(parse =>
        {
            var dir = parse.GetValue(data)!;
            if (!dir.Exists)
            {
                Console.Error.WriteLine($"evaluate: SKAB folder '{dir.FullName}' not found");
                return 2;
            }
            static string[]? List(string? v) => v is { Length: > 0 } ? v.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries) : null;
            IReadOnlyList<SkabStatisticsResult> results;
            try
            {
                results = SkabStatisticsEvaluation.Run(dir.FullName, List(parse.GetValue(sets)), parse.GetValue(sensitivity), List(parse.GetValue(exclude)));
            }
            catch (Exception e) when (e is ArgumentException or DirectoryNotFoundException or CsvFormatException or IOException or FormatException)
            {
                Console.Error.WriteLine("evaluate: " + e.Message);
                return e is ArgumentException ? 2 : 1;
            }
            Console.WriteLine($"{"detectors",-28} {"F1",6} {"FAR %",6} {"MAR %",6} {"NAB std",8} {"LowFP",8} {"LowFN",7}  changepoints");
            foreach (var r in results)
            {
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{r.DetectorSet,-28} {r.F1,6:0.000} {r.FarPercent,6:0.00} {r.MarPercent,6:0.00} {r.NabStandard,8:0.0} {r.NabLowFp,8:0.0} {r.NabLowFn,7:0.0}  {r.ChangepointsDetected}/{r.Changepoints} hit, {r.FalseAlarms} false"));
            }
            return 0;
        });
        return command;
    }

    private static string ToJson(SkabReport r)
    {
        var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteString("variant", r.Variant);
            w.WriteNumber("margin", r.Margin);
            w.WriteNumber("files", r.Files.Count);
            w.WriteNumber("f1", Math.Round(r.F1, 4));
            w.WriteNumber("far_percent", Math.Round(r.FarPercent, 3));
            w.WriteNumber("mar_percent", Math.Round(r.MarPercent, 3));
            w.WriteStartObject("confusion");
            w.WriteNumber("tp", r.Pooled.TruePositives);
            w.WriteNumber("fp", r.Pooled.FalsePositives);
            w.WriteNumber("fn", r.Pooled.FalseNegatives);
            w.WriteNumber("tn", r.Pooled.TrueNegatives);
            w.WriteEndObject();
            w.WriteStartObject("nab");
            w.WriteNumber("standard", Math.Round(r.NabStandard, 3));
            w.WriteNumber("low_fp", Math.Round(r.NabLowFp, 3));
            w.WriteNumber("low_fn", Math.Round(r.NabLowFn, 3));
            w.WriteNumber("changepoints", r.Changepoints);
            w.WriteNumber("detected", r.ChangepointsDetected);
            w.WriteNumber("false_positives", r.ChangepointFalsePositives);
            w.WriteEndObject();
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    private static bool TryLoad(ParseResult parse, CsvOptions csv, string verb, out CsvTable table, out ScoringOptions options, out string asset)
    {
        table = null!;
        options = null!;
        asset = "";
        var file = parse.GetValue(csv.Csv)!;
        if (!file.Exists)
        {
            Console.Error.WriteLine($"{verb}: CSV '{file.FullName}' not found");
            return false;
        }
        options = parse.GetValue(csv.Profile) switch
        {
            "default" => new ScoringOptions(),
            "skab" => ScoringOptions.SkabProfile(),
            var other => null!,
        };
        if (options is null)
        {
            Console.Error.WriteLine($"{verb}: --profile must be 'default' or 'skab' (was '{parse.GetValue(csv.Profile)}')");
            return false;
        }
        try
        {
            var columns = parse.GetValue(csv.Columns);
            table = CsvTable.Read(file.FullName, new CsvReadOptions
            {
                TimeColumn = parse.GetValue(csv.TimeColumn),
                Columns = string.IsNullOrWhiteSpace(columns) ? null : columns.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries),
            });
        }
        catch (CsvFormatException e)
        {
            Console.Error.WriteLine($"{verb}: {e.Message}");
            return false;
        }
        if (table.RepairSummary() is { Length: > 0 } repairs)
        {
            Console.Error.WriteLine($"{verb}: repaired input: {repairs}");
        }
        var window = parse.GetValue(csv.Window);
        var step = parse.GetValue(csv.Step);
        if (window is { } w)
        {
            options.Features.WindowSeconds = w;
        }
        if (step is { } s)
        {
            options.Features.StepSeconds = s;
        }
        if (window is null && step is null && CsvScoring.AdaptToSampling(options, CsvScoring.MedianIntervalSeconds(table)) is { } adapted)
        {
            Console.Error.WriteLine($"{verb}: {adapted}");
        }
        if (parse.GetValue(csv.Drifting) is { } drifting)
        {
            options.Features.DriftingTags = drifting.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        }
        else
        {
            // The profile's drifting tags only apply to columns this CSV has.
            var columnNames = table.Columns;
            options.Features.DriftingTags = options.Features.DriftingTags.Where(t => columnNames.Contains(t)).ToArray();
        }
        if (parse.GetValue(csv.Margin) is { } margin)
        {
            options.ThresholdMargin = margin;
        }
        try
        {
            options.Validate();
        }
        catch (ArgumentException e)
        {
            Console.Error.WriteLine($"{verb}: {e.Message}");
            return false;
        }
        asset = parse.GetValue(csv.Asset) is { Length: > 0 } name ? name : Path.GetFileNameWithoutExtension(file.Name);
        return true;
    }
}
