namespace EdgeAnomaly.Detectors.Statistics;

/// <summary>
/// EWMA control chart. The in-control mean and variance are a running average of admitted readings
/// (exactly Welford's mean and population variance until BaselineSamples, exponential after), so flagged
/// readings stay out of them. The chart statistic Z moves with every good reading, flagged or not: it is
/// the detector, not the baseline. Each reading enters Z clipped to mean ± ClipSigma·σ / sensitivity.
/// </summary>
internal sealed class EwmaDetector(EwmaOptions options, double absFloor, double relFloor) : StatDetector
{
    private readonly double _lambda = options.Lambda;
    private readonly double _keep = 1 - options.Lambda;
    private readonly double _l = options.L;
    private readonly double _asymptoticVarianceFactor = options.Lambda / (2 - options.Lambda); // λ/(2−λ)
    private readonly double _clip = options.ClipSigma;
    private readonly int _warmup = options.WarmupSamples;
    private readonly double _alphaMin = 1.0 / options.BaselineSamples;
    private long _n;
    private double _mean;
    private double _variance;
    private bool _chartStarted;
    private double _z;
    private double _decay; // (1 − λ)^(2t): makes the chart's variance exact for the first readings
    private double _pendingZ;
    private double _pendingDecay;
    private bool _pending;

    public override DetectorKind Kind => DetectorKind.Ewma;

    public override bool WarmedUp => _chartStarted;

    public override long Samples => _n;

    public override int WarmupSamples => _warmup;

    public double Lambda => _lambda;

    public double ChartValue => _z;

    public void Evaluate(double x, double sensitivity)
    {
        _pending = false;
        if (!_chartStarted)
        {
            NotEvaluated();
            return;
        }
        var mean = _mean;
        var sigma = Floor(Math.Sqrt(_variance), mean, absFloor, relFloor);
        var input = x;
        if (_clip > 0)
        {
            var clip = _clip * sigma / sensitivity;
            var hi = mean + clip;
            var lo = mean - clip;
            input = input > hi ? hi : input < lo ? lo : input;
        }
        var z = (_lambda * input) + (_keep * _z);
        var decay = _decay * _keep * _keep;
        var sigmaZ = sigma * Math.Sqrt(_asymptoticVarianceFactor * (1 - decay));
        var limitUnits = PerSensitivity(_l, sensitivity);
        var dist = limitUnits * sigmaZ;
        var dev = z - mean;
        Set(Math.Abs(dev) / dist, z, mean, sigma, dev >= 0 ? mean + dist : mean - dist, limitUnits);
        _pendingZ = z;
        _pendingDecay = decay;
        _pending = true;
    }

    /// <summary>Commits the chart step computed by the last <see cref="Evaluate"/>.</summary>
    public void Advance()
    {
        if (_pending)
        {
            _z = _pendingZ;
            _decay = _pendingDecay;
            _pending = false;
        }
    }

    public void Admit(double x)
    {
        _n++;
        var alpha = Math.Max(1.0 / _n, _alphaMin);
        var d = x - _mean;
        _mean += alpha * d;
        _variance = (1 - alpha) * (_variance + (alpha * d * d));
        if (!_chartStarted && _n >= _warmup)
        {
            _chartStarted = true;
            _z = _mean;
            _decay = 1;
        }
    }
}
