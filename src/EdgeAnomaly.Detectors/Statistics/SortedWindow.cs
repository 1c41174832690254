using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace EdgeAnomaly.Detectors.Statistics;

/// <summary>
/// The last N values in arrival order (a ring) and the same values kept sorted, so median, quantiles and
/// the exact MAD are read without sorting. Adding to a full window replaces the oldest value: both positions
/// from one counting pass, then one shift of the elements between them. No allocation after construction.
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
        var a = _sorted;
        var n = _count;
        if (n < _ring.Length)
        {
            // Filling (warm-up only): insertion by a plain shifting loop.
            var p = n;
            while (p > 0 && a[p - 1] > x)
            {
                a[p] = a[p - 1];
                p--;
            }
            a[p] = x;
            _count = n + 1;
        }
        else
        {
            // Positions by counting instead of binary search: the counts are independent vector compares over a
            // window that fits in a few cache lines, where a binary search is a chain of dependent loads and
            // mispredicted branches. sorted[r] == old, since every ring value is in the sorted array.
            var old = _ring[_next];
            ref var a0 = ref MemoryMarshal.GetArrayDataReference(a);
            if (x >= old)
            {
                // Values in (r, q) are smaller than x: they move one step left and x lands just before q.
                CountBelow(ref a0, n, old, x, out var r, out var q);
                q = Math.Max(q, r + 1);
                ShiftLeft(ref a0, r + 1, q);
                a[q - 1] = x;
            }
            else
            {
                // Values in [p, r) are larger than x: they move one step right and x lands at p.
                // p counts values ≤ x; for finite x that is the count below the next double up.
                CountBelow(ref a0, n, old, Math.BitIncrement(x), out var r, out var p);
                ShiftRight(ref a0, p, r);
                a[p] = x;
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
    /// Exact median of |x − median|: the distances below and above the median form two already-sorted
    /// sequences, and their k-th smallest element is found from one counting pass (for an even count the two
    /// middle distances come out of the same pass).
    /// </summary>
    public double Mad(double median)
    {
        var n = _count;
        if (n == 0)
        {
            return double.NaN;
        }
        var k = n >> 1;
        var kth = KthDistance(k, median, out var previous);
        return (n & 1) == 1 ? kth : 0.5 * (previous + kth);
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
    // with m = n/2; both sequences are non-decreasing. The first k+1 elements of their merge take i from L and
    // k+1−i from R, where i is the smallest count with L(i) ≥ R(k−i) (a monotone predicate, so a lower-bound
    // search). previous is the (k−1)-th smallest, the runner-up among those k+1 (−∞ when k = 0).
    private double KthDistance(int k, double median, out double previous)
    {
        ref var a = ref MemoryMarshal.GetArrayDataReference(_sorted);
        var n = _count;
        var m = n >> 1;
        var lenL = m;
        var lenR = n - m;
        var lo = Math.Max(0, k + 1 - lenR);
        var hi = Math.Min(k + 1, lenL);
        // The predicate is false below the answer and true from it on, so the answer is lo plus the number of
        // counts in [lo, hi) where it is false. Written with u = m − 1 − i, L(i) < R(k − i) reads
        // median − a[u] < a[u + k + 1] − median over consecutive u: vector compares, no dependent loads.
        var i = lo + CountCloserBelow(ref a, m - hi, hi - lo, k + 1, median);
        var j = k + 1 - i;
        var lLast = i > 0 ? median - Unsafe.Add(ref a, m - i) : double.NegativeInfinity;
        var rLast = j > 0 ? Unsafe.Add(ref a, m + j - 1) - median : double.NegativeInfinity;
        if (lLast >= rLast)
        {
            previous = Math.Max(i > 1 ? median - Unsafe.Add(ref a, m - i + 1) : double.NegativeInfinity, rLast);
            return lLast;
        }
        previous = Math.Max(lLast, j > 1 ? Unsafe.Add(ref a, m + j - 2) - median : double.NegativeInfinity);
        return rLast;
    }

    // Over u in [from, from + len): how often median − a[u] < a[u + gap] − median.
    private static int CountCloserBelow(ref double a, int from, int len, int gap, double median)
    {
        var u = from;
        var end = from + len;
        var count = 0L;
        if (Vector256.IsHardwareAccelerated && len >= Vector256<double>.Count)
        {
            var vm = Vector256.Create(median);
            var acc = Vector256<long>.Zero;
            for (; u <= end - Vector256<double>.Count; u += Vector256<double>.Count)
            {
                var below = vm - Vector256.LoadUnsafe(ref a, (nuint)u);
                var above = Vector256.LoadUnsafe(ref a, (nuint)(u + gap)) - vm;
                acc += Vector256.LessThan(below, above).AsInt64();
            }
            count = -Vector256.Sum(acc);
        }
        for (; u < end; u++)
        {
            count += Bit((median - Unsafe.Add(ref a, u)) < (Unsafe.Add(ref a, u + gap) - median));
        }
        return (int)count;
    }

    // How many values are below u and below v, in one pass of vector compares (a lane is all ones where true).
    private static void CountBelow(ref double a, int n, double u, double v, out int belowU, out int belowV)
    {
        var i = 0;
        var cu = 0L;
        var cv = 0L;
        if (Vector256.IsHardwareAccelerated && n >= Vector256<double>.Count)
        {
            var vu = Vector256.Create(u);
            var vv = Vector256.Create(v);
            var accU = Vector256<long>.Zero;
            var accV = Vector256<long>.Zero;
            for (; i <= n - Vector256<double>.Count; i += Vector256<double>.Count)
            {
                var chunk = Vector256.LoadUnsafe(ref a, (nuint)i);
                accU += Vector256.LessThan(chunk, vu).AsInt64();
                accV += Vector256.LessThan(chunk, vv).AsInt64();
            }
            cu = -Vector256.Sum(accU);
            cv = -Vector256.Sum(accV);
        }
        for (; i < n; i++)
        {
            var e = Unsafe.Add(ref a, i);
            cu += Bit(e < u);
            cv += Bit(e < v);
        }
        belowU = (int)cu;
        belowV = (int)cv;
    }

    // a[from..to) moves to a[from−1..to−1). Ascending, so every chunk is loaded before it is overwritten.
    private static void ShiftLeft(ref double a, int from, int to)
    {
        var i = from;
        if (Vector256.IsHardwareAccelerated)
        {
            for (; i <= to - Vector256<double>.Count; i += Vector256<double>.Count)
            {
                Vector256.LoadUnsafe(ref a, (nuint)i).StoreUnsafe(ref a, (nuint)(i - 1));
            }
        }
        for (; i < to; i++)
        {
            Unsafe.Add(ref a, i - 1) = Unsafe.Add(ref a, i);
        }
    }

    // a[from..to) moves to a[from+1..to+1). Descending, so every chunk is loaded before it is overwritten.
    private static void ShiftRight(ref double a, int from, int to)
    {
        var i = to;
        if (Vector256.IsHardwareAccelerated)
        {
            for (; i >= from + Vector256<double>.Count; i -= Vector256<double>.Count)
            {
                var start = i - Vector256<double>.Count;
                Vector256.LoadUnsafe(ref a, (nuint)start).StoreUnsafe(ref a, (nuint)(start + 1));
            }
        }
        for (; i > from; i--)
        {
            Unsafe.Add(ref a, i) = Unsafe.Add(ref a, i - 1);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int Bit(bool b) => Unsafe.BitCast<bool, byte>(b);
}
