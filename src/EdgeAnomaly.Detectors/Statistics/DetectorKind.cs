namespace EdgeAnomaly.Detectors;

/// <summary>The statistical detectors, in the order they are evaluated and reported.</summary>
public enum DetectorKind
{
    ZScore = 0,
    RobustZ = 1,
    Iqr = 2,
    Ewma = 3,
    TimeOfDay = 4,
}
