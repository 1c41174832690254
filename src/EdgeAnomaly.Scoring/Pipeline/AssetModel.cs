using EdgeAnomaly.Models.Calibration;
using EdgeAnomaly.Models.Forest;
using EdgeAnomaly.Models.Pca;
using EdgeAnomaly.Models.Regimes;
using EdgeAnomaly.Models.Scaling;
using EdgeAnomaly.Models.Thresholds;
using EdgeAnomaly.Scoring.Features;

namespace EdgeAnomaly.Scoring.Pipeline;

/// <summary>Where a model came from: training data, fallbacks taken, creation time and tool.</summary>
public sealed record TrainingMetadata(
    long Rows,
    long Steps,
    long StartMs,
    long EndMs,
    IReadOnlyList<string> Fallbacks,
    long CreatedAtMs,
    string ToolVersion);

/// <summary>
/// Everything needed to score one asset: the feature spec, the kept feature columns and their robust scaler, the
/// operating regimes, Isolation Forest and PCA, per-regime calibration of each detector, normalisation references,
/// fusion weights, the threshold and eventization rules, drift references and training metadata. Immutable; the
/// scratch used while scoring lives in <see cref="AssetScorer"/>. Saved and loaded by <c>ModelBundle</c>.
/// </summary>
public sealed class AssetModel
{
    internal AssetModel(
        string asset,
        FeatureSpec spec,
        int[] keptColumns,
        RobustScaler scaler,
        RegimeModel? regimes,
        int[] regimeColumns,
        IsolationForest forest,
        PcaDetector pca,
        RegimeCalibration[] calibrations,
        double[] references,
        double[] weights,
        FusionRule fusion,
        ThresholdPolicy policy,
        ThresholdChoice thresholdChoice,
        double margin,
        double threshold,
        int sustainSteps,
        long minEventMs,
        long mergeGapMs,
        int topTags,
        DriftSettings drift,
        double[] trainingShares,
        TrainingMetadata metadata)
    {
        Asset = asset;
        Spec = spec;
        KeptColumns = keptColumns;
        Scaler = scaler;
        Regimes = regimes;
        RegimeColumns = regimeColumns;
        Forest = forest;
        Pca = pca;
        Calibrations = calibrations;
        References = references;
        Weights = weights;
        Fusion = fusion;
        Policy = policy;
        ThresholdChoice = thresholdChoice;
        ThresholdMargin = margin;
        Threshold = threshold;
        SustainSteps = sustainSteps;
        MinEventMs = minEventMs;
        MergeGapMs = mergeGapMs;
        TopTags = topTags;
        Drift = drift;
        TrainingSharesArray = trainingShares;
        Metadata = metadata;
        WeightSum = weights.Sum();
    }

    public string Asset { get; }

    public FeatureSpec Spec { get; }

    /// <summary>Indexes into <see cref="FeatureSpec.Columns"/> of the features the detectors see (constant ones dropped).</summary>
    public IReadOnlyList<int> KeptColumns { get; }

    public RobustScaler Scaler { get; }

    /// <summary>Null when regimes were switched off: every step is regime 0.</summary>
    public RegimeModel? Regimes { get; }

    public int RegimeCount => Regimes?.Count ?? 1;

    /// <summary>Indexes into the kept (scaled) feature vector that the regime model sees.</summary>
    public IReadOnlyList<int> RegimeColumns { get; }

    public IsolationForest Forest { get; }

    public PcaDetector Pca { get; }

    /// <summary>Per detector (<see cref="Detector"/> order): per-regime median / MAD of its training scores.</summary>
    public IReadOnlyList<RegimeCalibration> Calibrations { get; }

    /// <summary>Per detector: the calibrated training level that normalises to 0.5.</summary>
    public IReadOnlyList<double> References { get; }

    public IReadOnlyList<double> Weights { get; }

    internal double WeightSum { get; }

    public FusionRule Fusion { get; }

    public ThresholdPolicy Policy { get; }

    /// <summary>The threshold fitted on the fused training scores, before the margin, and how it was chosen.</summary>
    public ThresholdChoice ThresholdChoice { get; }

    public double ThresholdMargin { get; }

    /// <summary>The fused-score threshold in force (training threshold with the margin applied).</summary>
    public double Threshold { get; }

    /// <summary>Consecutive steps above the threshold before a step qualifies (1 except for the sustained-percentile policy).</summary>
    public int SustainSteps { get; }

    public long MinEventMs { get; }

    public long MergeGapMs { get; }

    public int TopTags { get; }

    public DriftSettings Drift { get; }

    /// <summary>Share of the training steps in each regime (the PSI reference).</summary>
    public IReadOnlyList<double> TrainingShares => TrainingSharesArray;

    internal double[] TrainingSharesArray { get; }

    public TrainingMetadata Metadata { get; }

    public IReadOnlyList<string> Tags => Spec.Tags;

    /// <summary>
    /// The same model with another threshold margin (the trained threshold's odds times <paramref name="margin"/>):
    /// makes an asset more or less sensitive without retraining.
    /// </summary>
    public AssetModel WithThresholdMargin(double margin)
    {
        if (!(margin >= 1e-3 && margin <= 1e3))
        {
            throw new ArgumentOutOfRangeException(nameof(margin), margin, "Threshold margin must be in [0.001, 1000].");
        }
        var threshold = ApplyMargin(Math.Clamp(ThresholdChoice.Value, 0, 1), margin);
        return new AssetModel(Asset, Spec, [.. KeptColumns], Scaler, Regimes, [.. RegimeColumns], Forest, Pca, [.. Calibrations], [.. References], [.. Weights], Fusion, Policy,
            ThresholdChoice, margin, threshold, SustainSteps, MinEventMs, MergeGapMs, TopTags, Drift, TrainingSharesArray, Metadata);
    }

    /// <summary>Maps a calibrated score to [0, 1): 0 at or below the regime's median, 0.5 at the reference level.</summary>
    public static double Normalise(double calibrated, double reference) =>
        calibrated <= 0 || double.IsNaN(calibrated) ? 0 : double.IsPositiveInfinity(calibrated) ? 1 : calibrated / (calibrated + reference);

    /// <summary>Fuses normalised detector scores (the same function in training and scoring).</summary>
    public static double Fuse(ReadOnlySpan<double> normalised, IReadOnlyList<double> weights, double weightSum, FusionRule rule)
    {
        double sum = 0;
        if (rule == FusionRule.WeightedMean)
        {
            for (var d = 0; d < normalised.Length; d++)
            {
                sum += weights[d] * normalised[d];
            }
            return sum / weightSum;
        }
        for (var d = 0; d < normalised.Length; d++)
        {
            var n = Math.Min(normalised[d], 1 - 1e-12);
            sum += weights[d] * (n / (1 - n));
        }
        var odds = sum / weightSum;
        return odds / (1 + odds);
    }

    /// <summary>Applies a margin to a threshold in [0, 1) by scaling its odds t / (1 - t).</summary>
    public static double ApplyMargin(double threshold, double margin)
    {
        if (threshold <= 0)
        {
            return threshold;
        }
        if (threshold >= 1)
        {
            return 1;
        }
        var odds = threshold / (1 - threshold) * margin;
        return odds / (1 + odds);
    }
}

/// <summary>Drift monitor settings stored with the model.</summary>
public sealed record DriftSettings(int CheckSteps, double AdwinDelta, double PageHinkleyLambda, int Components);
