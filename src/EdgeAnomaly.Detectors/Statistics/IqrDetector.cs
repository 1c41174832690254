namespace EdgeAnomaly.Detectors.Statistics;

/// <summary>
/// Tukey fences Q1 − K×IQR and Q3 + K×IQR over the shared sorted window. The ratio is measured from the
/// median (r = (x − median) / (fence − median) on the reading's side), so it is 0 at the centre and 1 at
/// the fence; sensitivity s divides the median-to-fence distance by s, as for every other detector.
/// </summary>
internal sealed class IqrDetector(SortedWindow window, IqrOptions options, double absFloor, double relFloor) : StatDetector
{
    private readonly int _warmup = options.WarmupSamples;
    private readonly double _k = options.K;

    public override DetectorKind Kind => DetectorKind.Iqr;

    public override bool WarmedUp => window.Count >= _warmup;

    public override long Samples => window.Count;

    public override int WarmupSamples => _warmup;

    public double Q1 { get; private set; } = double.NaN;

    public double Q3 { get; private set; } = double.NaN;

    public void Evaluate(double x, double median, double sensitivity)
    {
        if (window.Count < _warmup)
        {
            NotEvaluated();
            return;
        }
        var q1 = window.Quantile(0.25);
        var q3 = window.Quantile(0.75);
        Q1 = q1;
        Q3 = q3;
        // An IQR of 0 (mostly one value) takes the Gaussian-equivalent floor so the fence stays finite.
        var iqr = Floor(q3 - q1, median, absFloor * 1.349, relFloor * 1.349);
        var kUnits = PerSensitivity(_k, sensitivity);
        double dist;
        if (x >= median)
        {
            dist = (q3 - median + (_k * iqr)) / sensitivity;
            Set((x - median) / dist, x, median, iqr, median + dist, kUnits);
        }
        else
        {
            dist = (median - q1 + (_k * iqr)) / sensitivity;
            Set((median - x) / dist, x, median, iqr, median - dist, kUnits);
        }
    }
}
