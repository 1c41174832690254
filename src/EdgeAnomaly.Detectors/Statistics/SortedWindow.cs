namespace EdgeAnomaly.Detectors.Statistics;

/// <summary>
/// The last N values in arrival order (a ring) and the same values kept sorted, so median, quantiles and
/// the exact MAD are read without sorting. Adding to a full window replaces the oldest value with a single
/// binary search and one shift of the elements between the old and new positions. No allocation after
/// construction.
/// </summary>
internal sealed class SortedWindow
{
    /// <summary>1 / Φ⁻¹(3/4): scales a MAD to the standard deviation of Gaussian data.</summary>
    public const double MadToSigma = 1.482602218505602;

    /// <summary>sqrt(π/2): scales a mean absolute deviation to the standard deviation of Gaussian data.</summary>
    public const double MeanAbsToSigma = 1.2533141373155003;

    private readonly double[] _ring;
    private readonly double[] _sorted;
    private int _count;
    private int _next;

    public SortedWindow(int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        _ring = new double[capacity];
        _sorted = new double[capacity];
    }

    public int Count => _count;

    public int Capacity => _ring.Length;

    public bool IsFull => _count == _ring.Length;

    /// <summary>Sorted view of the current contents.</summary>
    public ReadOnlySpan<double> Sorted => _sorted.AsSpan(0, _count);

    public void Add(double x)
    {
        var sorted = _sorted;
        if (_count < _ring.Length)
        {
            var p = UpperBound(0, _count, x);
            sorted.AsSpan(p, _count - p).CopyTo(sorted.AsSpan(p + 1));
            sorted[p] = x;
            _count++;
        }
        else
        {
            var old = _ring[_next];
            var r = LowerBound(0, _count, old); // sorted[r] == old: every ring value is in the sorted array
            if (x >= old)
            {
                // Values in (r, q) are smaller than x: they move one step left and x lands just before q.
                var q = LowerBound(r + 1, _count, x);
                sorted.AsSpan(r + 1, q - r - 1).CopyTo(sorted.AsSpan(r));
                sorted[q - 1] = x;
            }
            else
            {
                // Values in [p, r) are larger than x: they move one step right and x lands at p.
                var p = UpperBound(0, r, x);
                sorted.AsSpan(p, r - p).CopyTo(sorted.AsSpan(p + 1));
                sorted[p] = x;
            }
        }
        _ring[_next] = x;
        _next = _next + 1 == _ring.Length ? 0 : _next + 1;
    }

    public double Median()
    {
        var n = _count;
        if (n == 0)
        {
            return double.NaN;
        }
        var m = n >> 1;
        return (n & 1) == 1 ? _sorted[m] : 0.5 * (_sorted[m - 1] + _sorted[m]);
    }

    /// <summary>Quantile with linear interpolation between order statistics (Hyndman–Fan type 7).</summary>
    public double Quantile(double p)
    {
        var n = _count;
        if (n == 0)
        {
            return double.NaN;
        }
        var h = (n - 1) * p;
        var i = (int)h;
        if (i >= n - 1)
        {
            return _sorted[n - 1];
        }
        var frac = h - i;
        return _sorted[i] + (frac * (_sorted[i + 1] - _sorted[i]));
    }

    /// <summary>
    /// Exact median of |x − median| in O(log n): the distances below and above the median form two
    /// already-sorted sequences, and their k-th smallest element is found by binary search.
    /// </summary>
    public double Mad(double median)
    {
        var n = _count;
        if (n == 0)
        {
            return double.NaN;
        }
        if ((n & 1) == 1)
        {
            return KthDistance(n >> 1, median);
        }
        return 0.5 * (KthDistance((n >> 1) - 1, median) + KthDistance(n >> 1, median));
    }

    /// <summary>Mean of |x − centre|: the fallback spread when more than half the window is one value (MAD = 0).</summary>
    public double MeanAbsDeviation(double centre)
    {
        var n = _count;
        if (n == 0)
        {
            return double.NaN;
        }
        var sum = 0.0;
        for (var i = 0; i < n; i++)
        {
            sum += Math.Abs(_sorted[i] - centre);
        }
        return sum / n;
    }

    /// <summary>Gaussian-equivalent robust sigma: 1.4826 × MAD, or 1.2533 × mean |deviation| when the MAD is 0.</summary>
    public double RobustSigma(double median)
    {
        var mad = Mad(median);
        return mad > 0 ? MadToSigma * mad : MeanAbsToSigma * MeanAbsDeviation(median);
    }

    // k-th smallest (0-based) of L(i) = median − sorted[m−1−i] (i < m) and R(j) = sorted[m+j] − median (j < n−m),
    // with m = n/2; both sequences are non-decreasing.
    private double KthDistance(int k, double median)
    {
        var a = _sorted;
        var n = _count;
        var m = n >> 1;
        var lenL = m;
        var lenR = n - m;
        var lo = Math.Max(0, k + 1 - lenR);
        var hi = Math.Min(k + 1, lenL);
        while (lo <= hi)
        {
            var i = (lo + hi) >> 1; // taken from L
            var j = k + 1 - i;      // taken from R
            var lPrev = i > 0 ? median - a[m - i] : double.NegativeInfinity;
            var lNext = i < lenL ? median - a[m - 1 - i] : double.PositiveInfinity;
            var rPrev = j > 0 ? a[m + j - 1] - median : double.NegativeInfinity;
            var rNext = j < lenR ? a[m + j] - median : double.PositiveInfinity;
            if (lPrev > rNext)
            {
                hi = i - 1;
            }
            else if (rPrev > lNext)
            {
                lo = i + 1;
            }
            else
            {
                return Math.Max(lPrev, rPrev);
            }
        }
        return double.NaN; // unreachable for a consistent window
    }

    private int LowerBound(int lo, int hi, double x)
    {
        var a = _sorted;
        while (lo < hi)
        {
            var mid = (lo + hi) >>> 1;
            if (a[mid] < x)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid;
            }
        }
        return lo;
    }

    private int UpperBound(int lo, int hi, double x)
    {
        var a = _sorted;
        while (lo < hi)
        {
            var mid = (lo + hi) >>> 1;
            if (a[mid] <= x)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid;
            }
        }
        return lo;
    }
}
