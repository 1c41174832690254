using EdgeAnomaly.Models.Serialization;

namespace EdgeAnomaly.Models.Calibration;

/// <summary>
/// Per-regime robust normalisation of a detector's raw score: (score - median) / MAD x sensitivity, with the MAD scaled
/// by 1.4826 (a standard deviation for normal data). A regime with fewer than the minimum training samples uses the
/// global median and MAD (flagged per regime). The MAD is floored at <see cref="MadFloorFraction"/> of the global MAD
/// (and at least <see cref="AbsoluteMadFloor"/>), so a regime whose training scores never varied cannot divide by zero.
/// Normalize is allocation-free and read-only.
/// </summary>
public sealed class RegimeCalibration
{
    public const double MadFloorFraction = 0.01;
    public const double AbsoluteMadFloor = 1e-9;
    private const string Section = "RCAL";

    private readonly CalibrationRow[] _rows;
    private readonly double[] _medians;
    private readonly double[] _mads;

    private RegimeCalibration(CalibrationRow[] rows, double globalMedian, double globalMad, int totalSamples, double[] sensitivity)
    {
        _rows = rows;
        _medians = new double[rows.Length];
        _mads = new double[rows.Length];
        for (var i = 0; i < rows.Length; i++)
        {
            _medians[i] = rows[i].Median;
            _mads[i] = rows[i].Mad;
        }
        GlobalMedian = globalMedian;
        GlobalMad = globalMad;
        TotalSamples = totalSamples;
        Sensitivity = sensitivity;
    }

    public int RegimeCount => _rows.Length;

    public double GlobalMedian { get; }

    /// <summary>Global scaled MAD (after the absolute floor).</summary>
    public double GlobalMad { get; }

    public int TotalSamples { get; }

    /// <summary>Multiplier per regime applied after normalisation (1 = as trained); entries may be changed.</summary>
    public double[] Sensitivity { get; }

    /// <summary>The calibration table, one row per regime (a copy, for export).</summary>
    public CalibrationRow[] Table => (CalibrationRow[])_rows.Clone();

    /// <param name="scores">Training scores of one detector.</param>
    /// <param name="regimes">The regime of each score, in [0, regimeCount).</param>
    /// <param name="regimeCount">Number of regimes.</param>
    /// <param name="minSamples">Below this many samples a regime uses the global median and MAD.</param>
    public static RegimeCalibration Fit(ReadOnlySpan<double> scores, ReadOnlySpan<int> regimes, int regimeCount, int minSamples = 10)
    {
        if (scores.Length != regimes.Length)
        {
            throw new ArgumentException($"{scores.Length} scores but {regimes.Length} regime labels.", nameof(regimes));
        }
        if (scores.Length == 0)
        {
            throw new ArgumentException("No training scores.", nameof(scores));
        }
        if (regimeCount < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(regimeCount), regimeCount, "At least one regime.");
        }
        if (minSamples < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(minSamples), minSamples, "minSamples must be at least 1.");
        }
        var perRegime = new List<double>[regimeCount];
        for (var k = 0; k < regimeCount; k++)
        {
            perRegime[k] = [];
        }
        for (var i = 0; i < scores.Length; i++)
        {
            if (!double.IsFinite(scores[i]))
            {
                throw new ArgumentException($"Training score {i} is not finite ({scores[i]}).", nameof(scores));
            }
            if ((uint)regimes[i] >= (uint)regimeCount)
            {
                throw new ArgumentException($"Regime label {regimes[i]} at {i} is outside [0, {regimeCount}).", nameof(regimes));
            }
            perRegime[regimes[i]].Add(scores[i]);
        }

        var globalMedian = RobustStatistics.Median(scores);
        var globalMad = Math.Max(RobustStatistics.MedianAbsoluteDeviation(scores, globalMedian) * RobustStatistics.MadToSigma, AbsoluteMadFloor);
        var floor = Math.Max(MadFloorFraction * globalMad, AbsoluteMadFloor);
        var rows = new CalibrationRow[regimeCount];
        for (var k = 0; k < regimeCount; k++)
        {
            var values = perRegime[k];
            if (values.Count < minSamples)
            {
                rows[k] = new CalibrationRow(k, values.Count, globalMedian, globalMad, UsedGlobal: true);
                continue;
            }
            var span = System.Runtime.InteropServices.CollectionsMarshal.AsSpan(values);
            var median = RobustStatistics.Median(span);
            var mad = RobustStatistics.MedianAbsoluteDeviation(span, median) * RobustStatistics.MadToSigma;
            rows[k] = new CalibrationRow(k, values.Count, median, Math.Max(mad, floor), UsedGlobal: false);
        }
        var sensitivity = new double[regimeCount];
        Array.Fill(sensitivity, 1.0);
        return new RegimeCalibration(rows, globalMedian, globalMad, scores.Length, sensitivity);
    }

    /// <summary>(score - median) / MAD x sensitivity for the regime.</summary>
    public double Normalize(double score, int regime) => (score - _medians[regime]) / _mads[regime] * Sensitivity[regime];

    public void Write(BinaryWriter w)
    {
        ModelBinary.WriteTag(w, Section);
        w.Write(RegimeCount);
        w.Write(TotalSamples);
        w.Write(GlobalMedian);
        w.Write(GlobalMad);
        foreach (var row in _rows)
        {
            w.Write(row.Samples);
            w.Write(row.Median);
            w.Write(row.Mad);
            w.Write(row.UsedGlobal);
        }
        ModelBinary.WriteDoubles(w, Sensitivity);
    }

    public static RegimeCalibration Read(BinaryReader r) => ModelBinary.ReadSection(Section, () =>
    {
        ModelBinary.ExpectTag(r, Section);
        var count = ModelBinary.ReadInt(r, Section, "regime count", 1, 4096);
        var total = ModelBinary.ReadInt(r, Section, "total samples", 1, int.MaxValue);
        var globalMedian = ModelBinary.ReadFinite(r, Section, "global median");
        var globalMad = ModelBinary.ReadFinite(r, Section, "global MAD", AbsoluteMadFloor, double.MaxValue);
        var rows = new CalibrationRow[count];
        var samples = 0L;
        for (var k = 0; k < count; k++)
        {
            var n = ModelBinary.ReadInt(r, Section, "regime samples", 0, total);
            samples += n;
            var median = ModelBinary.ReadFinite(r, Section, "regime median");
            var mad = ModelBinary.ReadFinite(r, Section, "regime MAD", AbsoluteMadFloor, double.MaxValue);
            var usedGlobal = r.ReadByte() switch
            {
                0 => false,
                1 => true,
                var b => throw new InvalidDataException($"Model section '{Section}': used-global flag {b} is not 0 or 1."),
            };
            rows[k] = new CalibrationRow(k, n, median, mad, usedGlobal);
        }
        if (samples != total)
        {
            throw new InvalidDataException($"Model section '{Section}': regime samples add up to {samples}, total says {total}.");
        }
        var sensitivity = ModelBinary.ReadFiniteDoubles(r, Section, "sensitivity", count);
        return new RegimeCalibration(rows, globalMedian, globalMad, total, sensitivity);
    });
}
