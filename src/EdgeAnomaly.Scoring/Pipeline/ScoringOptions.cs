using EdgeAnomaly.Models.Forest;
using EdgeAnomaly.Models.Pca;
using EdgeAnomaly.Models.Regimes;
using EdgeAnomaly.Models.Thresholds;
using EdgeAnomaly.Scoring.Features;

namespace EdgeAnomaly.Scoring.Pipeline;

/// <summary>How the fused score becomes an alert.</summary>
public enum ThresholdPolicy : byte
{
    /// <summary>Peaks-over-threshold (GPD tail) on the fused training scores, quantile fallback when the fit is poor.</summary>
    Evt = 0,

    /// <summary>A plain quantile of the fused training scores (<see cref="EvtOptions.FallbackQuantile"/>).</summary>
    Quantile = 1,

    /// <summary>
    /// A percentile of the fused training scores that must be exceeded for N consecutive steps, N learned from the
    /// longest training run above it (and never below <see cref="ScoringOptions.MinSustainSteps"/>).
    /// </summary>
    SustainedPercentile = 2,
}

/// <summary>How normalised detector scores combine.</summary>
public enum FusionRule : byte
{
    /// <summary>Weighted arithmetic mean of the [0, 1] scores.</summary>
    WeightedMean = 0,

    /// <summary>
    /// Weighted mean on the odds scale n / (1 - n), mapped back to [0, 1]: a detector that sees a strong deviation is
    /// not capped at 1 and so is not diluted by calm ones.
    /// </summary>
    WeightedOdds = 1,
}

/// <summary>The three detectors, in the order used by weights and step results.</summary>
public enum Detector
{
    IsolationForest = 0,
    T2 = 1,
    Spe = 2,
}

/// <summary>
/// Everything that shapes one asset's model: features, detectors, regimes, calibration, fusion, threshold,
/// eventization and drift. Defaults are the documented product defaults; <see cref="SkabProfile"/> is the tuned
/// configuration for 1 Hz pump data used by <c>edgeanomaly evaluate skab</c>. <see cref="Validate"/> names the key.
/// </summary>
public sealed class ScoringOptions
{
    public const int DetectorCount = 3;

    public FeatureOptions Features { get; set; } = new();

    public IsolationForestOptions Forest { get; set; } = new();

    /// <summary>PCA for T² / SPE; at most 32 components by default so a wide feature vector keeps the bundle small.</summary>
    public PcaDetectorOptions Pca { get; set; } = new() { MaxComponents = 32 };

    public RegimeDiscoveryOptions Regimes { get; set; } = new();

    /// <summary>
    /// Off: one global regime without clustering (ablation "regimes off"). Regimes are found on the tags' window
    /// means (the operating point) when the Mean family is on, else on all features.
    /// </summary>
    public bool RegimesEnabled { get; set; } = true;

    /// <summary>Off: every detector is calibrated with its global training median / MAD (ablation).</summary>
    public bool PerRegimeCalibration { get; set; } = true;

    /// <summary>Fewest training steps a regime needs for its own calibration (else the global one is used).</summary>
    public int MinCalibrationSamples { get; set; } = 10;

    /// <summary>Fusion weights of the normalised detector scores, by <see cref="Detector"/>; need not sum to 1.</summary>
    public double[] Weights { get; set; } = [1.0, 1.0, 1.0];

    public FusionRule Fusion { get; set; } = FusionRule.WeightedOdds;

    /// <summary>
    /// Calibrated scores z map to [0, 1] as z / (z + R) (0 for z &lt;= 0), R being this quantile of the detector's
    /// calibrated training scores (at least 1): a score at the training reference level reads 0.5.
    /// </summary>
    public double NormalisationQuantile { get; set; } = 0.99;

    public ThresholdPolicy Threshold { get; set; } = ThresholdPolicy.Evt;

    public EvtOptions Evt { get; set; } = new();

    /// <summary>
    /// Multiplies the threshold's odds t / (1 - t), i.e. the calibrated-score level it stands for: 1 keeps the
    /// training-derived threshold, 2 asks for twice the deviation. Guards against training data that is calmer
    /// than normal operation.
    /// </summary>
    public double ThresholdMargin { get; set; } = 1.0;

    /// <summary>Percentile of the fused training scores for <see cref="ThresholdPolicy.SustainedPercentile"/>.</summary>
    public double SustainPercentile { get; set; } = 0.99;

    public int MinSustainSteps { get; set; } = SustainPolicy.DefaultMinimum;

    public int MaxSustainSteps { get; set; } = SustainPolicy.DefaultCap;

    /// <summary>An event opens once steps above the threshold (gaps shorter than the merge gap bridged) span this long.</summary>
    public double MinEventSeconds { get; set; } = 30;

    /// <summary>
    /// Runs above the threshold closer than this belong to one event: an open event stays open (and the anomaly flag
    /// stays set) until the score has been below the threshold for longer than this.
    /// </summary>
    public double MergeGapSeconds { get; set; } = 120;

    /// <summary>How many top contributing tags an event names.</summary>
    public int TopTags { get; set; } = 3;

    /// <summary>Steps between drift checks of the regime distribution (PSI of shares since the last check).</summary>
    public int DriftCheckSteps { get; set; } = 360;

    public double AdwinDelta { get; set; } = 0.002;

    public double PageHinkleyLambda { get; set; } = 25;

    /// <summary>Leading PCA components watched by Page-Hinkley (mean shift of the standardised component score).</summary>
    public int DriftComponents { get; set; } = 3;

    public ScoringOptions Clone()
    {
        var copy = (ScoringOptions)MemberwiseClone();
        copy.Features = Features.Clone();
        copy.Weights = (double[])Weights.Clone();
        copy.Forest = new IsolationForestOptions { Trees = Forest.Trees, SubsampleSize = Forest.SubsampleSize, Seed = Forest.Seed };
        copy.Pca = new PcaDetectorOptions { VarianceFraction = Pca.VarianceFraction, MaxComponents = Pca.MaxComponents, ConfidenceLevel = Pca.ConfidenceLevel };
        copy.Evt = new EvtOptions
        {
            Alpha = Evt.Alpha,
            FallbackQuantile = Evt.FallbackQuantile,
            TailFraction = Evt.TailFraction,
            MinExceedances = Evt.MinExceedances,
            MaxAndersonDarling = Evt.MaxAndersonDarling,
        };
        copy.Regimes = new RegimeDiscoveryOptions
        {
            MinK = Regimes.MinK,
            MaxK = Regimes.MaxK,
            MinSilhouette = Regimes.MinSilhouette,
            VarianceFraction = Regimes.VarianceFraction,
            Seed = Regimes.Seed,
            MinDwell = Regimes.MinDwell,
            Restarts = Regimes.Restarts,
            MinRegimeShare = Regimes.MinRegimeShare,
            MaxClusteringRows = Regimes.MaxClusteringRows,
            SilhouetteSample = Regimes.SilhouetteSample,
            SilhouetteTieTolerance = Regimes.SilhouetteTieTolerance,
        };
        return copy;
    }

    public void Validate()
    {
        ArgumentNullException.ThrowIfNull(Features);
        Features.Validate();
        Forest.Validate();
        Pca.Validate();
        Regimes.Validate();
        Evt.Validate();
        if (Weights is null || Weights.Length != DetectorCount || Weights.Any(w => !(w >= 0) || !double.IsFinite(w)) || Weights.Sum() <= 0)
        {
            throw new ArgumentException($"Scoring.Weights must be {DetectorCount} finite non-negative numbers (IsolationForest, T2, SPE) with a positive sum.");
        }
        if (!(NormalisationQuantile > 0.5 && NormalisationQuantile <= 1))
        {
            throw new ArgumentException($"Scoring.NormalisationQuantile must be in (0.5, 1] (was {NormalisationQuantile}).");
        }
        if (!(ThresholdMargin >= 1e-3 && ThresholdMargin <= 1e3))
        {
            throw new ArgumentException($"Scoring.ThresholdMargin must be in [0.001, 1000] (was {ThresholdMargin}).");
        }
        if (!(SustainPercentile > 0.5 && SustainPercentile < 1))
        {
            throw new ArgumentException($"Scoring.SustainPercentile must be in (0.5, 1) (was {SustainPercentile}).");
        }
        if (MinSustainSteps < 1 || MaxSustainSteps < MinSustainSteps)
        {
            throw new ArgumentException($"Scoring.MinSustainSteps / MaxSustainSteps must satisfy 1 <= min <= max (were {MinSustainSteps}/{MaxSustainSteps}).");
        }
        if (!(MinEventSeconds >= 0) || !(MergeGapSeconds >= 0) || !double.IsFinite(MinEventSeconds) || !double.IsFinite(MergeGapSeconds))
        {
            throw new ArgumentException($"Scoring.MinEventSeconds and MergeGapSeconds must be finite and >= 0 (were {MinEventSeconds}/{MergeGapSeconds}).");
        }
        if (MinCalibrationSamples < 1)
        {
            throw new ArgumentException($"Scoring.MinCalibrationSamples must be at least 1 (was {MinCalibrationSamples}).");
        }
        if (TopTags is < 1 or > 32)
        {
            throw new ArgumentException($"Scoring.TopTags must be in [1, 32] (was {TopTags}).");
        }
        if (DriftCheckSteps < 10)
        {
            throw new ArgumentException($"Scoring.DriftCheckSteps must be at least 10 (was {DriftCheckSteps}).");
        }
        if (!(AdwinDelta > 0 && AdwinDelta < 1))
        {
            throw new ArgumentException($"Scoring.AdwinDelta must be in (0, 1) (was {AdwinDelta}).");
        }
        if (!(PageHinkleyLambda > 0) || !double.IsFinite(PageHinkleyLambda))
        {
            throw new ArgumentException($"Scoring.PageHinkleyLambda must be positive (was {PageHinkleyLambda}).");
        }
        if (DriftComponents is < 0 or > 16)
        {
            throw new ArgumentException($"Scoring.DriftComponents must be in [0, 16] (was {DriftComponents}).");
        }
    }

    /// <summary>
    /// The configuration tuned on SKAB (1 Hz pump test rig, 400 s of training per asset, faults lasting minutes):
    /// 5 s windows at a 1 s step with the window mean only, the thermal tags declared as drifting (their level
    /// wanders over a run), T² weighted twice IF and SPE on the odds scale, EVT on the top 10 % of the ~400 fused
    /// training scores with a margin of 3, events from the first step above the threshold held open for 30 s.
    /// Regimes and per-regime calibration stay on (with 400 s of training most files form one regime).
    /// </summary>
    public static ScoringOptions SkabProfile()
    {
        var options = new ScoringOptions
        {
            Features = new FeatureOptions
            {
                WindowSeconds = 5,
                StepSeconds = 1,
                Families = FeatureFamilies.Mean,
                DriftingTags = ["Temperature", "Thermocouple"],
            },
            Weights = [0.5, 1.0, 0.5],
            Fusion = FusionRule.WeightedOdds,
            ThresholdMargin = 3,
            MinEventSeconds = 0,
            MergeGapSeconds = 30,
        };
        options.Evt.TailFraction = 0.1;
        options.Evt.MinExceedances = 20;
        return options;
    }
}
