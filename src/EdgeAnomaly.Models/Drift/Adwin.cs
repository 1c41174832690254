using EdgeAnomaly.Models.Serialization;

namespace EdgeAnomaly.Models.Drift;

/// <summary>
/// ADWIN (Bifet and Gavaldà 2007), exact over a bounded window rather than the bucket-compressed ADWIN2: the last
/// <see cref="MaxWidth"/> values are kept in a ring and, after every value, EVERY split of the window into an older
/// part (n0 values) and a newer part (n1 values, both at least <see cref="MinSubWindow"/>) is tested. A change is
/// declared when |mean0 - mean1| &gt; sqrt(2/m · var · ln(2/δ')) + 2/(3m) · ln(2/δ') with m = 1/(1/n0 + 1/n1),
/// var the window's variance and δ' = δ / n (the Bernstein-type bound of the ADWIN paper). On a change the older part
/// at the split that exceeds its bound the most is dropped (so one change gives one detection, not one per value while
/// the window shrinks), and the test repeats until no split differs. Values older than MaxWidth are forgotten even
/// without a change.
/// Cost O(MaxWidth) per value, no allocation; not thread-safe.
/// </summary>
public sealed class Adwin
{
    public const double DefaultDelta = 0.002;
    public const int DefaultMaxWidth = 1000;
    public const int DefaultMinSubWindow = 5;
    private const string Section = "ADWN";

    // Each value is stored twice, at i and i + MaxWidth, so the window is always one contiguous span.
    private readonly double[] _ring;
    private readonly int _capacity;
    private int _start;

    public Adwin(double delta = DefaultDelta, int maxWidth = DefaultMaxWidth, int minSubWindow = DefaultMinSubWindow)
    {
        if (!(delta > 0 && delta < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(delta), delta, "Adwin delta must be in (0, 1).");
        }
        if (minSubWindow < 1 || maxWidth < 2 * minSubWindow)
        {
            throw new ArgumentException($"Adwin needs minSubWindow >= 1 and maxWidth >= 2 x minSubWindow (were {minSubWindow}, {maxWidth}).");
        }
        Delta = delta;
        MinSubWindow = minSubWindow;
        _capacity = maxWidth;
        _ring = new double[2 * maxWidth];
    }

    public double Delta { get; }

    public int MaxWidth => _capacity;

    public int MinSubWindow { get; }

    /// <summary>Values in the current window.</summary>
    public int Width { get; private set; }

    /// <summary>Mean of the current window (0 when empty).</summary>
    public double Mean { get; private set; }

    /// <summary>Changes detected since construction.</summary>
    public long Detections { get; private set; }

    private ReadOnlySpan<double> Window => _ring.AsSpan(_start, Width);

    /// <summary>Adds a value; true if a change was detected (the window then holds only the values after it).</summary>
    public bool Add(double x)
    {
        if (!double.IsFinite(x))
        {
            throw new ArgumentOutOfRangeException(nameof(x), x, "Adwin takes finite values.");
        }
        if (Width == _capacity)
        {
            _start = (_start + 1) % _capacity;
            Width--;
        }
        var slot = (_start + Width) % _capacity;
        _ring[slot] = x;
        _ring[slot + _capacity] = x;
        Width++;
        var detected = false;
        for (var drop = WorstCut(); drop > 0; drop = WorstCut())
        {
            detected = true;
            _start = (_start + drop) % _capacity;
            Width -= drop;
        }
        if (detected)
        {
            Detections++;
        }
        Mean = WindowMean();
        return detected;
    }

    private double WindowMean()
    {
        var sum = 0.0;
        foreach (var v in Window)
        {
            sum += v;
        }
        return Width == 0 ? 0 : sum / Width;
    }

    /// <summary>Size of the older part at the split exceeding its bound the most; 0 if no split does.</summary>
    private int WorstCut()
    {
        var n = Width;
        if (n < 2 * MinSubWindow)
        {
            return 0;
        }
        var window = Window;
        double sum = 0, sumSquares = 0;
        foreach (var v in window)
        {
            sum += v;
            sumSquares += v * v;
        }
        var mean = sum / n;
        var variance = Math.Max(0, sumSquares / n - mean * mean);
        var logTerm = Math.Log(2.0 * n / Delta);
        // Older part = first n0 values; accumulate the newer part from the newest end.
        var newerSum = 0.0;
        var worst = 0;
        var worstExcess = 0.0;
        for (var n1 = 1; n1 <= n - MinSubWindow; n1++)
        {
            newerSum += window[n - n1];
            if (n1 < MinSubWindow)
            {
                continue;
            }
            var n0 = n - n1;
            var m = 1.0 / (1.0 / n0 + 1.0 / n1);
            var mean1 = newerSum / n1;
            var mean0 = (sum - newerSum) / n0;
            // |d| > sqrt(2/m var L) + 2/(3m) L, tested without the square root first (it rarely holds).
            var beyondLinear = Math.Abs(mean0 - mean1) - 2.0 / (3.0 * m) * logTerm;
            var quadratic = 2.0 / m * variance * logTerm;
            if (beyondLinear <= 0 || beyondLinear * beyondLinear <= quadratic)
            {
                continue;
            }
            var excess = beyondLinear - Math.Sqrt(quadratic);
            if (excess > worstExcess)
            {
                worstExcess = excess;
                worst = n0;
            }
        }
        return worst;
    }

    public void Write(BinaryWriter w)
    {
        ModelBinary.WriteTag(w, Section);
        w.Write(Delta);
        w.Write(MaxWidth);
        w.Write(MinSubWindow);
        w.Write(Detections);
        w.Write(Width);
        foreach (var v in Window)
        {
            w.Write(v);
        }
    }

    public static Adwin Read(BinaryReader r) => ModelBinary.ReadSection(Section, () =>
    {
        ModelBinary.ExpectTag(r, Section);
        var delta = ModelBinary.ReadFinite(r, Section, "delta", double.Epsilon, 0.999999);
        var maxWidth = ModelBinary.ReadInt(r, Section, "max width", 2, 1 << 24);
        var minSub = ModelBinary.ReadInt(r, Section, "min sub-window", 1, maxWidth / 2);
        var detections = ModelBinary.ReadLong(r, Section, "detections", 0, long.MaxValue);
        var width = ModelBinary.ReadInt(r, Section, "width", 0, maxWidth);
        var adwin = new Adwin(delta, maxWidth, minSub) { Detections = detections, Width = width };
        for (var i = 0; i < width; i++)
        {
            adwin._ring[i] = adwin._ring[i + maxWidth] = ModelBinary.ReadFinite(r, Section, "window value");
        }
        adwin.Mean = adwin.WindowMean();
        return adwin;
    });
}
