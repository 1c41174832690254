namespace EdgeAnomaly.Detectors.Statistics;

/// <summary>Rolling z-score against the mean and std of the previous admitted readings.</summary>
internal sealed class ZScoreDetector(ZScoreOptions options, double absFloor, double relFloor) : StatDetector
{
    private readonly RollingMoments _moments = new(options.Window);
    private readonly int _warmup = Math.Max(2, options.WarmupSamples);
    private readonly double _threshold = options.Threshold;

    public override DetectorKind Kind => DetectorKind.ZScore;

    public override bool WarmedUp => _moments.Count >= _warmup;

    public override long Samples => _moments.Count;

    public override int WarmupSamples => _warmup;

    public void Evaluate(double x, double sensitivity)
    {
        if (_moments.Count < _warmup)
        {
            NotEvaluated();
            return;
        }
        var mean = _moments.Mean;
        var std = Floor(_moments.StdDev, mean, absFloor, relFloor);
        var limitUnits = PerSensitivity(_threshold, sensitivity);
        var dist = limitUnits * std;
        var dev = x - mean;
        Set(Math.Abs(dev) / dist, dev / std, mean, std, dev >= 0 ? mean + dist : mean - dist, limitUnits);
    }

    public void Admit(double x) => _moments.Add(x);
}
