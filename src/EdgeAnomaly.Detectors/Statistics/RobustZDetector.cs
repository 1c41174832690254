namespace EdgeAnomaly.Detectors.Statistics;

/// <summary>
/// Robust z = (x − median) / (1.4826 × MAD) over the shared sorted window; the MAD is exact on every
/// reading (no periodic refresh needed, see <see cref="SortedWindow.Mad"/>).
/// </summary>
internal sealed class RobustZDetector(SortedWindow window, RobustZOptions options, double absFloor, double relFloor) : StatDetector
{
    private readonly int _warmup = options.WarmupSamples;
    private readonly double _threshold = options.Threshold;

    public override DetectorKind Kind => DetectorKind.RobustZ;

    public override bool WarmedUp => window.Count >= _warmup;

    public override long Samples => window.Count;

    public override int WarmupSamples => _warmup;

    public void Evaluate(double x, double median, double sensitivity)
    {
        if (window.Count < _warmup)
        {
            NotEvaluated();
            return;
        }
        var sigma = Floor(window.RobustSigma(median), median, absFloor, relFloor);
        var limitUnits = PerSensitivity(_threshold, sensitivity);
        var dist = limitUnits * sigma;
        var dev = x - median;
        Set(Math.Abs(dev) / dist, dev / sigma, median, sigma, dev >= 0 ? median + dist : median - dist, limitUnits);
    }
}
