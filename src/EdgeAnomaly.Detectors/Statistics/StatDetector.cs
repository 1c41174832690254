namespace EdgeAnomaly.Detectors.Statistics;

/// <summary>
/// What every detector remembers about its latest evaluation. The hot path only decides (<see cref="Ratio"/>,
/// <see cref="Flag"/>); the figures read by the explanation and the snapshot (<see cref="Score"/>,
/// <see cref="Statistic"/>, <see cref="Limit"/>) are derived on demand from the stored inputs, by the same
/// expressions as before, so they are the same doubles without a division per reading for each of them.
/// </summary>
internal abstract class StatDetector
{
    /// <summary>Whether the latest reading is beyond the limit: always exact, it drives the votes.</summary>
    public bool Flag;

    public bool Evaluated;

    // Inputs of the latest evaluation: deviation from the centre (for IQR the reading minus the median, for the
    // EWMA the chart value minus the mean), the centre, the spread and the centre-to-limit distance.
    protected double LastDeviation;
    private double _ratio;
    private bool _unresolved;
    private double _centre;
    private double _spread;
    private double _distance;
    private double _limitInUnits;

    public abstract DetectorKind Kind { get; }

    public abstract bool WarmedUp { get; }

    public abstract long Samples { get; }

    public abstract int WarmupSamples { get; }

    /// <summary>|deviation| / (distance from the centre to the limit): 1 exactly at the limit, 0 when not evaluated.</summary>
    public double Ratio
    {
        get
        {
            EnsureResolved();
            return _ratio;
        }
    }

    /// <summary>AnomalyScore.FromRatio(Ratio): 0 when not evaluated.</summary>
    public double Score => AnomalyScore.FromRatio(Ratio);

    /// <summary>The detector's own statistic: z, robust z, the value (IQR), the EWMA, the bucket z.</summary>
    public double Statistic
    {
        get
        {
            EnsureResolved();
            return Evaluated ? ComputeStatistic() : double.NaN;
        }
    }

    public double Centre => Evaluated ? _centre : double.NaN;

    public double Spread
    {
        get
        {
            EnsureResolved();
            return Evaluated ? _spread : double.NaN;
        }
    }

    /// <summary>Limit on the side of the reading, in value units, after sensitivity.</summary>
    public double Limit
    {
        get
        {
            EnsureResolved();
            return Evaluated ? (LastDeviation >= 0 ? _centre + _distance : _centre - _distance) : double.NaN;
        }
    }

    /// <summary>Whether the latest evaluation was screened (flag known, figures not yet computed).</summary>
    public bool Unresolved => _unresolved;

    /// <summary>The limit as configured in the detector's own unit after sensitivity (e.g. 4.5 sigmas / s).</summary>
    public double LimitInUnits => Evaluated ? _limitInUnits : double.NaN;

    /// <summary>The statistic from the stored inputs of an evaluation (only called when evaluated).</summary>
    protected abstract double ComputeStatistic();

    /// <summary>Computes the spread and distance of a screened evaluation and calls <see cref="Set"/>.</summary>
    protected virtual void Resolve() => throw new InvalidOperationException("this detector never screens");

    public void EnsureResolved()
    {
        if (_unresolved)
        {
            Resolve();
        }
    }

    protected void NotEvaluated()
    {
        Evaluated = false;
        _unresolved = false;
        _ratio = 0;
        Flag = false;
    }

    /// <summary>
    /// Records an evaluation proven not to flag (the reading is inside a bound that lies within the limit),
    /// leaving its spread and distance to <see cref="Resolve"/>, called only if someone reads them.
    /// </summary>
    protected void SetScreened(double deviation, double centre, double limitInUnits)
    {
        Evaluated = true;
        _unresolved = true;
        Flag = false;
        LastDeviation = deviation;
        _centre = centre;
        _limitInUnits = limitInUnits;
    }

    /// <summary>Records an evaluation: ratio = |deviation| / distance, flagged beyond 1.</summary>
    protected void Set(double deviation, double centre, double spread, double distance, double limitInUnits)
    {
        var ratio = Math.Abs(deviation) / distance;
        Evaluated = true;
        _unresolved = false;
        _ratio = ratio;
        Flag = ratio > 1;
        LastDeviation = deviation;
        _centre = centre;
        _spread = spread;
        _distance = distance;
        _limitInUnits = limitInUnits;
    }

    /// <summary>A spread never below max(absolute floor, relative floor × |centre|).</summary>
    protected static double Floor(double spread, double centre, double absFloor, double relFloor)
    {
        var floor = Math.Max(absFloor, relFloor * Math.Abs(centre));
        return spread > floor ? spread : floor;
    }
}
