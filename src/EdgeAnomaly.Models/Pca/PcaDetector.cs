using EdgeAnomaly.Models.Serialization;
using MathNet.Numerics.Distributions;
using MathNet.Numerics.LinearAlgebra;

namespace EdgeAnomaly.Models.Pca;

/// <summary>
/// PCA anomaly detector: the training mean, the leading eigenvectors of the training covariance and their
/// eigenvalues. <see cref="Score"/> gives T² and SPE with per-feature SPE contributions. Directions with (numerically)
/// zero variance are never components: a constant column's direction stays in the residual space, so any deviation in
/// it counts fully in SPE. Scoring uses preallocated scratch: one instance is not thread-safe.
/// </summary>
public sealed class PcaDetector
{
    public const int MaxDimensions = 4096;
    private const string Section = "PCAD";

    /// <summary>Eigenvalues at or below this share of the largest count as zero (rank deficiency, constant columns).</summary>
    public const double RelativeEigenvalueFloor = 1e-10;

    private readonly double[] _mean;
    private readonly double[] _loadings;   // Components x Dimensions, row per component
    private readonly double[] _eigenvalues;
    private readonly double[] _centred;
    private readonly double[] _scores;
    private readonly string[] _notes;

    private PcaDetector(double[] mean, double[] loadings, double[] eigenvalues, int trainingRows, double explained,
        double t2Limit, double speLimit, double confidence, string[] notes)
    {
        _mean = mean;
        _loadings = loadings;
        _eigenvalues = eigenvalues;
        _centred = new double[mean.Length];
        _scores = new double[eigenvalues.Length];
        _notes = notes;
        TrainingRows = trainingRows;
        ExplainedVariance = explained;
        T2Limit = t2Limit;
        SpeLimit = speLimit;
        ConfidenceLevel = confidence;
    }

    public int Dimensions => _mean.Length;

    public int Components => _eigenvalues.Length;

    public int TrainingRows { get; }

    /// <summary>Share of the training variance the kept components explain (1 when there was no variance).</summary>
    public double ExplainedVariance { get; }

    /// <summary>T² upper control limit at <see cref="ConfidenceLevel"/> (F distribution); 0 without components.</summary>
    public double T2Limit { get; }

    /// <summary>SPE upper control limit at <see cref="ConfidenceLevel"/> (Jackson-Mudholkar; 0 if no residual variance).</summary>
    public double SpeLimit { get; }

    public double ConfidenceLevel { get; }

    public ReadOnlySpan<double> Mean => _mean;

    /// <summary>Eigenvalues of the kept components, largest first.</summary>
    public ReadOnlySpan<double> Eigenvalues => _eigenvalues;

    /// <summary>Unit loading vector of a component (sign fixed so its largest-magnitude entry is positive).</summary>
    public ReadOnlySpan<double> Loading(int component) => _loadings.AsSpan(component * Dimensions, Dimensions);

    /// <summary>What the fit had to work around (constant columns, rank deficiency, caps), in words.</summary>
    public IReadOnlyList<string> Notes => _notes;

    /// <summary>
    /// Fits on rows the caller has already standardised; still centres on the training mean. Needs at least 2 rows.
    /// </summary>
    public static PcaDetector Fit(double[][] rows, PcaDetectorOptions options)
    {
        ArgumentNullException.ThrowIfNull(rows);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var d = TrainingData.Validate(rows, nameof(rows));
        if (d > MaxDimensions)
        {
            throw new ArgumentException($"PCA supports at most {MaxDimensions} features (rows have {d}).", nameof(rows));
        }
        var n = rows.Length;
        if (n < 2)
        {
            throw new ArgumentException("PCA needs at least 2 training rows.", nameof(rows));
        }
        var notes = new List<string>();

        var mean = new double[d];
        foreach (var row in rows)
        {
            for (var j = 0; j < d; j++)
            {
                mean[j] += row[j];
            }
        }
        for (var j = 0; j < d; j++)
        {
            mean[j] /= n;
        }
        var covariance = new double[d, d];
        var centred = new double[d];
        foreach (var row in rows)
        {
            for (var j = 0; j < d; j++)
            {
                centred[j] = row[j] - mean[j];
            }
            for (var a = 0; a < d; a++)
            {
                for (var b = a; b < d; b++)
                {
                    covariance[a, b] += centred[a] * centred[b];
                }
            }
        }
        for (var a = 0; a < d; a++)
        {
            for (var b = a; b < d; b++)
            {
                covariance[a, b] /= n - 1;
                covariance[b, a] = covariance[a, b];
            }
        }

        var constantColumns = new List<int>();
        var largestVariance = 0.0;
        for (var j = 0; j < d; j++)
        {
            largestVariance = Math.Max(largestVariance, covariance[j, j]);
        }
        for (var j = 0; j < d; j++)
        {
            if (covariance[j, j] <= RelativeEigenvalueFloor * largestVariance || covariance[j, j] == 0)
            {
                constantColumns.Add(j);
            }
        }
        if (constantColumns.Count > 0)
        {
            notes.Add($"constant columns in training [{string.Join(", ", constantColumns)}]: no component uses them; any deviation in them counts fully in SPE");
        }

        var evd = Matrix<double>.Build.DenseOfArray(covariance).Evd(Symmetricity.Symmetric);
        var order = new int[d];
        var values = new double[d];
        for (var i = 0; i < d; i++)
        {
            order[i] = i;
            values[i] = -Math.Max(0, evd.EigenValues[i].Real);   // descending by sorting the negatives
        }
        Array.Sort(values, order);
        for (var i = 0; i < d; i++)
        {
            values[i] = -values[i];
        }
        var total = 0.0;
        foreach (var v in values)
        {
            total += v;
        }
        var floor = RelativeEigenvalueFloor * values[0];
        var positive = 0;
        while (positive < d && values[positive] > floor && values[positive] > 0)
        {
            positive++;
        }
        if (positive < d && constantColumns.Count < d - positive)
        {
            notes.Add($"covariance has rank {positive} of {d}: {d - positive} zero-variance directions dropped (collinear columns)");
        }

        int k;
        if (positive == 0)
        {
            k = 0;
            notes.Add("no variance in training: no components; T2 is always 0 and SPE is the squared distance to the training mean");
        }
        else
        {
            k = 0;
            var explainedSoFar = 0.0;
            while (k < positive && explainedSoFar < options.VarianceFraction * total * (1 - 1e-12))
            {
                explainedSoFar += values[k];
                k++;
            }
            if (options.MaxComponents > 0 && k > options.MaxComponents)
            {
                notes.Add($"{k} components needed for {options.VarianceFraction:P1} of the variance; capped at MaxComponents = {options.MaxComponents}");
                k = options.MaxComponents;
            }
        }

        var loadings = new double[k * d];
        var eigenvalues = new double[k];
        var explained = 0.0;
        for (var c = 0; c < k; c++)
        {
            eigenvalues[c] = values[c];
            explained += values[c];
            var column = order[c];
            var largest = 0.0;
            for (var j = 0; j < d; j++)
            {
                var v = evd.EigenVectors[j, column];
                loadings[c * d + j] = v;
                if (Math.Abs(v) > Math.Abs(largest))
                {
                    largest = v;
                }
            }
            if (largest < 0)
            {
                for (var j = 0; j < d; j++)
                {
                    loadings[c * d + j] = -loadings[c * d + j];
                }
            }
        }

        var t2Limit = k == 0 ? 0 : HotellingLimit(k, n, options.ConfidenceLevel);
        var speLimit = SpeControlLimit(values.AsSpan(k, positive - k), options.ConfidenceLevel, notes);
        return new PcaDetector(mean, loadings, eigenvalues, n, total > 0 ? explained / total : 1, t2Limit, speLimit,
            options.ConfidenceLevel, notes.ToArray());
    }

    /// <summary>T² limit for a new observation: k(n-1)(n+1) / (n(n-k)) F(k, n-k) at the confidence level.</summary>
    private static double HotellingLimit(int k, int n, double confidence)
    {
        if (n - k < 1)
        {
            return ChiSquared.InvCDF(k, confidence);   // too few rows for the F form; its large-n limit
        }
        return k * (n - 1.0) * (n + 1.0) / (n * (double)(n - k)) * FisherSnedecor.InvCDF(k, n - k, confidence);
    }

    /// <summary>Jackson-Mudholkar SPE limit from the residual eigenvalues; Box's g·χ²(h) if h0 is not positive.</summary>
    private static double SpeControlLimit(ReadOnlySpan<double> residual, double confidence, List<string> notes)
    {
        double theta1 = 0, theta2 = 0, theta3 = 0;
        foreach (var l in residual)
        {
            theta1 += l;
            theta2 += l * l;
            theta3 += l * l * l;
        }
        if (theta1 <= 0 || theta2 <= 0)
        {
            notes.Add("no residual variance: SPE limit is 0 (any distance from the subspace is beyond training)");
            return 0;
        }
        var h0 = 1 - 2 * theta1 * theta3 / (3 * theta2 * theta2);
        if (h0 <= 0)
        {
            var g = theta2 / theta1;
            var h = theta1 * theta1 / theta2;
            return g * ChiSquared.InvCDF(h, confidence);
        }
        var z = Normal.InvCDF(0, 1, confidence);
        var inner = z * Math.Sqrt(2 * theta2 * h0 * h0) / theta1 + 1 + theta2 * h0 * (h0 - 1) / (theta1 * theta1);
        return theta1 * Math.Pow(inner, 1 / h0);
    }

    /// <summary>
    /// T² and SPE of one sample. <paramref name="speContributions"/> is either empty (not wanted) or of length
    /// <see cref="Dimensions"/> and receives the squared residual per feature (they sum to SPE). No allocation.
    /// </summary>
    public PcaScore Score(ReadOnlySpan<double> x, Span<double> speContributions)
    {
        if (speContributions.Length != 0 && speContributions.Length != Dimensions)
        {
            throw new ArgumentException($"Contributions span has {speContributions.Length} slots, expected 0 or {Dimensions}.", nameof(speContributions));
        }
        ProjectInto(x, _scores);
        var t2 = 0.0;
        for (var c = 0; c < _scores.Length; c++)
        {
            t2 += _scores[c] * _scores[c] / _eigenvalues[c];
        }
        // Residual = centred - sum_c score_c * loading_c, built in the centred scratch.
        for (var c = 0; c < _scores.Length; c++)
        {
            var loading = Loading(c);
            var score = _scores[c];
            for (var j = 0; j < _centred.Length; j++)
            {
                _centred[j] -= score * loading[j];
            }
        }
        var spe = 0.0;
        for (var j = 0; j < _centred.Length; j++)
        {
            var r2 = _centred[j] * _centred[j];
            spe += r2;
            if (speContributions.Length != 0)
            {
                speContributions[j] = r2;
            }
        }
        return new PcaScore(t2, spe);
    }

    /// <summary>Principal component scores of x (length <see cref="Components"/>). No allocation.</summary>
    public void Project(ReadOnlySpan<double> x, Span<double> scores)
    {
        if (scores.Length != Components)
        {
            throw new ArgumentException($"Scores span has {scores.Length} slots, expected {Components}.", nameof(scores));
        }
        ProjectInto(x, scores);
    }

    private void ProjectInto(ReadOnlySpan<double> x, Span<double> scores)
    {
        if (x.Length != Dimensions)
        {
            throw new ArgumentException($"Sample has {x.Length} features, the PCA expects {Dimensions}.", nameof(x));
        }
        for (var j = 0; j < _centred.Length; j++)
        {
            _centred[j] = x[j] - _mean[j];
        }
        for (var c = 0; c < scores.Length; c++)
        {
            var loading = Loading(c);
            var s = 0.0;
            for (var j = 0; j < loading.Length; j++)
            {
                s += loading[j] * _centred[j];
            }
            scores[c] = s;
        }
    }

    public void Write(BinaryWriter w)
    {
        ModelBinary.WriteTag(w, Section);
        w.Write(Dimensions);
        w.Write(Components);
        w.Write(TrainingRows);
        w.Write(ExplainedVariance);
        w.Write(T2Limit);
        w.Write(SpeLimit);
        w.Write(ConfidenceLevel);
        ModelBinary.WriteDoubles(w, _mean);
        ModelBinary.WriteDoubles(w, _eigenvalues);
        ModelBinary.WriteDoubles(w, _loadings);
        w.Write(_notes.Length);
        foreach (var note in _notes)
        {
            ModelBinary.WriteString(w, note);
        }
    }

    public static PcaDetector Read(BinaryReader r) => ModelBinary.ReadSection(Section, () =>
    {
        ModelBinary.ExpectTag(r, Section);
        var d = ModelBinary.ReadInt(r, Section, "dimensions", 1, MaxDimensions);
        var k = ModelBinary.ReadInt(r, Section, "components", 0, d);
        var n = ModelBinary.ReadInt(r, Section, "training rows", 2, int.MaxValue);
        var explained = ModelBinary.ReadFinite(r, Section, "explained variance", 0, 1 + 1e-9);
        var t2Limit = ModelBinary.ReadFinite(r, Section, "T2 limit", 0, double.MaxValue);
        var speLimit = ModelBinary.ReadFinite(r, Section, "SPE limit", 0, double.MaxValue);
        var confidence = ModelBinary.ReadFinite(r, Section, "confidence level", 0.5, 1);
        var mean = ModelBinary.ReadFiniteDoubles(r, Section, "mean", d);
        var eigenvalues = ModelBinary.ReadFiniteDoubles(r, Section, "eigenvalues", k);
        foreach (var e in eigenvalues)
        {
            if (!(e > 0))
            {
                throw new InvalidDataException($"Model section '{Section}': eigenvalue {e} is not positive.");
            }
        }
        var loadings = ModelBinary.ReadFiniteDoubles(r, Section, "loadings", k * d);
        for (var c = 0; c < k; c++)
        {
            var norm = 0.0;
            for (var j = 0; j < d; j++)
            {
                norm += loadings[c * d + j] * loadings[c * d + j];
            }
            if (Math.Abs(norm - 1) > 1e-6)
            {
                throw new InvalidDataException($"Model section '{Section}': loading {c} is not a unit vector (norm² {norm}).");
            }
        }
        var noteCount = ModelBinary.ReadInt(r, Section, "note count", 0, 64);
        var notes = new string[noteCount];
        for (var i = 0; i < noteCount; i++)
        {
            notes[i] = ModelBinary.ReadString(r, Section, "note", 4096);
        }
        return new PcaDetector(mean, loadings, eigenvalues, n, explained, t2Limit, speLimit, confidence, notes);
    });
}
