namespace EdgeAnomaly.Detectors.Statistics;

/// <summary>
/// What every detector remembers about its latest evaluation: read by the event explanation and the
/// snapshot, never by the hot path of another detector. Fields, not properties, to keep the hot path plain.
/// </summary>
internal abstract class StatDetector
{
    public double Ratio;
    public double Score;
    public bool Flag;
    public bool Evaluated;

    /// <summary>The detector's own statistic: z, robust z, the value (IQR), the EWMA, the bucket z.</summary>
    public double Statistic = double.NaN;

    public double Centre = double.NaN;

    public double Spread = double.NaN;

    /// <summary>Limit on the side of the reading, in value units, after sensitivity.</summary>
    public double Limit = double.NaN;

    /// <summary>The limit as configured in the detector's own unit after sensitivity (e.g. 4.5 sigmas / s).</summary>
    public double LimitInUnits = double.NaN;

    private double _cachedSensitivity = double.NaN;
    private double _cachedLimitUnits;

    public abstract DetectorKind Kind { get; }

    public abstract bool WarmedUp { get; }

    public abstract long Samples { get; }

    public abstract int WarmupSamples { get; }

    protected void NotEvaluated()
    {
        Evaluated = false;
        Ratio = 0;
        Score = 0;
        Flag = false;
        Statistic = double.NaN;
        Centre = double.NaN;
        Spread = double.NaN;
        Limit = double.NaN;
        LimitInUnits = double.NaN;
    }

    protected void Set(double ratio, double statistic, double centre, double spread, double limit, double limitInUnits)
    {
        Evaluated = true;
        Ratio = ratio;
        Score = AnomalyScore.FromRatio(ratio);
        Flag = ratio > 1;
        Statistic = statistic;
        Centre = centre;
        Spread = spread;
        Limit = limit;
        LimitInUnits = limitInUnits;
    }

    /// <summary>
    /// configured / sensitivity, divided once per sensitivity instead of once per reading (a tag's sensitivity
    /// is fixed, and the cached quotient is the same double the division gives).
    /// </summary>
    protected double PerSensitivity(double configured, double sensitivity)
    {
        if (sensitivity != _cachedSensitivity)
        {
            _cachedSensitivity = sensitivity;
            _cachedLimitUnits = configured / sensitivity;
        }
        return _cachedLimitUnits;
    }

    /// <summary>A spread never below max(absolute floor, relative floor × |centre|).</summary>
    protected static double Floor(double spread, double centre, double absFloor, double relFloor)
    {
        var floor = Math.Max(absFloor, relFloor * Math.Abs(centre));
        return spread > floor ? spread : floor;
    }
}
