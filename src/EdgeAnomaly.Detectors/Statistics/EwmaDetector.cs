namespace EdgeAnomaly.Detectors.Statistics;

/// <summary>
/// EWMA control chart. The in-control mean and variance are a running average of admitted readings
/// (exactly Welford's mean and population variance until BaselineSamples, exponential after), so flagged
/// readings stay out of them. The chart statistic Z moves with every good reading, flagged or not: it is
/// the detector, not the baseline. Each reading enters Z clipped to mean ± ClipSigma·σ / sensitivity.
/// Everything that depends only on the baseline and the chart's step count (σ, the clip bounds, the limit
/// distance of the next step) is computed when those change (<see cref="Refresh"/>), not per evaluation.
/// </summary>
internal sealed class EwmaDetector(EwmaOptions options, double sensitivity, double absFloor, double relFloor) : StatDetector
{
    private const double SmallestNormal = 2.2250738585072014E-308; // 2^-1022

    private readonly double _lambda = options.Lambda;
    private readonly double _keep = 1 - options.Lambda;
    private readonly double _asymptoticVarianceFactor = options.Lambda / (2 - options.Lambda); // λ/(2−λ)
    private readonly double _clip = options.ClipSigma;
    private readonly double _limitUnits = options.L / sensitivity;
    private readonly int _warmup = options.WarmupSamples;
    private readonly double _alphaMin = 1.0 / options.BaselineSamples;
    private long _n;
    private double _mean;
    private double _variance;
    private bool _chartStarted;
    private double _z;
    private double _decay; // (1 − λ)^(2t): makes the chart's variance exact for the first readings
    private double _pendingZ;
    private bool _pending;
    private bool _stale;
    private bool _saturated; // 1/n has reached the exponential floor: alpha stays _alphaMin from here on
    private double _lastOneMinusDecay = double.NaN;
    private double _lastSqrt;

    // Prepared for the next evaluation by Refresh.
    private double _sigma;
    private double _clipLow;
    private double _clipHigh;
    private double _nextDecay;
    private double _dist;
    private double _chart;

    public override DetectorKind Kind => DetectorKind.Ewma;

    public override bool WarmedUp => _chartStarted;

    public override long Samples => _n;

    public override int WarmupSamples => _warmup;

    public double Lambda => _lambda;

    public double ChartValue => _z;

    public void Evaluate(double x)
    {
        _pending = false;
        if (!_chartStarted)
        {
            NotEvaluated();
            return;
        }
        var input = x;
        if (_clip > 0)
        {
            var hi = _clipHigh;
            var lo = _clipLow;
            input = input > hi ? hi : input < lo ? lo : input;
        }
        var z = (_lambda * input) + (_keep * _z);
        var mean = _mean;
        _chart = z;
        Set(z - mean, mean, _sigma, _dist, _limitUnits);
        _pendingZ = z;
        _pending = true;
    }

    /// <summary>Commits the chart step computed by the last <see cref="Evaluate"/>.</summary>
    public void Advance()
    {
        if (_pending)
        {
            _z = FlushSubnormal(_pendingZ);
            _decay = _nextDecay;
            _pending = false;
            _stale = true;
        }
    }

    public void Admit(double x)
    {
        _n++;
        // fl(1/n) never increases with n, so once it is at or below the floor every later max() is the floor.
        double alpha;
        if (_saturated)
        {
            alpha = _alphaMin;
        }
        else
        {
            var inverse = 1.0 / _n;
            _saturated = inverse <= _alphaMin;
            alpha = Math.Max(inverse, _alphaMin);
        }
        var d = x - _mean;
        _mean = FlushSubnormal(_mean + (alpha * d));
        _variance = FlushSubnormal((1 - alpha) * (_variance + (alpha * d * d)));
        if (!_chartStarted && _n >= _warmup)
        {
            _chartStarted = true;
            _z = _mean;
            _decay = 1;
        }
        _stale = true;
    }

    /// <summary>After <see cref="Advance"/> or <see cref="Admit"/>: prepares σ, the clip and the next step's limit.</summary>
    public void Refresh()
    {
        if (!_stale || !_chartStarted)
        {
            return;
        }
        _stale = false;
        var mean = _mean;
        var sigma = Floor(Math.Sqrt(_variance), mean, absFloor, relFloor);
        _sigma = sigma;
        if (_clip > 0)
        {
            var clip = _clip * sigma;
            if (sensitivity != 1)
            {
                clip /= sensitivity; // x / 1 is x: skipped for the usual sensitivity
            }
            _clipHigh = mean + clip;
            _clipLow = mean - clip;
        }
        var decay = _decay * _keep * _keep;
        // 1 − decay is exactly 1 once the start-up term has vanished (after ~80 steps): the root is then reused.
        var oneMinusDecay = 1 - decay;
        // From then on decay no longer changes any result (it only decreases, so 1 − decay stays 1), and left alone
        // it would sink into subnormals and stick at the smallest one (x × (1 − λ)² rounds back to x there): a
        // microcode assist on every multiply, per reading, forever (measured: most of the EWMA's cost on Intel).
        _nextDecay = oneMinusDecay == 1 ? 0 : decay;
        if (oneMinusDecay != _lastOneMinusDecay)
        {
            _lastOneMinusDecay = oneMinusDecay;
            _lastSqrt = Math.Sqrt(_asymptoticVarianceFactor * oneMinusDecay);
        }
        var sigmaZ = sigma * _lastSqrt;
        _dist = _limitUnits * sigmaZ;
    }

    /// <summary>The in-control mean and variance (for tests).</summary>
    internal double Mean => _mean;

    internal double Variance => _variance;

    /// <summary>(1 − λ)^(2t) of the chart step committed last (for tests).</summary>
    internal double StartupDecay => _decay;

    /// <summary>
    /// A mean, variance or chart value below the smallest normal double in magnitude (2.2e-308; for the variance σ below
    /// 1.5e-154, far under any spread floor) is taken as 0. When a tag turns exactly 0 (a stopped machine) the mean and
    /// the chart shrink by a constant factor per reading and the variance by (1 − 1/BaselineSamples); within hours to
    /// days at 1 Hz they reach the subnormals and stick at the smallest one (the product rounds back to it), and every
    /// reading would then pay microcode assists (~100 cycles each on x64) until the tag moves again.
    /// </summary>
    internal static double FlushSubnormal(double v) => Math.Abs(v) < SmallestNormal ? 0 : v;

    protected override double ComputeStatistic() => _chart;
}
