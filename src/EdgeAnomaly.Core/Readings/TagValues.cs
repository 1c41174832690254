namespace EdgeAnomaly.Core.Readings;

/// <summary>
/// Latest, previous and a short history of values per tag, indexed by tag id. Updated once per
/// accepted reading before rules and detectors run; rules read current values from here and
/// event explanations read the recent history.
/// </summary>
public sealed class TagValues
{
    /// <summary>How many recent values each tag keeps for explanations.</summary>
    public const int HistoryLength = 8;

    private readonly double[] _last;
    private readonly long[] _lastTs;
    private readonly double[] _previous;
    private readonly long[] _previousTs;
    private readonly double[] _history;
    private readonly int[] _historyCount;
    private readonly int[] _historyNext;

    public TagValues(int tagCount)
    {
        _last = new double[tagCount];
        _lastTs = new long[tagCount];
        _previous = new double[tagCount];
        _previousTs = new long[tagCount];
        _history = new double[tagCount * HistoryLength];
        _historyCount = new int[tagCount];
        _historyNext = new int[tagCount];
        Array.Fill(_last, double.NaN);
        Array.Fill(_previous, double.NaN);
        Array.Fill(_lastTs, long.MinValue);
        Array.Fill(_previousTs, long.MinValue);
    }

    public int TagCount => _last.Length;

    public void Update(in Reading reading)
    {
        var id = reading.TagId;
        _previous[id] = _last[id];
        _previousTs[id] = _lastTs[id];
        _last[id] = reading.Value;
        _lastTs[id] = reading.TimestampMs;
        var slot = _historyNext[id];
        _history[(id * HistoryLength) + slot] = reading.Value;
        _historyNext[id] = slot + 1 == HistoryLength ? 0 : slot + 1;
        if (_historyCount[id] < HistoryLength)
        {
            _historyCount[id]++;
        }
    }

    /// <summary>Latest value, NaN when the tag has not reported yet.</summary>
    public double Last(int tagId) => _last[tagId];

    /// <summary>Timestamp (unix ms) of the latest value, <see cref="long.MinValue"/> when none.</summary>
    public long LastTimestampMs(int tagId) => _lastTs[tagId];

    public double Previous(int tagId) => _previous[tagId];

    public long PreviousTimestampMs(int tagId) => _previousTs[tagId];

    public bool HasValue(int tagId) => _lastTs[tagId] != long.MinValue;

    /// <summary>Copies up to <see cref="HistoryLength"/> recent values, oldest first; returns how many.</summary>
    public int CopyRecent(int tagId, Span<double> destination)
    {
        var count = Math.Min(_historyCount[tagId], destination.Length);
        var next = _historyNext[tagId];
        var total = _historyCount[tagId];
        var start = total < HistoryLength ? 0 : next;
        var skip = total - count;
        for (var i = 0; i < count; i++)
        {
            var slot = (start + skip + i) % HistoryLength;
            destination[i] = _history[(tagId * HistoryLength) + slot];
        }
        return count;
    }
}
