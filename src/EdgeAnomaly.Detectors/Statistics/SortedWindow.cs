using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace EdgeAnomaly.Detectors.Statistics;

/// <summary>
/// The last N values in arrival order (a ring) and the same values kept sorted, so median, quantiles and
/// the exact MAD are read without sorting. Adding to a full window replaces the oldest value: both positions
/// from one counting pass, then the sorted values are rebuilt around them (see <see cref="Add"/>). Finite
/// values only. No allocation after construction (introspection aside). The vector passes run 256 bits wide where
/// that is accelerated (x64 with AVX2), 128 bits wide otherwise (the Raspberry Pi's NEON, SSE-only x64), scalar last.
/// </summary>
internal sealed class SortedWindow
{
    /// <summary>Vector width of the counting and moving passes; every width computes the same values.</summary>
    internal enum Width
    {
        Scalar,
        V128,
        V256,

        /// <summary>The counting passes 512 bits wide (x64 with AVX-512), the moving passes as <see cref="V256"/>.</summary>
        V512,
    }

    /// <summary>1 / Φ⁻¹(3/4): scales a MAD to the standard deviation of Gaussian data.</summary>
    public const double MadToSigma = 1.482602218505602;

    /// <summary>sqrt(π/2): scales a mean absolute deviation to the standard deviation of Gaussian data.</summary>
    public const double MeanAbsToSigma = 1.2533141373155003;

    /// <summary>Up to this capacity a full window is rebuilt by one branch-free pass into a second buffer.</summary>
    public const int BlendMaxCapacity = 64;

    // The sorted values start at Base, so a vector load one element before any value stays inside the array;
    // behind them the array is padded with +∞ to whole vectors plus one, so counting and rebuilding run over
    // whole vectors only (+∞ is never below a finite value, and padding lanes rebuild to +∞).
    private const int Base = 4;
    private const int Lanes = 4;

    private readonly double[] _ring;
    private readonly int _vectors;
    private readonly bool _blend;
    private readonly Width _width;
    private double[] _sorted;
    private double[] _spare;
    private int _count;
    private int _next;
    private double _lastAdded;
    private double _lastRemoved;
    private bool _lastAddRemoved;
    private double[]? _scratch;

    public SortedWindow(int capacity)
        : this(capacity, Widest)
    {
    }

    /// <summary>With a given width (tests run every path on any machine; an unaccelerated width is emulated).</summary>
    internal SortedWindow(int capacity, Width width)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        _width = width;
        _ring = new double[capacity];
        _vectors = (capacity + Lanes - 1) / Lanes;
        _blend = capacity <= BlendMaxCapacity;
        _sorted = NewSortedBuffer(_vectors);
        _spare = _blend ? NewSortedBuffer(_vectors) : _sorted;
    }

    /// <summary>The widest accelerated width on this machine.</summary>
    internal static Width Widest =>
        Vector512.IsHardwareAccelerated ? Width.V512
        : Vector256.IsHardwareAccelerated ? Width.V256 : Vector128.IsHardwareAccelerated ? Width.V128 : Width.Scalar;

    public int Count => _count;

    /// <summary>Incremented by every <see cref="Add"/>: lets a lazily resolved evaluation tell which window it saw.</summary>
    public int Version { get; private set; }

    public int Capacity => _ring.Length;

    public bool IsFull => _count == _ring.Length;

    /// <summary>Sorted view of the current contents.</summary>
    public ReadOnlySpan<double> Sorted => _sorted.AsSpan(Base, _count);

    private static double[] NewSortedBuffer(int vectors)
    {
        var a = new double[Base + (vectors * Lanes) + Lanes];
        a.AsSpan(Base).Fill(double.PositiveInfinity);
        return a;
    }

    public void Add(double x)
    {
        var n = _count;
        if (n < _ring.Length)
        {
            // Filling (warm-up only): insertion by a plain shifting loop.
            var a = _sorted;
            var p = Base + n;
            while (p > Base && a[p - 1] > x)
            {
                a[p] = a[p - 1];
                p--;
            }
            a[p] = x;
            _count = n + 1;
            _lastAddRemoved = false;
        }
        else
        {
            // Positions by counting instead of binary search: the counts are independent vector compares over a
            // window that fits in a few cache lines, where a binary search is a chain of dependent loads and
            // mispredicted branches. r values are below old, so sorted[r] == old (every ring value is in the
            // sorted array); q values are below x.
            var old = _ring[_next];
            _lastRemoved = old;
            _lastAddRemoved = true;
            ref var a = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(_sorted), Base);
            int r, q;
            switch (_width)
            {
                case Width.V512: CountBelow512(ref a, _vectors, old, x, out r, out q); break;
                case Width.V256: CountBelow256(ref a, _vectors, old, x, out r, out q); break;
                case Width.V128: CountBelow128(ref a, _vectors, old, x, out r, out q); break;
                default: CountBelowScalar(ref a, _vectors, old, x, out r, out q); break;
            }
            if (_blend)
            {
                // Small windows: rebuild every position branch-free into the spare buffer, then swap. Removing
                // sorted[r] and inserting x before the p values below it (old not counted) is, per position i:
                // i < p ? (i < r ? a[i] : a[i+1]) : i == p ? x : (i <= r ? a[i-1] : a[i]).
                var p = q - (old < x ? 1 : 0);
                ref var b = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(_spare), Base);
                switch (_width)
                {
                    case Width.V512 or Width.V256: Rebuild256(ref a, ref b, _vectors, r, p, x); break;
                    case Width.V128: Rebuild128(ref a, ref b, _vectors, r, p, x); break;
                    default: RebuildScalar(ref a, ref b, _vectors, r, p, x); break;
                }
                (_sorted, _spare) = (_spare, _sorted);
            }
            else if (x >= old)
            {
                // Values in (r, q) are smaller than x: they move one step left and x lands just before q.
                q = Math.Max(q, r + 1);
                switch (_width)
                {
                    case Width.V512 or Width.V256: ShiftLeft256(ref a, r + 1, q); break;
                    case Width.V128: ShiftLeft128(ref a, r + 1, q); break;
                    default: ShiftLeftScalar(ref a, r + 1, q); break;
                }
                Unsafe.Add(ref a, q - 1) = x;
            }
            else
            {
                // Values in [q, r) are not below x: they move one step right and x lands at q.
                switch (_width)
                {
                    case Width.V512 or Width.V256: ShiftRight256(ref a, q, r); break;
                    case Width.V128: ShiftRight128(ref a, q, r); break;
                    default: ShiftRightScalar(ref a, q, r); break;
                }
                Unsafe.Add(ref a, q) = x;
            }
        }
        _lastAdded = x;
        Version++;
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
        var a = _sorted;
        var m = Base + (n >> 1);
        return (n & 1) == 1 ? a[m] : 0.5 * (a[m - 1] + a[m]);
    }

    /// <summary>Quantile with linear interpolation between order statistics (Hyndman–Fan type 7).</summary>
    public double Quantile(double p)
    {
        var n = _count;
        if (n == 0)
        {
            return double.NaN;
        }
        var a = _sorted;
        var h = (n - 1) * p;
        var i = (int)h;
        if (i >= n - 1)
        {
            return a[Base + n - 1];
        }
        var frac = h - i;
        return a[Base + i] + (frac * (a[Base + i + 1] - a[Base + i]));
    }

    /// <summary>
    /// Exact median of |x − median|: the distances below and above the median form two already-sorted
    /// sequences, and their k-th smallest element is found from one counting pass (for an even count the two
    /// middle distances come out of the same pass).
    /// </summary>
    public double Mad(double median) => Mad(_sorted, Base, _count, median, _width);

    private static double Mad(double[] sorted, int offset, int n, double median, Width width)
    {
        if (n == 0)
        {
            return double.NaN;
        }
        var k = n >> 1;
        var kth = KthDistance(ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(sorted), offset), n, k, median, width, out var previous);
        return (n & 1) == 1 ? kth : 0.5 * (previous + kth);
    }

    /// <summary>Mean of |x − centre|: the fallback spread when more than half the window is one value (MAD = 0).</summary>
    public double MeanAbsDeviation(double centre) => MeanAbsDeviation(_sorted, Base, _count, centre);

    private static double MeanAbsDeviation(double[] sorted, int offset, int n, double centre)
    {
        if (n == 0)
        {
            return double.NaN;
        }
        var sum = 0.0;
        for (var i = 0; i < n; i++)
        {
            sum += Math.Abs(sorted[offset + i] - centre);
        }
        return sum / n;
    }

    /// <summary>
    /// Gaussian-equivalent robust sigma: 1.4826 × MAD, or, when the MAD is 0 (more than half the window is one value),
    /// <see cref="DegenerateSigma"/>.
    /// </summary>
    public double RobustSigma(double median) => RobustSigma(_sorted, Base, _count, median, _width);

    private static double RobustSigma(double[] sorted, int offset, int n, double median, Width width)
    {
        var mad = Mad(sorted, offset, n, median, width);
        return mad > 0 ? MadToSigma * mad : DegenerateSigma(sorted, offset, n, median);
    }

    /// <summary>
    /// The spread of a window whose middle is one value (MAD or IQR 0), where a robust scale does not exist: the largest
    /// of 1.2533 × mean |x − centre|, the sample standard deviation of the window and the quantisation noise Δ/√12 (Δ the
    /// smallest gap between two distinct values). A sensor that sits on one level and now and then reads the next one
    /// (a flow meter reading 32, sometimes 33; a Modbus integer register) would otherwise get a spread of a fraction of
    /// one step, and every step would alarm; the standard deviation counts how often the other levels occur, the
    /// quantisation noise keeps one step from being an anomaly however rare it is. O(n): only on this path.
    /// </summary>
    public double DegenerateSigma(double centre) => DegenerateSigma(_sorted, Base, _count, centre);

    private static double DegenerateSigma(double[] sorted, int offset, int n, double centre)
    {
        var spread = MeanAbsToSigma * MeanAbsDeviation(sorted, offset, n, centre);
        var std = SampleStandardDeviation(sorted, offset, n);
        if (std > spread)
        {
            spread = std;
        }
        var quantisation = QuantisationNoise * Resolution(sorted, offset, n);
        return quantisation > spread ? quantisation : spread;
    }

    private static double SampleStandardDeviation(double[] sorted, int offset, int n)
    {
        if (n < 2)
        {
            return 0;
        }
        var sum = 0.0;
        for (var i = offset; i < offset + n; i++)
        {
            sum += sorted[i];
        }
        var mean = sum / n;
        var squares = 0.0;
        for (var i = offset; i < offset + n; i++)
        {
            var d = sorted[i] - mean;
            squares += d * d;
        }
        return Math.Sqrt(squares / (n - 1));
    }

    /// <summary>1/√12: the standard deviation of rounding to a step of 1.</summary>
    public const double QuantisationNoise = 0.28867513459481287;

    /// <summary>The smallest gap between two distinct values of the window, 0 when it holds fewer than two.</summary>
    public double Resolution() => Resolution(_sorted, Base, _count);

    private static double Resolution(double[] sorted, int offset, int n)
    {
        var best = double.PositiveInfinity;
        for (var i = offset + 1; i < offset + n; i++)
        {
            var gap = sorted[i] - sorted[i - 1];
            if (gap > 0 && gap < best)
            {
                best = gap;
            }
        }
        return double.IsPositiveInfinity(best) ? 0 : best;
    }

    /// <summary>
    /// <see cref="RobustSigma"/> of the window as it was before the latest <see cref="Add"/> (for an evaluation
    /// resolved after its reading was admitted). Rebuilds that window in a scratch array: introspection only.
    /// </summary>
    public double RobustSigmaBeforeLastAdd(double median)
    {
        if (Version == 0)
        {
            throw new InvalidOperationException("nothing was added yet");
        }
        var scratch = _scratch ??= new double[_ring.Length];
        var n = _count;
        Array.Copy(_sorted, Base, scratch, 0, n);
        // Undo: take one copy of the value added out, put the value it replaced back in (both keep the order).
        var at = Array.IndexOf(scratch, _lastAdded, 0, n);
        Array.Copy(scratch, at + 1, scratch, at, n - at - 1);
        n--;
        if (_lastAddRemoved)
        {
            var p = n;
            while (p > 0 && scratch[p - 1] > _lastRemoved)
            {
                scratch[p] = scratch[p - 1];
                p--;
            }
            scratch[p] = _lastRemoved;
            n++;
        }
        return RobustSigma(scratch, 0, n, median, _width);
    }

    /// <summary>
    /// A lower bound of the MAD in O(1), for screening: for i below the middle, min(median − sorted[i],
    /// sorted[i + s] − median) with s = n/2 (even n) or n/2 + 1 (odd n). Why it holds: a distance below that
    /// minimum belongs to a value strictly between sorted[i] and sorted[i + s], and there are only s − 1 of those,
    /// fewer than the rank of the MAD among the distances (for even n, of the lower of the two it averages). The
    /// same holds for the distances as computed in doubles, since rounding keeps their order. A few i around
    /// <paramref name="hint"/> are tried and the hint moves to the best, following the window's balance point.
    /// 0 when no bound is found (then nothing can be screened).
    /// </summary>
    public double MadLowerBound(double median, ref int hint)
    {
        var n = _count;
        var m = n >> 1;
        if (m < 1)
        {
            return 0;
        }
        var span = (n & 1) == 1 ? m + 1 : m;
        var a = _sorted.AsSpan(Base, n);
        var best = 0.0;
        var at = Math.Clamp(hint, 0, m - 1);
        var from = Math.Max(0, at - 1);
        var to = Math.Min(m - 1, at + 1);
        for (var i = from; i <= to; i++)
        {
            var t = Math.Min(median - a[i], a[i + span] - median);
            if (t > best)
            {
                best = t;
                at = i;
            }
        }
        hint = at;
        return best;
    }

    // k-th smallest (0-based) of L(i) = median − sorted[m−1−i] (i < m) and R(j) = sorted[m+j] − median (j < n−m),
    // with m = n/2; both sequences are non-decreasing. The first k+1 elements of their merge take i from L and
    // k+1−i from R, where i is the smallest count with L(i) ≥ R(k−i) (a monotone predicate, so a lower-bound
    // search). previous is the (k−1)-th smallest, the runner-up among those k+1 (−∞ when k = 0).
    private static double KthDistance(ref double a, int n, int k, double median, Width width, out double previous)
    {
        var m = n >> 1;
        var lenL = m;
        var lenR = n - m;
        var lo = Math.Max(0, k + 1 - lenR);
        var hi = Math.Min(k + 1, lenL);
        // The predicate is false below the answer and true from it on, so the answer is lo plus the number of
        // counts in [lo, hi) where it is false. Written with u = m − 1 − i, L(i) < R(k − i) reads
        // median − a[u] < a[u + k + 1] − median over consecutive u: vector compares, no dependent loads.
        var i = lo + CountCloserBelow(ref a, m - hi, hi - lo, k + 1, median, width);
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
    private static int CountCloserBelow(ref double a, int from, int len, int gap, double median, Width width)
    {
        var u = from;
        var end = from + len;
        var count = 0L;
        if (width == Width.V512 && len >= Vector512<double>.Count)
        {
            var vm = Vector512.Create(median);
            var acc = Vector512<long>.Zero;
            for (; u <= end - Vector512<double>.Count; u += Vector512<double>.Count)
            {
                var below = vm - Vector512.LoadUnsafe(ref a, (nuint)u);
                var above = Vector512.LoadUnsafe(ref a, (nuint)(u + gap)) - vm;
                acc += Vector512.LessThan(below, above).AsInt64();
            }
            count = -Vector512.Sum(acc);
        }
        if ((width is Width.V512 or Width.V256) && end - u >= Vector256<double>.Count)
        {
            var vm = Vector256.Create(median);
            var acc = Vector256<long>.Zero;
            for (; u <= end - Vector256<double>.Count; u += Vector256<double>.Count)
            {
                var below = vm - Vector256.LoadUnsafe(ref a, (nuint)u);
                var above = Vector256.LoadUnsafe(ref a, (nuint)(u + gap)) - vm;
                acc += Vector256.LessThan(below, above).AsInt64();
            }
            count -= Vector256.Sum(acc);
        }
        else if (width == Width.V128 && len >= Vector128<double>.Count)
        {
            var vm = Vector128.Create(median);
            var acc = Vector128<long>.Zero;
            for (; u <= end - Vector128<double>.Count; u += Vector128<double>.Count)
            {
                var below = vm - Vector128.LoadUnsafe(ref a, (nuint)u);
                var above = Vector128.LoadUnsafe(ref a, (nuint)(u + gap)) - vm;
                acc += Vector128.LessThan(below, above).AsInt64();
            }
            count = -Vector128.Sum(acc);
        }
        for (; u < end; u++)
        {
            count += Bit((median - Unsafe.Add(ref a, u)) < (Unsafe.Add(ref a, u + gap) - median));
        }
        return (int)count;
    }

    // How many values are below u and below v, in one pass of compares over whole vectors (a lane is all ones where
    // true; the +∞ padding is never below a finite value). The scalar loop covers the same padded span.
    private static void CountBelowScalar(ref double a, int vectors, double u, double v, out int belowU, out int belowV)
    {
        var cu = 0;
        var cv = 0;
        for (var i = 0; i < vectors * Lanes; i++)
        {
            var e = Unsafe.Add(ref a, i);
            cu += Bit(e < u);
            cv += Bit(e < v);
        }
        belowU = cu;
        belowV = cv;
    }

    private static void CountBelow512(ref double a, int vectors, double u, double v, out int belowU, out int belowV)
    {
        // Eight values per compare. With an odd number of 4-value groups the last load covers the 4 +∞ of padding
        // behind them (the buffer always has them), which are never below a finite value.
        var vu = Vector512.Create(u);
        var vv = Vector512.Create(v);
        var accU = Vector512<long>.Zero;
        var accV = Vector512<long>.Zero;
        for (var i = 0; i < vectors * Lanes; i += 2 * Lanes)
        {
            var chunk = Vector512.LoadUnsafe(ref a, (nuint)i);
            accU += Vector512.LessThan(chunk, vu).AsInt64();
            accV += Vector512.LessThan(chunk, vv).AsInt64();
        }
        belowU = (int)-Vector512.Sum(accU);
        belowV = (int)-Vector512.Sum(accV);
    }

    private static void CountBelow256(ref double a, int vectors, double u, double v, out int belowU, out int belowV)
    {
        var vu = Vector256.Create(u);
        var vv = Vector256.Create(v);
        var accU = Vector256<long>.Zero;
        var accV = Vector256<long>.Zero;
        for (var i = 0; i < vectors * Lanes; i += Lanes)
        {
            var chunk = Vector256.LoadUnsafe(ref a, (nuint)i);
            accU += Vector256.LessThan(chunk, vu).AsInt64();
            accV += Vector256.LessThan(chunk, vv).AsInt64();
        }
        belowU = (int)-Vector256.Sum(accU);
        belowV = (int)-Vector256.Sum(accV);
    }

    // Two 2-lane halves per step (the padded span is whole 4-value groups): two independent chains per count.
    private static void CountBelow128(ref double a, int vectors, double u, double v, out int belowU, out int belowV)
    {
        var vu = Vector128.Create(u);
        var vv = Vector128.Create(v);
        var accU0 = Vector128<long>.Zero;
        var accU1 = Vector128<long>.Zero;
        var accV0 = Vector128<long>.Zero;
        var accV1 = Vector128<long>.Zero;
        for (var i = 0; i < vectors * Lanes; i += Lanes)
        {
            var lo = Vector128.LoadUnsafe(ref a, (nuint)i);
            var hi = Vector128.LoadUnsafe(ref a, (nuint)(i + 2));
            accU0 += Vector128.LessThan(lo, vu).AsInt64();
            accU1 += Vector128.LessThan(hi, vu).AsInt64();
            accV0 += Vector128.LessThan(lo, vv).AsInt64();
            accV1 += Vector128.LessThan(hi, vv).AsInt64();
        }
        belowU = (int)-Vector128.Sum(accU0 + accU1);
        belowV = (int)-Vector128.Sum(accV0 + accV1);
    }

    // b[i] for every lane of every vector: a without a[r], x inserted at p (see Add). Reads a[-1] and a[vectors*4]
    // (the guard and the padding), which are never selected.
    private static void RebuildScalar(ref double a, ref double b, int vectors, int r, int p, double x)
    {
        for (var i = 0; i < vectors * Lanes; i++)
        {
            Unsafe.Add(ref b, i) = i < p
                ? (i < r ? Unsafe.Add(ref a, i) : Unsafe.Add(ref a, i + 1))
                : i == p ? x : (i <= r ? Unsafe.Add(ref a, i - 1) : Unsafe.Add(ref a, i));
        }
    }

    private static void Rebuild256(ref double a, ref double b, int vectors, int r, int p, double x)
    {
        var vr = Vector256.Create((long)r);
        var vp = Vector256.Create((long)p);
        var vx = Vector256.Create(x);
        var index = Vector256.Create(0L, 1, 2, 3);
        var step = Vector256.Create((long)Lanes);
        ref var before = ref Unsafe.Subtract(ref a, 1);
        ref var after = ref Unsafe.Add(ref a, 1);
        for (var i = 0; i < vectors * Lanes; i += Lanes)
        {
            var at = (nuint)i;
            var here = Vector256.LoadUnsafe(ref a, at);
            var below = Vector256.ConditionalSelect(Vector256.LessThan(index, vr).AsDouble(), here, Vector256.LoadUnsafe(ref after, at));
            var above = Vector256.ConditionalSelect(Vector256.LessThanOrEqual(index, vr).AsDouble(), Vector256.LoadUnsafe(ref before, at), here);
            var result = Vector256.ConditionalSelect(Vector256.LessThan(index, vp).AsDouble(), below,
                Vector256.ConditionalSelect(Vector256.Equals(index, vp).AsDouble(), vx, above));
            result.StoreUnsafe(ref b, at);
            index += step;
        }
    }

    private static void Rebuild128(ref double a, ref double b, int vectors, int r, int p, double x)
    {
        var vr = Vector128.Create((long)r);
        var vp = Vector128.Create((long)p);
        var vx = Vector128.Create(x);
        var index = Vector128.Create(0L, 1);
        var step = Vector128.Create(2L);
        ref var before = ref Unsafe.Subtract(ref a, 1);
        ref var after = ref Unsafe.Add(ref a, 1);
        for (var i = 0; i < vectors * Lanes; i += 2)
        {
            var at = (nuint)i;
            var here = Vector128.LoadUnsafe(ref a, at);
            var below = Vector128.ConditionalSelect(Vector128.LessThan(index, vr).AsDouble(), here, Vector128.LoadUnsafe(ref after, at));
            var above = Vector128.ConditionalSelect(Vector128.LessThanOrEqual(index, vr).AsDouble(), Vector128.LoadUnsafe(ref before, at), here);
            var result = Vector128.ConditionalSelect(Vector128.LessThan(index, vp).AsDouble(), below,
                Vector128.ConditionalSelect(Vector128.Equals(index, vp).AsDouble(), vx, above));
            result.StoreUnsafe(ref b, at);
            index += step;
        }
    }

    // a[from..to) moves to a[from−1..to−1). Ascending whole vectors, each loaded before it is overwritten; the last
    // one keeps the lanes at or after `to` as they were (a masked store instead of a scalar tail).
    private static void ShiftLeftScalar(ref double a, int from, int to)
    {
        for (var k = from; k < to; k++)
        {
            Unsafe.Add(ref a, k - 1) = Unsafe.Add(ref a, k);
        }
    }

    private static void ShiftLeft256(ref double a, int from, int to)
    {
        var end = Vector256.Create((long)to);
        var lane = Vector256.Create(0L, 1, 2, 3);
        for (var i = from; i < to; i += Lanes)
        {
            var source = Vector256.LoadUnsafe(ref a, (nuint)i);
            var target = Vector256.LoadUnsafe(ref a, (nuint)(i - 1));
            var moves = Vector256.LessThan(Vector256.Create((long)i) + lane, end).AsDouble();
            Vector256.ConditionalSelect(moves, source, target).StoreUnsafe(ref a, (nuint)(i - 1));
        }
    }

    private static void ShiftLeft128(ref double a, int from, int to)
    {
        var end = Vector128.Create((long)to);
        var lane = Vector128.Create(0L, 1);
        for (var i = from; i < to; i += 2)
        {
            var source = Vector128.LoadUnsafe(ref a, (nuint)i);
            var target = Vector128.LoadUnsafe(ref a, (nuint)(i - 1));
            var moves = Vector128.LessThan(Vector128.Create((long)i) + lane, end).AsDouble();
            Vector128.ConditionalSelect(moves, source, target).StoreUnsafe(ref a, (nuint)(i - 1));
        }
    }

    // a[from..to) moves to a[from+1..to+1). Descending whole vectors; the last one keeps the lanes before `from`
    // (which may reach into the guard before the values) as they were.
    private static void ShiftRightScalar(ref double a, int from, int to)
    {
        for (var k = to - 1; k >= from; k--)
        {
            Unsafe.Add(ref a, k + 1) = Unsafe.Add(ref a, k);
        }
    }

    private static void ShiftRight256(ref double a, int from, int to)
    {
        var begin = Vector256.Create((long)from);
        var lane = Vector256.Create(0L, 1, 2, 3);
        ref var guard = ref Unsafe.Subtract(ref a, Base);
        for (var i = to; i > from; i -= Lanes)
        {
            var start = i - Lanes; // >= from - Lanes >= -Base
            var at = (nuint)(start + Base);
            var source = Vector256.LoadUnsafe(ref guard, at);
            var target = Vector256.LoadUnsafe(ref guard, at + 1);
            var moves = Vector256.GreaterThanOrEqual(Vector256.Create((long)start) + lane, begin).AsDouble();
            Vector256.ConditionalSelect(moves, source, target).StoreUnsafe(ref guard, at + 1);
        }
    }

    private static void ShiftRight128(ref double a, int from, int to)
    {
        var begin = Vector128.Create((long)from);
        var lane = Vector128.Create(0L, 1);
        ref var guard = ref Unsafe.Subtract(ref a, Base);
        for (var i = to; i > from; i -= 2)
        {
            var start = i - 2; // >= from - 2 >= -Base
            var at = (nuint)(start + Base);
            var source = Vector128.LoadUnsafe(ref guard, at);
            var target = Vector128.LoadUnsafe(ref guard, at + 1);
            var moves = Vector128.GreaterThanOrEqual(Vector128.Create((long)start) + lane, begin).AsDouble();
            Vector128.ConditionalSelect(moves, source, target).StoreUnsafe(ref guard, at + 1);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int Bit(bool b) => Unsafe.BitCast<bool, byte>(b);
}
