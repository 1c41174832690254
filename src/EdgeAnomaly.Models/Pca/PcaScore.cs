namespace EdgeAnomaly.Models.Pca;

/// <summary>
/// Hotelling's T² (distance inside the principal subspace, in units of the training variance) and the squared
/// prediction error SPE (Q statistic: squared distance from the subspace).
/// </summary>
public readonly record struct PcaScore(double T2, double Spe);
