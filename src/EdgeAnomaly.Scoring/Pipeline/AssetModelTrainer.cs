using System.Globalization;
using System.Reflection;
using EdgeAnomaly.Models.Calibration;
using EdgeAnomaly.Models.Forest;
using EdgeAnomaly.Models.Pca;
using EdgeAnomaly.Models.Regimes;
using EdgeAnomaly.Models.Scaling;
using EdgeAnomaly.Models.Thresholds;
using EdgeAnomaly.Scoring.Features;

namespace EdgeAnomaly.Scoring.Pipeline;

/// <summary>Training could not produce a model (too little or unusable data); the message says why.</summary>
public sealed class ModelTrainingException : Exception
{
    public ModelTrainingException(string message) : base(message)
    {
    }

    public ModelTrainingException(string message, Exception inner) : base(message, inner)
    {
    }

    public ModelTrainingException()
    {
    }
}

/// <summary>
/// Builds an <see cref="AssetModel"/> from buffered history (assumed normal operation). The history goes through
/// the same <see cref="FeatureBank"/> as live readings; then: drop constant feature columns -> robust scaler ->
/// regimes (or one global regime) -> Isolation Forest and PCA -> per-regime calibration of each detector ->
/// normalisation references -> fused training scores -> threshold -> sustain count. Every fallback taken is recorded
/// in the model's metadata.
/// </summary>
public static class AssetModelTrainer
{
    /// <summary>Fewest valid training steps accepted.</summary>
    public const int MinTrainingSteps = 20;

    public static string ToolVersion { get; } =
        typeof(AssetModelTrainer).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown";

    public static AssetModel Train(string asset, TrainingHistory history, ScoringOptions options, TimeProvider? time = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(asset);
        ArgumentNullException.ThrowIfNull(history);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        time ??= TimeProvider.System;
        var fallbacks = new List<string>();

        FeatureSpec spec;
        try
        {
            spec = FeatureSpec.Fit(history.Tags, options.Features, history.Series);
        }
        catch (ArgumentException e)
        {
            throw new ModelTrainingException($"asset '{asset}': {e.Message}", e);
        }
        if (spec.Columns.Count == 0)
        {
            throw new ModelTrainingException($"asset '{asset}': the feature options leave no feature column (every tag drifting and only level families chosen?).");
        }

        var collector = new StepCollector();
        history.Replay(new FeatureBank(spec, collector));
        var steps = collector.Rows.Count;
        if (collector.Invalid > 0)
        {
            fallbacks.Add($"{collector.Invalid} training steps had too few samples (< {spec.MinSamplesPerWindow} per window) and were skipped");
        }
        if (steps < MinTrainingSteps)
        {
            throw new ModelTrainingException(
                $"asset '{asset}': too little training data: {steps} valid feature steps (window {spec.Options.WindowSeconds} s, step {spec.Options.StepSeconds} s) from {history.Readings} readings; at least {MinTrainingSteps} are needed.");
        }

        // Constant columns carry no information and would make the covariance singular: drop them, say which.
        var kept = new List<int>();
        for (var c = 0; c < spec.Columns.Count; c++)
        {
            var min = double.PositiveInfinity;
            var max = double.NegativeInfinity;
            foreach (var row in collector.Rows)
            {
                min = Math.Min(min, row[c]);
                max = Math.Max(max, row[c]);
            }
            if (max - min <= 1e-12 * Math.Max(1, Math.Abs(max)))
            {
                fallbacks.Add($"dropped constant feature {spec.ColumnNames[c]} (= {min.ToString("G6", CultureInfo.InvariantCulture)} throughout training)");
            }
            else
            {
                kept.Add(c);
            }
        }
        if (kept.Count == 0)
        {
            throw new ModelTrainingException($"asset '{asset}': every feature is constant in the training data; nothing to learn.");
        }
        var keptColumns = kept.ToArray();
        var raw = new double[steps][];
        for (var i = 0; i < steps; i++)
        {
            raw[i] = new double[keptColumns.Length];
            for (var j = 0; j < keptColumns.Length; j++)
            {
                raw[i][j] = collector.Rows[i][keptColumns[j]];
            }
        }
        if (steps < 10 * keptColumns.Length)
        {
            fallbacks.Add($"few training steps ({steps}) for {keptColumns.Length} features; scores are less certain");
        }

        var scaler = RobustScaler.Fit(raw);
        var x = new double[steps][];
        for (var i = 0; i < steps; i++)
        {
            x[i] = new double[keptColumns.Length];
            scaler.Transform(raw[i], x[i]);
        }

        // Regimes are operating points: cluster on the window means when there are any, not on shape features.
        var regimeColumns = Enumerable.Range(0, keptColumns.Length).Where(j => spec.Columns[keptColumns[j]].Kind == FeatureKind.Mean).ToArray();
        if (regimeColumns.Length == 0)
        {
            regimeColumns = Enumerable.Range(0, keptColumns.Length).ToArray();
        }
        RegimeModel? regimes = null;
        if (options.RegimesEnabled)
        {
            var regimeRows = x.Select(row => regimeColumns.Select(j => row[j]).ToArray()).ToArray();
            regimes = RegimeDiscovery.Fit(regimeRows, options.Regimes);
            if (regimes.Count == 1)
            {
                // One global regime needs no model at scoring time (and keeps the bundle small).
                fallbacks.Add($"one global regime: {regimes.Reason}");
                regimes = null;
            }
        }
        var regimeCount = regimes?.Count ?? 1;
        var assigned = new int[steps];
        if (regimes is not null)
        {
            var tracker = new RegimeTracker(regimes);
            var sub = new double[regimeColumns.Length];
            for (var i = 0; i < steps; i++)
            {
                for (var j = 0; j < sub.Length; j++)
                {
                    sub[j] = x[i][regimeColumns[j]];
                }
                assigned[i] = tracker.Update(sub, collector.Times[i]);
            }
        }
        var shares = new double[regimeCount];
        foreach (var r in assigned)
        {
            shares[r] += 1.0 / steps;
        }

        var forest = IsolationForest.Train(x, options.Forest);
        var pca = PcaDetector.Fit(x, options.Pca);
        foreach (var note in pca.Notes)
        {
            fallbacks.Add("PCA: " + note);
        }

        var rawScores = new double[ScoringOptions.DetectorCount][];
        for (var d = 0; d < rawScores.Length; d++)
        {
            rawScores[d] = new double[steps];
        }
        var contributions = new double[keptColumns.Length];
        for (var i = 0; i < steps; i++)
        {
            rawScores[(int)Detector.IsolationForest][i] = forest.Score(x[i]);
            var s = pca.Score(x[i], contributions);
            rawScores[(int)Detector.T2][i] = s.T2;
            rawScores[(int)Detector.Spe][i] = s.Spe;
        }

        var calibrationRegimes = options.PerRegimeCalibration ? assigned : new int[steps];
        var calibrationCount = options.PerRegimeCalibration ? regimeCount : 1;
        var calibrations = new RegimeCalibration[ScoringOptions.DetectorCount];
        var references = new double[ScoringOptions.DetectorCount];
        var normalised = new double[ScoringOptions.DetectorCount][];
        for (var d = 0; d < calibrations.Length; d++)
        {
            calibrations[d] = RegimeCalibration.Fit(rawScores[d], calibrationRegimes, calibrationCount, options.MinCalibrationSamples);
            var z = new double[steps];
            for (var i = 0; i < steps; i++)
            {
                z[i] = calibrations[d].Normalize(rawScores[d][i], calibrationRegimes[i]);
            }
            references[d] = Math.Max(1.0, Quantile(z, options.NormalisationQuantile));
            normalised[d] = new double[steps];
            for (var i = 0; i < steps; i++)
            {
                normalised[d][i] = AssetModel.Normalise(z[i], references[d]);
            }
            foreach (var row in calibrations[d].Table)
            {
                if (row.UsedGlobal && calibrationCount > 1)
                {
                    fallbacks.Add($"{(Detector)d} calibration of regime {row.Regime} uses the global median/MAD ({row.Samples} < {options.MinCalibrationSamples} training steps)");
                }
            }
        }

        var weights = (double[])options.Weights.Clone();
        var weightSum = weights.Sum();
        var fused = new double[steps];
        var stepScores = new double[ScoringOptions.DetectorCount];
        for (var i = 0; i < steps; i++)
        {
            for (var d = 0; d < stepScores.Length; d++)
            {
                stepScores[d] = normalised[d][i];
            }
            fused[i] = AssetModel.Fuse(stepScores, weights, weightSum, options.Fusion);
        }

        ThresholdChoice choice;
        var sustain = 1;
        switch (options.Threshold)
        {
            case ThresholdPolicy.Evt:
                choice = EvtThreshold.Fit(fused, options.Evt);
                if (choice.Method != ThresholdMethod.Evt)
                {
                    fallbacks.Add("threshold: " + choice.Reason);
                }
                break;
            case ThresholdPolicy.Quantile:
                choice = new ThresholdChoice(Quantile(fused, options.Evt.FallbackQuantile), ThresholdMethod.Quantile, double.NaN, double.NaN, double.NaN,
                    string.Create(CultureInfo.InvariantCulture, $"quantile {options.Evt.FallbackQuantile} of the fused training scores (policy)"));
                break;
            default:
                var percentile = Quantile(fused, options.SustainPercentile);
                var learned = SustainPolicy.Learn(fused, percentile, options.MinSustainSteps, options.MaxSustainSteps);
                sustain = learned.Required;
                choice = new ThresholdChoice(percentile, ThresholdMethod.Quantile, double.NaN, double.NaN, double.NaN,
                    string.Create(CultureInfo.InvariantCulture, $"percentile {options.SustainPercentile} of the fused training scores, sustained for {sustain} steps (longest training run {learned.LongestTrainingRun})"));
                if (learned.Capped)
                {
                    fallbacks.Add($"sustain count capped at {options.MaxSustainSteps} steps (training had a run of {learned.LongestTrainingRun} steps above the percentile)");
                }
                break;
        }
        var threshold = AssetModel.ApplyMargin(Math.Clamp(choice.Value, 0, 1), options.ThresholdMargin);

        var metadata = new TrainingMetadata(
            history.Rows > 0 ? history.Rows : history.Readings,
            steps,
            history.StartMs,
            history.EndMs,
            fallbacks,
            time.GetUtcNow().ToUnixTimeMilliseconds(),
            ToolVersion);
        return new AssetModel(
            asset, spec, keptColumns, scaler, regimes, regimes is null ? [] : regimeColumns, forest, pca, calibrations, references, weights, options.Fusion,
            options.Threshold, choice, options.ThresholdMargin, threshold, sustain,
            (long)Math.Round(options.MinEventSeconds * 1000), (long)Math.Round(options.MergeGapSeconds * 1000), options.TopTags,
            new DriftSettings(options.DriftCheckSteps, options.AdwinDelta, options.PageHinkleyLambda, Math.Min(options.DriftComponents, pca.Components)),
            shares, metadata);
    }

    /// <summary>Linear-interpolation quantile of a copy of the values.</summary>
    internal static double Quantile(ReadOnlySpan<double> values, double q)
    {
        var sorted = values.ToArray();
        Array.Sort(sorted);
        return WindowStatistics.PercentileOfSorted(sorted, q);
    }

    private sealed class StepCollector : IFeatureStepSink
    {
        public List<double[]> Rows { get; } = [];

        public List<long> Times { get; } = [];

        public int Invalid { get; private set; }

        public void OnStep(long stepEndMs, bool valid, ReadOnlySpan<double> features)
        {
            if (!valid)
            {
                Invalid++;
                return;
            }
            Rows.Add(features.ToArray());
            Times.Add(stepEndMs);
        }
    }
}
