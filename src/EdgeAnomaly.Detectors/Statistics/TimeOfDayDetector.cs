namespace EdgeAnomaly.Detectors.Statistics;

/// <summary>
/// Mean and std per hour of day (24 buckets), each a running average that turns exponential after the
/// bucket's memory, each with its own warm-up. A reading is scored against its own hour's bucket.
/// </summary>
internal sealed class TimeOfDayDetector : StatDetector
{
    private const long HourMs = 3_600_000;
    private const long DayMs = 24 * HourMs;

    // One record per hour, so a reading touches one 24-byte slot instead of three arrays.
    private readonly Bucket[] _buckets = new Bucket[24];
    private readonly int _warmup;
    private readonly double _limitUnits;
    private readonly double _alphaMin;
    private readonly double _memory;
    private readonly long _offsetMs;
    private readonly double _absFloor;
    private readonly double _relFloor;
    private int _hour;

    // The absolute hour [start, end) the latest reading fell in: readings mostly stay in it, so the hour is found
    // without the two 64-bit divisions of HourOf.
    private long _hourStartMs = long.MaxValue;
    private long _hourEndMs = long.MinValue;

    public TimeOfDayDetector(TimeOfDayOptions options, double expectedIntervalSeconds, double sensitivity, double absFloor, double relFloor)
    {
        _warmup = options.WarmupSamplesPerBucket;
        _limitUnits = options.Threshold / sensitivity;
        _offsetMs = (long)options.UtcOffset.TotalMilliseconds;
        var interval = expectedIntervalSeconds > 0 ? expectedIntervalSeconds : 1;
        var memory = Math.Max(_warmup, options.MemoryDays * 3600 / interval);
        _alphaMin = 1.0 / memory;
        _memory = memory;
        _absFloor = absFloor;
        _relFloor = relFloor;
    }

    public override DetectorKind Kind => DetectorKind.TimeOfDay;

    public override bool WarmedUp => _buckets[_hour].N >= _warmup;

    public override long Samples => _buckets[_hour].N;

    public override int WarmupSamples => _warmup;

    /// <summary>Hour bucket of the latest reading.</summary>
    public int Hour => _hour;

    public int HourOf(long timestampMs) => (int)(LocalTimeOfDayMs(timestampMs) / HourMs);

    /// <summary>Milliseconds since local midnight (floor modulo, so instants before 1970 work too).</summary>
    private long LocalTimeOfDayMs(long timestampMs)
    {
        var local = (timestampMs + _offsetMs) % DayMs;
        return local < 0 ? local + DayMs : local;
    }

    public void CopyProfile(Span<double> means, Span<double> stds, Span<long> counts)
    {
        for (var h = 0; h < 24; h++)
        {
            ref readonly var b = ref _buckets[h];
            means[h] = b.N > 0 ? b.Mean : double.NaN;
            stds[h] = b.N > 1 ? Math.Sqrt(b.Variance * b.N / (b.N - 1)) : double.NaN;
            counts[h] = b.N;
        }
    }

    public void Evaluate(double x, long timestampMs)
    {
        int h;
        if (timestampMs >= _hourStartMs && timestampMs < _hourEndMs)
        {
            h = _hour;
        }
        else
        {
            var local = LocalTimeOfDayMs(timestampMs);
            h = (int)(local / HourMs);
            _hour = h;
            // A day is a whole number of hours, so the time since the local hour began is the same modulo.
            var sinceHourStart = local % HourMs;
            // Overflow near the ends of the long range would only make the cache miss; HourOf stays exact.
            _hourStartMs = timestampMs - sinceHourStart;
            _hourEndMs = _hourStartMs + HourMs;
        }
        ref readonly var b = ref _buckets[h];
        var n = b.N;
        if (n < _warmup)
        {
            NotEvaluated();
            return;
        }
        var mean = b.Mean;
        // Bessel-corrected while the bucket is still a running average; harmless afterwards.
        var std = Floor(Math.Sqrt(b.Variance * n / (n - 1)), mean, _absFloor, _relFloor);
        Set(x - mean, mean, std, _limitUnits * std, _limitUnits);
    }

    /// <summary>Adds the reading last evaluated to its hour's bucket.</summary>
    public void Admit(double x)
    {
        ref var b = ref _buckets[_hour];
        var n = ++b.N;
        // Past the memory 1/n < 1/memory = alphaMin (division is monotone), so the division can be skipped.
        var alpha = n > _memory ? _alphaMin : Math.Max(1.0 / n, _alphaMin);
        var d = x - b.Mean;
        b.Mean = EwmaDetector.FlushSubnormal(b.Mean + (alpha * d));
        b.Variance = EwmaDetector.FlushSubnormal((1 - alpha) * (b.Variance + (alpha * d * d))); // see there
    }

    private struct Bucket
    {
        public long N;
        public double Mean;
        public double Variance;
    }

    protected override double ComputeStatistic() => LastDeviation / Spread;
}
