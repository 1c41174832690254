namespace EdgeAnomaly.Detectors.Statistics;

/// <summary>
/// Rolling z-score against the mean and std of the previous admitted readings. The mean, the floored std and
/// the limit distance change only when a reading is admitted, so they are computed then, not per evaluation.
/// </summary>
internal sealed class ZScoreDetector : StatDetector
{
    private readonly RollingMoments _moments;
    private readonly int _warmup;
    private readonly double _limitUnits;
    private readonly double _absFloor;
    private readonly double _relFloor;
    private bool _ready;
    private double _mean;
    private double _std;
    private double _dist;

    public ZScoreDetector(ZScoreOptions options, double sensitivity, double absFloor, double relFloor)
    {
        _moments = new RollingMoments(options.Window);
        _warmup = Math.Max(2, options.WarmupSamples);
        _limitUnits = options.Threshold / sensitivity;
        _absFloor = absFloor;
        _relFloor = relFloor;
    }

    public override DetectorKind Kind => DetectorKind.ZScore;

    public override bool WarmedUp => _moments.Count >= _warmup;

    public override long Samples => _moments.Count;

    public override int WarmupSamples => _warmup;

    public void Evaluate(double x)
    {
        if (!_ready)
        {
            NotEvaluated();
            return;
        }
        Set(x - _mean, _mean, _std, _dist, _limitUnits);
    }

    public void Admit(double x)
    {
        _moments.Add(x);
        _ready = _moments.Count >= _warmup;
        if (_ready)
        {
            var mean = _moments.Mean;
            var std = Floor(_moments.StdDev, mean, _absFloor, _relFloor);
            _mean = mean;
            _std = std;
            _dist = _limitUnits * std;
        }
    }

    protected override double ComputeStatistic() => LastDeviation / Spread;
}
