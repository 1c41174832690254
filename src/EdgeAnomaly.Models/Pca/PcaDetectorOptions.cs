namespace EdgeAnomaly.Models.Pca;

/// <summary>Options of <see cref="PcaDetector.Fit"/>.</summary>
public sealed class PcaDetectorOptions
{
    /// <summary>Keep the fewest components whose eigenvalues explain at least this share of the variance.</summary>
    public double VarianceFraction { get; set; } = 0.95;

    /// <summary>Upper bound on the number of components; 0 = no bound beyond the data's rank.</summary>
    public int MaxComponents { get; set; }

    /// <summary>Confidence level of <see cref="PcaDetector.T2Limit"/> and <see cref="PcaDetector.SpeLimit"/>.</summary>
    public double ConfidenceLevel { get; set; } = 0.99;

    /// <summary>Throws <see cref="ArgumentException"/> naming the bad key.</summary>
    public void Validate()
    {
        if (!(VarianceFraction > 0 && VarianceFraction <= 1))
        {
            throw new ArgumentException($"PcaDetectorOptions.VarianceFraction must be in (0, 1] (was {VarianceFraction}).");
        }
        if (MaxComponents < 0)
        {
            throw new ArgumentException($"PcaDetectorOptions.MaxComponents must be >= 0 (was {MaxComponents}).");
        }
        if (!(ConfidenceLevel > 0.5 && ConfidenceLevel < 1))
        {
            throw new ArgumentException($"PcaDetectorOptions.ConfidenceLevel must be in (0.5, 1) (was {ConfidenceLevel}).");
        }
    }
}
