using EdgeAnomaly.Models.Serialization;

namespace EdgeAnomaly.Models.Scaling;

/// <summary>
/// Per-column robust standardisation y = (x - median) / scale with scale = IQR / 1.349 (the standard deviation of
/// normal data). Where the IQR is 0 (half or more of the values equal, e.g. a mostly-off status flag; the median
/// absolute deviation is then 0 as well) the scale is the mean absolute deviation around the median x sqrt(pi/2), so
/// rare values still register; where that is 0 too the column is constant in training and always maps to 0.
/// Transform is allocation-free and read-only (thread-safe).
/// </summary>
public sealed class RobustScaler
{
    private const string Section = "RSCL";
    private readonly double[] _centres;
    private readonly double[] _scales;
    private readonly bool[] _constant;

    private RobustScaler(double[] centres, double[] scales)
    {
        _centres = centres;
        _scales = scales;
        _constant = new bool[scales.Length];
        for (var j = 0; j < scales.Length; j++)
        {
            _constant[j] = scales[j] == 0;
        }
    }

    public int Dimensions => _centres.Length;

    /// <summary>Per-column median.</summary>
    public ReadOnlySpan<double> Centres => _centres;

    /// <summary>Per-column scale; 0 for a constant column.</summary>
    public ReadOnlySpan<double> Scales => _scales;

    /// <summary>Columns with no spread in training (IQR and MAD both 0); they transform to 0.</summary>
    public bool[] ConstantColumns => (bool[])_constant.Clone();

    public static RobustScaler Fit(double[][] rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        var d = TrainingData.Validate(rows, nameof(rows));
        var column = new double[rows.Length];
        var centres = new double[d];
        var scales = new double[d];
        for (var j = 0; j < d; j++)
        {
            for (var i = 0; i < rows.Length; i++)
            {
                column[i] = rows[i][j];
            }
            Array.Sort(column);
            centres[j] = RobustStatistics.QuantileOfSorted(column, 0.5);
            var iqr = RobustStatistics.QuantileOfSorted(column, 0.75) - RobustStatistics.QuantileOfSorted(column, 0.25);
            scales[j] = iqr > 0
                ? iqr * RobustStatistics.IqrToSigma
                : MeanAbsoluteDeviation(column, centres[j]) * MeanAbsoluteDeviationToSigma;
        }
        return new RobustScaler(centres, scales);
    }

    /// <summary>sqrt(pi/2): the mean absolute deviation of normal data times this is its standard deviation.</summary>
    public const double MeanAbsoluteDeviationToSigma = 1.2533141373155003;

    private static double MeanAbsoluteDeviation(ReadOnlySpan<double> values, double centre)
    {
        var sum = 0.0;
        foreach (var v in values)
        {
            sum += Math.Abs(v - centre);
        }
        return sum / values.Length;
    }

    /// <summary>Writes the scaled sample into y (same length as x; may be the same memory).</summary>
    public void Transform(ReadOnlySpan<double> x, Span<double> y)
    {
        if (x.Length != Dimensions || y.Length != Dimensions)
        {
            throw new ArgumentException($"Scaler expects {Dimensions} features (x has {x.Length}, y has {y.Length}).");
        }
        for (var j = 0; j < x.Length; j++)
        {
            y[j] = _constant[j] ? 0 : (x[j] - _centres[j]) / _scales[j];
        }
    }

    public void Write(BinaryWriter w)
    {
        ModelBinary.WriteTag(w, Section);
        w.Write(Dimensions);
        ModelBinary.WriteDoubles(w, _centres);
        ModelBinary.WriteDoubles(w, _scales);
    }

    public static RobustScaler Read(BinaryReader r) => ModelBinary.ReadSection(Section, () =>
    {
        ModelBinary.ExpectTag(r, Section);
        var d = ModelBinary.ReadInt(r, Section, "dimensions", 1, 1 << 20);
        var centres = ModelBinary.ReadFiniteDoubles(r, Section, "centres", d);
        var scales = ModelBinary.ReadFiniteDoubles(r, Section, "scales", d);
        foreach (var s in scales)
        {
            if (s < 0)
            {
                throw new InvalidDataException($"Model section '{Section}': negative scale {s}.");
            }
        }
        return new RobustScaler(centres, scales);
    });
}
