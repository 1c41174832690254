using EdgeAnomaly.Models.Serialization;

namespace EdgeAnomaly.Models.Drift;

public enum ChangeDirection : byte
{
    None = 0,
    Increase = 1,
    Decrease = 2,
}

/// <summary>
/// Page-Hinkley test for a change in mean. With x̄ the reference mean (the running mean since the last reset, or a
/// fixed training mean), m_t = alpha m_(t-1) + (x_t - x̄ - delta) and an increase is declared when m_t - min m &gt; lambda;
/// two-sided also tracks m'_t = alpha m'_(t-1) + (x_t - x̄ + delta) and declares a decrease when max m' - m'_t &gt; lambda.
/// After a detection the statistics restart. Defaults suit a normalised score (standard deviation about 1): delta = 0.5
/// (half the 1-sigma shift to be caught) and lambda = 25 find a 1-sigma shift in about 50 samples, while the chance that
/// stationary noise crosses lambda is about exp(-2 delta lambda) = exp(-25) per excursion. No allocation; not thread-safe.
/// </summary>
public sealed class PageHinkley
{
    public const double DefaultDelta = 0.5;
    public const double DefaultLambda = 25;
    public const double DefaultAlpha = 1.0;
    public const int DefaultMinInstances = 30;
    private const string Section = "PHNK";

    private long _n;
    private double _mean;
    private double _up;
    private double _upMin;
    private double _down;
    private double _downMax;

    public PageHinkley(double delta = DefaultDelta, double lambda = DefaultLambda, double alpha = DefaultAlpha, bool twoSided = true,
        int minInstances = DefaultMinInstances, double? referenceMean = null)
    {
        if (!(delta >= 0) || !double.IsFinite(delta))
        {
            throw new ArgumentOutOfRangeException(nameof(delta), delta, "PageHinkley delta must be finite and >= 0.");
        }
        if (!(lambda > 0) || !double.IsFinite(lambda))
        {
            throw new ArgumentOutOfRangeException(nameof(lambda), lambda, "PageHinkley lambda must be finite and > 0.");
        }
        if (!(alpha > 0 && alpha <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(alpha), alpha, "PageHinkley alpha (forgetting factor) must be in (0, 1].");
        }
        ArgumentOutOfRangeException.ThrowIfLessThan(minInstances, 1);
        if (referenceMean is { } m && !double.IsFinite(m))
        {
            throw new ArgumentOutOfRangeException(nameof(referenceMean), m, "Reference mean must be finite.");
        }
        Delta = delta;
        Lambda = lambda;
        Alpha = alpha;
        TwoSided = twoSided;
        MinInstances = minInstances;
        ReferenceMean = referenceMean;
        Reset();
    }

    public double Delta { get; }

    public double Lambda { get; }

    public double Alpha { get; }

    public bool TwoSided { get; }

    public int MinInstances { get; }

    /// <summary>Fixed training mean to compare against; null = the running mean since the last reset.</summary>
    public double? ReferenceMean { get; }

    /// <summary>Direction of the last detection.</summary>
    public ChangeDirection LastChange { get; private set; }

    public long Detections { get; private set; }

    /// <summary>Values since the last reset.</summary>
    public long Count => _n;

    /// <summary>The larger of the two test statistics (compare with <see cref="Lambda"/>).</summary>
    public double Statistic => Math.Max(_up - _upMin, TwoSided ? _downMax - _down : 0);

    public bool Add(double x)
    {
        if (!double.IsFinite(x))
        {
            throw new ArgumentOutOfRangeException(nameof(x), x, "PageHinkley takes finite values.");
        }
        _n++;
        _mean = ReferenceMean ?? _mean + (x - _mean) / _n;
        _up = Alpha * _up + (x - _mean - Delta);
        _upMin = Math.Min(_upMin, _up);
        _down = Alpha * _down + (x - _mean + Delta);
        _downMax = Math.Max(_downMax, _down);
        if (_n < MinInstances)
        {
            return false;
        }
        var change = _up - _upMin > Lambda ? ChangeDirection.Increase
            : TwoSided && _downMax - _down > Lambda ? ChangeDirection.Decrease
            : ChangeDirection.None;
        if (change == ChangeDirection.None)
        {
            return false;
        }
        LastChange = change;
        Detections++;
        Reset();
        return true;
    }

    /// <summary>Restarts the statistics (the reference mean, if fixed, stays).</summary>
    public void Reset()
    {
        _n = 0;
        _mean = ReferenceMean ?? 0;
        _up = _upMin = _down = _downMax = 0;
    }

    public void Write(BinaryWriter w)
    {
        ModelBinary.WriteTag(w, Section);
        w.Write(Delta);
        w.Write(Lambda);
        w.Write(Alpha);
        w.Write(TwoSided);
        w.Write(MinInstances);
        w.Write(ReferenceMean.HasValue);
        w.Write(ReferenceMean ?? 0);
        w.Write(_n);
        w.Write(_mean);
        w.Write(_up);
        w.Write(_upMin);
        w.Write(_down);
        w.Write(_downMax);
        w.Write(Detections);
        w.Write((byte)LastChange);
    }

    public static PageHinkley Read(BinaryReader r) => ModelBinary.ReadSection(Section, () =>
    {
        ModelBinary.ExpectTag(r, Section);
        var delta = ModelBinary.ReadFinite(r, Section, "delta", 0, double.MaxValue);
        var lambda = ModelBinary.ReadFinite(r, Section, "lambda", double.Epsilon, double.MaxValue);
        var alpha = ModelBinary.ReadFinite(r, Section, "alpha", double.Epsilon, 1);
        var twoSided = ReadBool(r, "two-sided");
        var minInstances = ModelBinary.ReadInt(r, Section, "min instances", 1, int.MaxValue);
        var hasReference = ReadBool(r, "has reference");
        var reference = ModelBinary.ReadFinite(r, Section, "reference mean");
        var ph = new PageHinkley(delta, lambda, alpha, twoSided, minInstances, hasReference ? reference : null)
        {
            _n = ModelBinary.ReadLong(r, Section, "count", 0, long.MaxValue),
            _mean = ModelBinary.ReadFinite(r, Section, "mean"),
            _up = ModelBinary.ReadFinite(r, Section, "up"),
            _upMin = ModelBinary.ReadFinite(r, Section, "up min"),
            _down = ModelBinary.ReadFinite(r, Section, "down"),
            _downMax = ModelBinary.ReadFinite(r, Section, "down max"),
            Detections = ModelBinary.ReadLong(r, Section, "detections", 0, long.MaxValue),
        };
        var last = r.ReadByte();
        if (last > 2)
        {
            throw new InvalidDataException($"Model section '{Section}': change direction {last} is unknown.");
        }
        ph.LastChange = (ChangeDirection)last;
        return ph;
    });

    private static bool ReadBool(BinaryReader r, string field) => r.ReadByte() switch
    {
        0 => false,
        1 => true,
        var b => throw new InvalidDataException($"Model section '{Section}': {field} flag {b} is not 0 or 1."),
    };
}
