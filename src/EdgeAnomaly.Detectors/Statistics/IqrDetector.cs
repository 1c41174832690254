namespace EdgeAnomaly.Detectors.Statistics;

/// <summary>
/// Tukey fences Q1 − K×IQR and Q3 + K×IQR over the shared sorted window. The ratio is measured from the
/// median (r = (x − median) / (fence − median) on the reading's side), so it is 0 at the centre and 1 at
/// the fence; sensitivity s divides the median-to-fence distance by s, as for every other detector.
/// The quartiles and both distances change only when the window does, so they are computed then.
/// </summary>
internal sealed class IqrDetector(SortedWindow window, IqrOptions options, double sensitivity, double absFloor, double relFloor) : StatDetector
{
    /// <summary>The IQR of a Gaussian in standard deviations (as rounded for the spread floors).</summary>
    private const double GaussianIqr = 1.349;

    private readonly int _warmup = options.WarmupSamples;
    private readonly double _k = options.K;
    private readonly double _kUnits = options.K / sensitivity;
    private bool _ready;
    private double _median;
    private double _q1;
    private double _q3;
    private double _iqr;
    private double _distAbove;
    private double _distBelow;
    private double _x;

    public override DetectorKind Kind => DetectorKind.Iqr;

    public override bool WarmedUp => window.Count >= _warmup;

    public override long Samples => window.Count;

    public override int WarmupSamples => _warmup;

    public double Q1 { get; private set; } = double.NaN;

    public double Q3 { get; private set; } = double.NaN;

    public void Evaluate(double x)
    {
        if (!_ready)
        {
            NotEvaluated();
            return;
        }
        Q1 = _q1;
        Q3 = _q3;
        _x = x;
        var median = _median;
        Set(x - median, median, _iqr, x >= median ? _distAbove : _distBelow, _kUnits);
    }

    /// <summary>After the window changed; <paramref name="median"/> is the window's median.</summary>
    public void Refresh(double median)
    {
        _ready = window.Count >= _warmup;
        if (_ready)
        {
            var q1 = window.Quantile(0.25);
            var q3 = window.Quantile(0.75);
            // An IQR of 0 (the middle half is one value, as with a quantised sensor on one level) takes the
            // Gaussian-equivalent IQR of the window's degenerate spread, which is at least its quantisation noise: one
            // step to the next level is then not beyond the fence. The floors keep the fence finite in any case.
            var raw = q3 - q1;
            if (!(raw > 0))
            {
                raw = GaussianIqr * window.DegenerateSigma(median);
            }
            var iqr = Floor(raw, median, absFloor * GaussianIqr, relFloor * GaussianIqr);
            _median = median;
            _q1 = q1;
            _q3 = q3;
            _iqr = iqr;
            var above = q3 - median + (_k * iqr);
            var below = median - q1 + (_k * iqr);
            if (sensitivity != 1)
            {
                above /= sensitivity; // x / 1 is x: skipped for the usual sensitivity
                below /= sensitivity;
            }
            _distAbove = above;
            _distBelow = below;
        }
    }

    protected override double ComputeStatistic() => _x;
}
