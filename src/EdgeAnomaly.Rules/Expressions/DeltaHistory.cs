namespace EdgeAnomaly.Rules.Expressions;

/// <summary>
/// Bounded past of one tag for one delta() window: at most <see cref="Capacity"/> samples, kept at least
/// window / <see cref="Resolution"/> apart, so the ring always spans a little more than the window however fast
/// the tag reports. The value "at or just before now - window" is therefore at most window/120 (plus one
/// reporting interval) older than the exact instant. Memory: 2 KiB per (tag, window) pair.
/// </summary>
internal sealed class DeltaHistory
{
    public const int Capacity = 128;
    public const int Resolution = 120;

    private readonly long[] _ts = new long[Capacity];
    private readonly double[] _values = new double[Capacity];
    private readonly long _spacingMs;
    private int _count;
    private int _next;

    public DeltaHistory(int tagId, long windowMs)
    {
        TagId = tagId;
        WindowMs = windowMs;
        _spacingMs = Math.Max(1, windowMs / Resolution);
    }

    public int TagId { get; }

    public long WindowMs { get; }

    public int Count => _count;

    public void Add(long timestampMs, double value)
    {
        if (_count > 0)
        {
            var newest = _ts[(_next + Capacity - 1) % Capacity];
            // Out-of-order samples are dropped; samples closer than the spacing add no resolution.
            if (timestampMs < newest + _spacingMs)
            {
                return;
            }
        }
        _ts[_next] = timestampMs;
        _values[_next] = value;
        _next = (_next + 1) % Capacity;
        if (_count < Capacity)
        {
            _count++;
        }
    }

    /// <summary>Value of the newest stored sample at or before <paramref name="targetMs"/>; NaN when history is too short.</summary>
    public double ValueAtOrBefore(long targetMs)
    {
        var oldest = (_next + Capacity - _count) % Capacity;
        var result = double.NaN;
        for (var i = 0; i < _count; i++)
        {
            var slot = (oldest + i) % Capacity;
            if (_ts[slot] > targetMs)
            {
                break;
            }
            result = _values[slot];
        }
        return result;
    }
}
