namespace EdgeAnomaly.Models.Regimes;

/// <summary>
/// Online regime with a minimum dwell: the first sample's nearest regime is adopted at once; after that a different
/// nearest regime is adopted only once it has been the nearest, without interruption, for at least MinDwell of sample
/// time (timestamps in ms; a timestamp going backwards counts as no time passing). Keeps, per adopted regime, the
/// number of samples and the time spent (for shares and PSI). No allocation per sample; not thread-safe.
/// </summary>
public sealed class RegimeTracker
{
    private readonly RegimeModel? _model;
    private readonly long[] _samples;
    private readonly long[] _dwellMs;
    private int _candidate = -1;
    private long _candidateSince;
    private long _lastTimestamp;

    public RegimeTracker(RegimeModel model) : this(model.Count, model.MinDwell) => _model = model;

    public RegimeTracker(int regimeCount, TimeSpan minDwell)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(regimeCount, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(minDwell, TimeSpan.Zero);
        _samples = new long[regimeCount];
        _dwellMs = new long[regimeCount];
        MinDwellMs = (long)minDwell.TotalMilliseconds;
    }

    public int RegimeCount => _samples.Length;

    public long MinDwellMs { get; }

    /// <summary>The adopted regime; -1 before the first sample.</summary>
    public int Current { get; private set; } = -1;

    /// <summary>Regime changes adopted so far (the first adoption does not count).</summary>
    public long Switches { get; private set; }

    public long TotalSamples { get; private set; }

    /// <summary>Samples observed while each regime was adopted.</summary>
    public ReadOnlySpan<long> SamplesPerRegime => _samples;

    /// <summary>Sample time spent in each adopted regime (ms between consecutive samples, credited to the regime held).</summary>
    public ReadOnlySpan<long> DwellMsPerRegime => _dwellMs;

    /// <summary>Assigns x with the model and applies the dwell rule; returns the adopted regime.</summary>
    public int Update(ReadOnlySpan<double> x, long timestampMs)
    {
        if (_model is null)
        {
            throw new InvalidOperationException("This tracker was built without a model; call Observe with the nearest regime.");
        }
        return Observe(_model.Assign(x), timestampMs);
    }

    /// <summary>Applies the dwell rule to an already computed nearest regime; returns the adopted regime.</summary>
    public int Observe(int nearest, long timestampMs)
    {
        if ((uint)nearest >= (uint)_samples.Length)
        {
            throw new ArgumentOutOfRangeException(nameof(nearest), nearest, $"Regime must be in [0, {_samples.Length}).");
        }
        if (Current < 0)
        {
            Current = nearest;
            _lastTimestamp = timestampMs;
        }
        else
        {
            if (timestampMs > _lastTimestamp)
            {
                _dwellMs[Current] += timestampMs - _lastTimestamp;
                _lastTimestamp = timestampMs;
            }
            if (nearest == Current)
            {
                _candidate = -1;
            }
            else
            {
                if (nearest != _candidate)
                {
                    _candidate = nearest;
                    _candidateSince = timestampMs;
                }
                if (timestampMs - _candidateSince >= MinDwellMs)
                {
                    Current = nearest;
                    _candidate = -1;
                    Switches++;
                }
            }
        }
        _samples[Current]++;
        TotalSamples++;
        return Current;
    }

    /// <summary>Share of the samples observed in each adopted regime (all 0 before any sample). No allocation.</summary>
    public void CopyShares(Span<double> shares)
    {
        if (shares.Length != _samples.Length)
        {
            throw new ArgumentException($"Shares span has {shares.Length} slots, expected {_samples.Length}.", nameof(shares));
        }
        for (var k = 0; k < _samples.Length; k++)
        {
            shares[k] = TotalSamples == 0 ? 0 : (double)_samples[k] / TotalSamples;
        }
    }

    /// <summary>Clears the statistics (e.g. after a drift report window); keeps the adopted regime.</summary>
    public void ResetStatistics()
    {
        Array.Clear(_samples);
        Array.Clear(_dwellMs);
        TotalSamples = 0;
        Switches = 0;
    }
}
