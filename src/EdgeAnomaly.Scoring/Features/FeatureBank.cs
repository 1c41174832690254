using System.Numerics;

namespace EdgeAnomaly.Scoring.Features;

/// <summary>Receives each closed step of a <see cref="FeatureBank"/>.</summary>
public interface IFeatureStepSink
{
    /// <param name="stepEndMs">End of the step's window (unix ms, a multiple of the step).</param>
    /// <param name="valid">False when a contributing tag had too few finite samples; the features are then NaN.</param>
    /// <param name="features">The raw (unscaled) feature vector, valid only during the call.</param>
    void OnStep(long stepEndMs, bool valid, ReadOnlySpan<double> features);
}

/// <summary>
/// The one feature implementation used by training and by live scoring. Readings arrive per tag at any time
/// (<see cref="Add"/>); <see cref="AdvanceTo"/> declares that everything up to a time has arrived and closes every
/// step whose window ends by then. A row of values (CSV) is the same thing: <see cref="AddRow"/> adds one reading
/// per tag, then advances to the row's time.
/// <para>Data quality, as in live ingest: non-finite values are skipped; a reading older than its tag's last one,
/// a repeated timestamp, or one at or before the time already advanced to is dropped (counted). A step where a
/// contributing tag has fewer than <see cref="FeatureSpec.MinSamplesPerWindow"/> samples is reported as invalid; a
/// stretch with no data at all produces no steps.</para>
/// Per-tag ring buffers and all scratch are allocated once: adding a reading and closing a step do not allocate.
/// </summary>
public sealed class FeatureBank
{
    private readonly FeatureSpec _spec;
    private readonly IFeatureStepSink _sink;
    private readonly int _tags;
    private readonly int _capacity;
    private readonly long[] _times;
    private readonly double[] _values;
    private readonly int[] _head;
    private readonly int[] _count;
    private readonly long[] _lastTime;
    private readonly double[] _features;
    private readonly double[] _windowTimes;
    private readonly double[] _windowValues;
    private readonly double[] _sorted;
    private readonly double[] _grid;
    private readonly double[] _driverGrid;
    private readonly double[] _bands;
    private readonly Complex[] _fft;
    private readonly int[] _columnStart;
    private readonly int[] _columnEnd;
    private readonly bool[] _contributes;
    private readonly bool _needsDriverGrid;
    private long _nextStepEnd = long.MinValue;
    private long _advancedTo = long.MinValue;

    public FeatureBank(FeatureSpec spec, IFeatureStepSink sink)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(sink);
        _spec = spec;
        _sink = sink;
        _tags = spec.Tags.Count;
        _capacity = spec.Capacity;
        _times = new long[_tags * _capacity];
        _values = new double[_tags * _capacity];
        _head = new int[_tags];
        _count = new int[_tags];
        _lastTime = new long[_tags];
        Array.Fill(_lastTime, long.MinValue);
        _features = new double[spec.Columns.Count];
        _windowTimes = new double[_capacity];
        _windowValues = new double[_capacity];
        _sorted = new double[_capacity];
        _grid = new double[spec.Options.GridPoints];
        _driverGrid = new double[spec.Options.GridPoints];
        _bands = new double[spec.Options.SpectralBands];
        _fft = new Complex[spec.Options.GridPoints];
        _columnStart = new int[_tags];
        _columnEnd = new int[_tags];
        _contributes = new bool[_tags];
        Array.Fill(_columnStart, -1);
        for (var c = 0; c < spec.Columns.Count; c++)
        {
            var tag = spec.Columns[c].Tag;
            if (_columnStart[tag] < 0)
            {
                _columnStart[tag] = c;
            }
            _columnEnd[tag] = c + 1;
            _contributes[tag] = true;
        }
        _needsDriverGrid = false;
        foreach (var column in spec.Columns)
        {
            _needsDriverGrid |= column.Kind == FeatureKind.DriverCorrelation;
        }
        if (_needsDriverGrid)
        {
            // Correlations need the driver's window even when the driver has no columns of its own.
            _contributes[spec.DriverIndex] = true;
        }

    }

    public FeatureSpec Spec => _spec;

    public long AcceptedReadings { get; private set; }

    public long NonFiniteReadings { get; private set; }

    /// <summary>Readings at or before the time already advanced to (their windows are closed).</summary>
    public long LateReadings { get; private set; }

    /// <summary>Readings older than, or with the same timestamp as, the tag's previous reading.</summary>
    public long OutOfOrderReadings { get; private set; }

    /// <summary>Samples overwritten because a tag reported faster than the buffer was sized for.</summary>
    public long OverwrittenSamples { get; private set; }

    public long ValidSteps { get; private set; }

    public long InvalidSteps { get; private set; }

    /// <summary>Adds one reading of tag <paramref name="tag"/> (index in <see cref="FeatureSpec.Tags"/>).</summary>
    /// <returns>True if the sample was buffered.</returns>
    public bool Add(int tag, long timestampMs, double value)
    {
        if ((uint)tag >= (uint)_tags)
        {
            throw new ArgumentOutOfRangeException(nameof(tag), tag, $"The asset has {_tags} tags.");
        }
        if (!double.IsFinite(value))
        {
            NonFiniteReadings++;
            return false;
        }
        if (timestampMs <= _advancedTo)
        {
            LateReadings++;
            return false;
        }
        if (timestampMs <= _lastTime[tag])
        {
            OutOfOrderReadings++;
            return false;
        }
        _lastTime[tag] = timestampMs;
        var baseIndex = tag * _capacity;
        int slot;
        if (_count[tag] == _capacity)
        {
            slot = _head[tag];
            _head[tag] = slot + 1 == _capacity ? 0 : slot + 1;
            OverwrittenSamples++;
        }
        else
        {
            slot = _head[tag] + _count[tag];
            if (slot >= _capacity)
            {
                slot -= _capacity;
            }
            _count[tag]++;
        }
        _times[baseIndex + slot] = timestampMs;
        _values[baseIndex + slot] = value;
        if (_nextStepEnd == long.MinValue)
        {
            _nextStepEnd = CeilingToStep(timestampMs);
        }
        AcceptedReadings++;
        return true;
    }

    /// <summary>One value per tag at one time (a CSV row); NaN marks a missing cell. Then advances to that time.</summary>
    public void AddRow(long timestampMs, ReadOnlySpan<double> values)
    {
        if (values.Length != _tags)
        {
            throw new ArgumentException($"A row has {values.Length} values, the asset has {_tags} tags.", nameof(values));
        }
        for (var t = 0; t < _tags; t++)
        {
            Add(t, timestampMs, values[t]);
        }
        AdvanceTo(timestampMs);
    }

    /// <summary>
    /// Declares that every reading up to <paramref name="timestampMs"/> has been added; closes (and reports) each step
    /// whose window ends at or before it. Later readings at or before this time are dropped as late.
    /// </summary>
    public void AdvanceTo(long timestampMs)
    {
        if (timestampMs <= _advancedTo)
        {
            return;
        }
        _advancedTo = timestampMs;
        if (_nextStepEnd == long.MinValue)
        {
            return;
        }
        while (_nextStepEnd <= timestampMs)
        {
            // Samples at or before the window start are already evicted, so the window is empty exactly when the
            // oldest buffered sample is after its end: jump to the first step that sees data instead of reporting
            // every empty step of a gap.
            var oldest = OldestBuffered();
            if (oldest > _nextStepEnd)
            {
                if (oldest == long.MaxValue)
                {
                    _nextStepEnd = CeilingToStep(timestampMs + 1);
                    break;
                }
                _nextStepEnd = CeilingToStep(oldest);
                continue;
            }
            CloseStep(_nextStepEnd);
            _nextStepEnd += _spec.StepMs;
            Evict(_nextStepEnd);
        }
    }

    private long OldestBuffered()
    {
        var oldest = long.MaxValue;
        for (var t = 0; t < _tags; t++)
        {
            if (_count[t] > 0)
            {
                oldest = Math.Min(oldest, _times[(t * _capacity) + _head[t]]);
            }
        }
        return oldest;
    }

    private long CeilingToStep(long timestampMs)
    {
        var step = _spec.StepMs;
        var q = timestampMs / step;
        if (q * step < timestampMs)
        {
            q++;
        }
        return q * step;
    }

    /// <summary>Drops samples that no window ending at or after <paramref name="nextEnd"/> can contain.</summary>
    private void Evict(long nextEnd)
    {
        var oldestNeeded = nextEnd - _spec.WindowMs;
        for (var t = 0; t < _tags; t++)
        {
            var baseIndex = t * _capacity;
            while (_count[t] > 0 && _times[baseIndex + _head[t]] <= oldestNeeded)
            {
                _head[t] = _head[t] + 1 == _capacity ? 0 : _head[t] + 1;
                _count[t]--;
            }
        }
    }

    private void CloseStep(long end)
    {
        var start = end - _spec.WindowMs;
        var valid = true;
        for (var t = 0; t < _tags && valid; t++)
        {
            if (_contributes[t] && CountInWindow(t, start, end) < _spec.MinSamplesPerWindow)
            {
                valid = false;
            }
        }
        if (!valid)
        {
            InvalidSteps++;
            Array.Fill(_features, double.NaN);
            _sink.OnStep(end, false, _features);
            return;
        }
        var windowSeconds = _spec.WindowMs / 1000.0;
        if (_needsDriverGrid)
        {
            var n = CopyWindow(_spec.DriverIndex, start, end);
            WindowStatistics.Resample(_windowTimes.AsSpan(0, n), _windowValues.AsSpan(0, n), 0, windowSeconds, _driverGrid);
        }
        for (var t = 0; t < _tags; t++)
        {
            if (_columnStart[t] >= 0)
            {
                ComputeTag(t, start, end, windowSeconds);
            }
        }
        ValidSteps++;
        _sink.OnStep(end, true, _features);
    }

    private int CountInWindow(int tag, long start, long end)
    {
        var baseIndex = tag * _capacity;
        var n = 0;
        for (var i = 0; i < _count[tag]; i++)
        {
            var slot = _head[tag] + i;
            if (slot >= _capacity)
            {
                slot -= _capacity;
            }
            var ts = _times[baseIndex + slot];
            if (ts > end)
            {
                break;
            }
            if (ts > start)
            {
                n++;
            }
        }
        return n;
    }

    /// <summary>Copies the tag's samples in (start, end] into the window scratch, times in seconds from start.</summary>
    private int CopyWindow(int tag, long start, long end)
    {
        var baseIndex = tag * _capacity;
        var n = 0;
        for (var i = 0; i < _count[tag]; i++)
        {
            var slot = _head[tag] + i;
            if (slot >= _capacity)
            {
                slot -= _capacity;
            }
            var ts = _times[baseIndex + slot];
            if (ts > end)
            {
                break;
            }
            if (ts > start)
            {
                _windowTimes[n] = (ts - start) / 1000.0;
                _windowValues[n] = _values[baseIndex + slot];
                n++;
            }
        }
        return n;
    }

    private void ComputeTag(int tag, long start, long end, double windowSeconds)
    {
        var n = CopyWindow(tag, start, end);
        var times = _windowTimes.AsSpan(0, n);
        var values = _windowValues.AsSpan(0, n);
        var mean = WindowStatistics.Mean(values);
        var sortedReady = false;
        var gridReady = false;
        var columns = _spec.Columns;
        for (var c = _columnStart[tag]; c < _columnEnd[tag]; c++)
        {
            var column = columns[c];
            double value;
            switch (column.Kind)
            {
                case FeatureKind.Mean:
                    value = mean;
                    break;
                case FeatureKind.Std:
                    value = WindowStatistics.StandardDeviation(values, mean);
                    break;
                case FeatureKind.Slope:
                    value = WindowStatistics.Slope(times, values);
                    break;
                case FeatureKind.Min or FeatureKind.Max or FeatureKind.P10 or FeatureKind.P50 or FeatureKind.P90 or FeatureKind.Iqr:
                    if (!sortedReady)
                    {
                        values.CopyTo(_sorted);
                        _sorted.AsSpan(0, n).Sort();
                        sortedReady = true;
                    }
                    var sorted = _sorted.AsSpan(0, n);
                    value = column.Kind switch
                    {
                        FeatureKind.Min => sorted[0],
                        FeatureKind.Max => sorted[n - 1],
                        FeatureKind.P10 => WindowStatistics.PercentileOfSorted(sorted, 0.10),
                        FeatureKind.P50 => WindowStatistics.PercentileOfSorted(sorted, 0.50),
                        FeatureKind.P90 => WindowStatistics.PercentileOfSorted(sorted, 0.90),
                        _ => WindowStatistics.PercentileOfSorted(sorted, 0.75) - WindowStatistics.PercentileOfSorted(sorted, 0.25),
                    };
                    break;
                case FeatureKind.Band:
                    if (!gridReady)
                    {
                        WindowStatistics.Resample(times, values, 0, windowSeconds, _grid);
                        gridReady = true;
                    }
                    if (column.Band == 0)
                    {
                        WindowStatistics.BandEnergies(_grid, _fft, _bands);
                    }
                    value = _bands[column.Band];
                    break;
                case FeatureKind.ArResidual:
                    value = WindowStatistics.ArResidualRms(values, mean, _spec.ArCoefficients(tag));
                    break;
                case FeatureKind.DriverCorrelation:
                    if (!gridReady)
                    {
                        WindowStatistics.Resample(times, values, 0, windowSeconds, _grid);
                        gridReady = true;
                    }
                    value = WindowStatistics.Correlation(_grid, _driverGrid);
                    break;
                default:
                    value = double.NaN;
                    break;
            }
            _features[c] = value;
        }
    }
}
