using EdgeAnomaly.Scoring.Features;

namespace EdgeAnomaly.Scoring.Pipeline;

/// <summary>
/// Buffered readings of one asset for training, per tag in time order. The daemon fills it during the warm-up
/// window (<see cref="Add"/> per reading); a CSV fills it row by row (<see cref="AddRow"/>). Non-finite values and
/// readings not newer than the tag's previous one are skipped and counted, as in live scoring.
/// </summary>
public sealed class TrainingHistory
{
    private readonly TagSeries[] _series;
    private readonly long[]? _lastMs;

    /// <param name="tags">The model's tags, in its order.</param>
    /// <param name="keepReadings">
    /// False: count what would be kept (readings, span, skips: the same rules) without keeping it, for a caller that
    /// can read the same readings back from durable history when it trains; <see cref="Series"/> stays empty.
    /// </param>
    public TrainingHistory(IReadOnlyList<string> tags, bool keepReadings = true)
    {
        ArgumentNullException.ThrowIfNull(tags);
        Tags = [.. tags];
        KeepsReadings = keepReadings;
        _series = new TagSeries[keepReadings ? Tags.Count : 0];
        for (var i = 0; i < _series.Length; i++)
        {
            _series[i] = new TagSeries();
        }
        if (!keepReadings)
        {
            _lastMs = new long[Tags.Count];
            Array.Fill(_lastMs, long.MinValue);
        }
    }

    public IReadOnlyList<string> Tags { get; }

    /// <summary>False for a counting-only history (see the constructor).</summary>
    public bool KeepsReadings { get; }

    public IReadOnlyList<TagSeries> Series => _series;

    public long Readings { get; private set; }

    public long Skipped { get; private set; }

    public long Rows { get; private set; }

    public long StartMs { get; private set; } = long.MaxValue;

    public long EndMs { get; private set; } = long.MinValue;

    public bool Add(int tag, long timestampMs, double value)
    {
        if (_lastMs is { } last)
        {
            // The rule of TagSeries.TryAdd, without the storage.
            if (!double.IsFinite(value) || timestampMs <= last[tag])
            {
                Skipped++;
                return false;
            }
            last[tag] = timestampMs;
        }
        else if (!_series[tag].TryAdd(timestampMs, value))
        {
            Skipped++;
            return false;
        }
        Readings++;
        StartMs = Math.Min(StartMs, timestampMs);
        EndMs = Math.Max(EndMs, timestampMs);
        return true;
    }

    public void AddRow(long timestampMs, ReadOnlySpan<double> values)
    {
        if (values.Length != _series.Length)
        {
            throw new ArgumentException($"A row has {values.Length} values, the asset has {_series.Length} tags.", nameof(values));
        }
        for (var t = 0; t < values.Length; t++)
        {
            Add(t, timestampMs, values[t]);
        }
        Rows++;
    }

    /// <summary>
    /// Feeds every buffered reading to <paramref name="bank"/> in time order (ties by tag), advancing after each
    /// distinct timestamp: exactly what live ingest of the same readings would do.
    /// </summary>
    public void Replay(FeatureBank bank)
    {
        if (!KeepsReadings)
        {
            throw new InvalidOperationException("A counting-only history holds no readings to replay.");
        }
        var next = new int[_series.Length];
        while (true)
        {
            var ts = long.MaxValue;
            for (var t = 0; t < _series.Length; t++)
            {
                if (next[t] < _series[t].Count)
                {
                    ts = Math.Min(ts, _series[t].TimesMs[next[t]]);
                }
            }
            if (ts == long.MaxValue)
            {
                break;
            }
            for (var t = 0; t < _series.Length; t++)
            {
                if (next[t] < _series[t].Count && _series[t].TimesMs[next[t]] == ts)
                {
                    bank.Add(t, ts, _series[t].Values[next[t]]);
                    next[t]++;
                }
            }
            bank.AdvanceTo(ts);
        }
    }
}
