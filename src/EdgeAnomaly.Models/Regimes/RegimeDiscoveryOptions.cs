namespace EdgeAnomaly.Models.Regimes;

/// <summary>Options of <see cref="RegimeDiscovery.Fit"/> and of the <see cref="RegimeTracker"/> built from its model.</summary>
public sealed class RegimeDiscoveryOptions
{
    public int MinK { get; set; } = 2;

    public int MaxK { get; set; } = 8;

    /// <summary>Quality gate: if no k reaches this mean silhouette the model is one global regime.</summary>
    public double MinSilhouette { get; set; } = 0.2;

    /// <summary>Variance share the PCA in front of k-means keeps.</summary>
    public double VarianceFraction { get; set; } = 0.95;

    public int Seed { get; set; } = 1;

    /// <summary>A new regime is adopted online only after it has been the nearest for this long.</summary>
    public TimeSpan MinDwell { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>k-means++ restarts per k (the lowest inertia wins).</summary>
    public int Restarts { get; set; } = 4;

    /// <summary>A k whose smallest cluster holds less than this share of the training rows is not considered.</summary>
    public double MinRegimeShare { get; set; } = 0.01;

    /// <summary>k-means runs on a seeded sample of at most this many rows (all rows are then assigned).</summary>
    public int MaxClusteringRows { get; set; } = 20_000;

    /// <summary>The silhouette is computed on a seeded sample of at most this many rows (exact below it).</summary>
    public int SilhouetteSample { get; set; } = ClusterQuality.DefaultSilhouetteSample;

    /// <summary>Silhouettes within this of the best count as tied; the tie goes to the higher Calinski-Harabasz index.</summary>
    public double SilhouetteTieTolerance { get; set; } = 0.01;

    public void Validate()
    {
        if (MinK < 2 || MaxK < MinK || MaxK > RegimeModel.MaxRegimes)
        {
            throw new ArgumentException($"RegimeDiscoveryOptions.MinK/MaxK must satisfy 2 <= MinK <= MaxK <= {RegimeModel.MaxRegimes} (were {MinK}/{MaxK}).");
        }
        if (!(MinSilhouette >= -1 && MinSilhouette <= 1))
        {
            throw new ArgumentException($"RegimeDiscoveryOptions.MinSilhouette must be in [-1, 1] (was {MinSilhouette}).");
        }
        if (!(VarianceFraction > 0 && VarianceFraction <= 1))
        {
            throw new ArgumentException($"RegimeDiscoveryOptions.VarianceFraction must be in (0, 1] (was {VarianceFraction}).");
        }
        if (MinDwell < TimeSpan.Zero)
        {
            throw new ArgumentException($"RegimeDiscoveryOptions.MinDwell must not be negative (was {MinDwell}).");
        }
        if (Restarts < 1)
        {
            throw new ArgumentException($"RegimeDiscoveryOptions.Restarts must be at least 1 (was {Restarts}).");
        }
        if (!(MinRegimeShare >= 0 && MinRegimeShare < 0.5))
        {
            throw new ArgumentException($"RegimeDiscoveryOptions.MinRegimeShare must be in [0, 0.5) (was {MinRegimeShare}).");
        }
        if (MaxClusteringRows < 100 || SilhouetteSample < 100)
        {
            throw new ArgumentException($"RegimeDiscoveryOptions.MaxClusteringRows and SilhouetteSample must be at least 100 (were {MaxClusteringRows}/{SilhouetteSample}).");
        }
        if (!(SilhouetteTieTolerance >= 0 && SilhouetteTieTolerance < 1))
        {
            throw new ArgumentException($"RegimeDiscoveryOptions.SilhouetteTieTolerance must be in [0, 1) (was {SilhouetteTieTolerance}).");
        }
    }
}
