namespace EdgeAnomaly.Detectors.Statistics;

/// <summary>
/// Robust z = (x − median) / (1.4826 × MAD) over the shared sorted window; the MAD is exact (see
/// <see cref="SortedWindow.Mad"/>). Screening: a reading within the limit distance of an O(1) lower bound of the
/// robust sigma (<see cref="SortedWindow.MadLowerBound"/>) provably does not flag, so the MAD is only computed
/// for readings beyond that bound or when the evaluation's figures are read (a report, the explanation, a
/// snapshot) — then by the same expressions, so they are the same doubles.
/// </summary>
internal sealed class RobustZDetector(SortedWindow window, RobustZOptions options, double sensitivity, double absFloor, double relFloor) : StatDetector
{
    private readonly int _warmup = options.WarmupSamples;
    private readonly double _limitUnits = options.Threshold / sensitivity;
    private int _boundHint = window.Capacity / 4;
    private bool _ready;
    private double _median;
    private double _screen;
    private int _evaluatedVersion;

    public override DetectorKind Kind => DetectorKind.RobustZ;

    public override bool WarmedUp => window.Count >= _warmup;

    public override long Samples => window.Count;

    public override int WarmupSamples => _warmup;

    public void Evaluate(double x)
    {
        if (!_ready)
        {
            NotEvaluated();
            return;
        }
        var median = _median;
        var dev = x - median;
        _evaluatedVersion = window.Version;
        if (Math.Abs(dev) <= _screen)
        {
            SetScreened(dev, median, _limitUnits);
            return;
        }
        Set(dev, median, window.RobustSigma(median), median);
    }

    /// <summary>After the window changed; <paramref name="median"/> is the window's median.</summary>
    public void Refresh(double median)
    {
        _ready = window.Count >= _warmup;
        if (_ready)
        {
            _median = median;
            // The robust sigma is at least the floor, and at least 1.4826 × any lower bound of a MAD > 0.
            // |dev| <= limit × that lower bound therefore gives a ratio <= 1 (rounding is monotone throughout).
            var bound = window.MadLowerBound(median, ref _boundHint);
            var lower = Math.Max(SortedWindow.MadToSigma * bound, FloorOf(median));
            var screen = _limitUnits * lower;
            _screen = double.IsFinite(screen) ? screen : -1;
        }
    }

    protected override void Resolve()
    {
        var median = Centre;
        double sigma;
        if (window.Version == _evaluatedVersion)
        {
            sigma = window.RobustSigma(median);
        }
        else if (window.Version == _evaluatedVersion + 1)
        {
            sigma = window.RobustSigmaBeforeLastAdd(median);
        }
        else
        {
            throw new InvalidOperationException("the window moved on by more than one reading since the evaluation");
        }
        Set(LastDeviation, median, sigma, median);
    }

    private void Set(double dev, double median, double rawSigma, double centre)
    {
        var sigma = Floor(rawSigma, median, absFloor, relFloor);
        Set(dev, centre, sigma, _limitUnits * sigma, _limitUnits);
    }

    private double FloorOf(double centre) => Math.Max(absFloor, relFloor * Math.Abs(centre));

    protected override double ComputeStatistic() => LastDeviation / Spread;
}
