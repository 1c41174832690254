namespace EdgeAnomaly.Detectors.Statistics;

/// <summary>
/// Mean and sample standard deviation of the last N values from running sums. The sums are taken about a
/// shift (a recent mean) so large offsets do not cancel catastrophically, and they are recomputed exactly
/// from the ring every N additions so rounding cannot drift. No allocation after construction.
/// </summary>
internal sealed class RollingMoments
{
    private readonly double[] _ring;
    private int _count;
    private int _next;
    private int _sinceRecompute;
    private double _shift;
    private double _sum;
    private double _sumSq;

    public RollingMoments(int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 2);
        _ring = new double[capacity];
    }

    public int Count => _count;

    public double Mean => _count == 0 ? double.NaN : _shift + (_sum / _count);

    /// <summary>Sample standard deviation (n − 1); NaN below two values.</summary>
    public double StdDev
    {
        get
        {
            if (_count < 2)
            {
                return double.NaN;
            }
            var v = (_sumSq - (_sum * _sum / _count)) / (_count - 1);
            return v > 0 ? Math.Sqrt(v) : 0;
        }
    }

    public void Add(double x)
    {
        if (_count == 0)
        {
            _shift = x;
        }
        if (_count == _ring.Length)
        {
            var d = _ring[_next] - _shift;
            _sum -= d;
            _sumSq -= d * d;
        }
        else
        {
            _count++;
        }
        _ring[_next] = x;
        _next = _next + 1 == _ring.Length ? 0 : _next + 1;
        var e = x - _shift;
        _sum += e;
        _sumSq += e * e;
        if (++_sinceRecompute >= _ring.Length)
        {
            Recompute();
        }
    }

    private void Recompute()
    {
        _sinceRecompute = 0;
        var n = _count;
        var total = 0.0;
        for (var i = 0; i < n; i++)
        {
            total += _ring[i];
        }
        _shift = total / n;
        var s = 0.0;
        var s2 = 0.0;
        for (var i = 0; i < n; i++)
        {
            var d = _ring[i] - _shift;
            s += d;
            s2 += d * d;
        }
        _sum = s;
        _sumSq = s2;
    }
}
