namespace EdgeAnomaly.Scoring.Features;

/// <summary>Groups of per-tag features; each can be switched off for an asset.</summary>
[Flags]
public enum FeatureFamilies
{
    None = 0,
    /// <summary>Window mean (a level feature).</summary>
    Mean = 1,
    /// <summary>Sample standard deviation.</summary>
    Std = 2,
    /// <summary>Least-squares slope per second.</summary>
    Slope = 4,
    /// <summary>Window minimum and maximum (level features).</summary>
    MinMax = 8,
    /// <summary>P10, P50, P90 (level features) and the interquartile range.</summary>
    Percentiles = 16,
    /// <summary>Energy in a few equal bands of the window's spectrum.</summary>
    Spectral = 32,
    /// <summary>RMS residual of the AR model fitted to the tag at training.</summary>
    ArResidual = 64,
    /// <summary>Correlation with the driver tag over the window.</summary>
    DriverCorrelation = 128,
    All = Mean | Std | Slope | MinMax | Percentiles | Spectral | ArResidual | DriverCorrelation,
}

/// <summary>
/// How an asset's readings become feature vectors. Defaults suit process data sampled every second or slower
/// (60 s window, 10 s step); <see cref="Validate"/> names the offending key.
/// </summary>
public sealed class FeatureOptions
{
    /// <summary>Length of the rolling window in seconds.</summary>
    public double WindowSeconds { get; set; } = 60;

    /// <summary>Seconds between feature vectors; a step covers (end - window, end] with end on a multiple of the step.</summary>
    public double StepSeconds { get; set; } = 10;

    public FeatureFamilies Families { get; set; } = FeatureFamilies.All;

    /// <summary>Number of equal spectral bands (Spectral family).</summary>
    public int SpectralBands { get; set; } = 4;

    /// <summary>Points of the even grid the window is resampled to for the FFT and the driver correlation (power of two).</summary>
    public int GridPoints { get; set; } = 64;

    /// <summary>Order of the per-tag AR model (ArResidual family).</summary>
    public int ArOrder { get; set; } = 2;

    /// <summary>Tag the others are correlated with; null or empty means the first tag.</summary>
    public string? DriverTag { get; set; }

    /// <summary>
    /// Tags whose level wanders slowly in normal operation (temperatures warming up, tank levels): their level
    /// features (mean, min, max, percentiles) are left out, the shape features stay.
    /// </summary>
    public string[] DriftingTags { get; set; } = [];

    /// <summary>
    /// Fewest finite samples a tag needs in a window for the step to be scored; 0 = half of what the training data's
    /// median sampling interval gives (at least 2, and more than the AR order).
    /// </summary>
    public int MinSamplesPerWindow { get; set; }

    public FeatureOptions Clone() => (FeatureOptions)MemberwiseClone();

    public void Validate()
    {
        if (!(WindowSeconds > 0) || !double.IsFinite(WindowSeconds))
        {
            throw new ArgumentException($"Features.WindowSeconds must be a positive number of seconds (was {WindowSeconds}).");
        }
        if (!(StepSeconds > 0) || !double.IsFinite(StepSeconds) || StepSeconds > WindowSeconds)
        {
            throw new ArgumentException($"Features.StepSeconds must be positive and not longer than WindowSeconds (was {StepSeconds}, window {WindowSeconds}).");
        }
        if (Math.Round(StepSeconds * 1000) < 1 || Math.Round(WindowSeconds * 1000) < 1)
        {
            throw new ArgumentException("Features.StepSeconds and Features.WindowSeconds must be at least 1 ms.");
        }
        if (Families == FeatureFamilies.None || (Families & ~FeatureFamilies.All) != 0)
        {
            throw new ArgumentException($"Features.Families must name at least one known family (was {Families}).");
        }
        if (SpectralBands is < 1 or > 64)
        {
            throw new ArgumentException($"Features.SpectralBands must be in [1, 64] (was {SpectralBands}).");
        }
        if (GridPoints is < 8 or > 4096 || (GridPoints & (GridPoints - 1)) != 0)
        {
            throw new ArgumentException($"Features.GridPoints must be a power of two in [8, 4096] (was {GridPoints}).");
        }
        if ((Families & FeatureFamilies.Spectral) != 0 && SpectralBands > GridPoints / 2)
        {
            throw new ArgumentException($"Features.SpectralBands ({SpectralBands}) cannot exceed GridPoints / 2 ({GridPoints / 2}).");
        }
        if (ArOrder is < 1 or > 16)
        {
            throw new ArgumentException($"Features.ArOrder must be in [1, 16] (was {ArOrder}).");
        }
        if (MinSamplesPerWindow < 0)
        {
            throw new ArgumentException($"Features.MinSamplesPerWindow must be 0 (automatic) or positive (was {MinSamplesPerWindow}).");
        }
    }
}
