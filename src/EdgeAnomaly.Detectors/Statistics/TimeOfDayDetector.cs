namespace EdgeAnomaly.Detectors.Statistics;

/// <summary>
/// Mean and std per hour of day (24 buckets), each a running average that turns exponential after the
/// bucket's memory, each with its own warm-up. A reading is scored against its own hour's bucket.
/// </summary>
internal sealed class TimeOfDayDetector : StatDetector
{
    private const long HourMs = 3_600_000;
    private const long DayMs = 24 * HourMs;

    private readonly long[] _n = new long[24];
    private readonly double[] _mean = new double[24];
    private readonly double[] _variance = new double[24];
    private readonly int _warmup;
    private readonly double _limitUnits;
    private readonly double _alphaMin;
    private readonly long _offsetMs;
    private readonly double _absFloor;
    private readonly double _relFloor;
    private int _hour;

    public TimeOfDayDetector(TimeOfDayOptions options, double expectedIntervalSeconds, double sensitivity, double absFloor, double relFloor)
    {
        _warmup = options.WarmupSamplesPerBucket;
        _limitUnits = options.Threshold / sensitivity;
        _offsetMs = (long)options.UtcOffset.TotalMilliseconds;
        var interval = expectedIntervalSeconds > 0 ? expectedIntervalSeconds : 1;
        var memory = Math.Max(_warmup, options.MemoryDays * 3600 / interval);
        _alphaMin = 1.0 / memory;
        _absFloor = absFloor;
        _relFloor = relFloor;
    }

    public override DetectorKind Kind => DetectorKind.TimeOfDay;

    public override bool WarmedUp => _n[_hour] >= _warmup;

    public override long Samples => _n[_hour];

    public override int WarmupSamples => _warmup;

    /// <summary>Hour bucket of the latest reading.</summary>
    public int Hour => _hour;

    public int HourOf(long timestampMs)
    {
        var local = (timestampMs + _offsetMs) % DayMs;
        if (local < 0)
        {
            local += DayMs;
        }
        return (int)(local / HourMs);
    }

    public void CopyProfile(Span<double> means, Span<double> stds, Span<long> counts)
    {
        for (var h = 0; h < 24; h++)
        {
            means[h] = _n[h] > 0 ? _mean[h] : double.NaN;
            stds[h] = _n[h] > 1 ? Math.Sqrt(_variance[h] * _n[h] / (_n[h] - 1)) : double.NaN;
            counts[h] = _n[h];
        }
    }

    public void Evaluate(double x, long timestampMs)
    {
        var h = HourOf(timestampMs);
        _hour = h;
        var n = _n[h];
        if (n < _warmup)
        {
            NotEvaluated();
            return;
        }
        var mean = _mean[h];
        // Bessel-corrected while the bucket is still a running average; harmless afterwards.
        var std = Floor(Math.Sqrt(_variance[h] * n / (n - 1)), mean, _absFloor, _relFloor);
        Set(x - mean, mean, std, _limitUnits * std, _limitUnits);
    }

    /// <summary>Adds the reading last evaluated to its hour's bucket.</summary>
    public void Admit(double x)
    {
        var h = _hour;
        var n = ++_n[h];
        var alpha = Math.Max(1.0 / n, _alphaMin);
        var d = x - _mean[h];
        _mean[h] = EwmaDetector.FlushSubnormal(_mean[h] + (alpha * d));
        _variance[h] = EwmaDetector.FlushSubnormal((1 - alpha) * (_variance[h] + (alpha * d * d))); // see there
    }

    protected override double ComputeStatistic() => LastDeviation / Spread;
}
