using EdgeAnomaly.Models.Pca;
using EdgeAnomaly.Models.Scaling;
using EdgeAnomaly.Models.Serialization;

namespace EdgeAnomaly.Models.Regimes;

/// <summary>
/// Operating regimes: the training scaler and PCA, and one centroid per regime in PCA score space. <see cref="Assign"/>
/// scales, projects and returns the nearest centroid without allocating; it uses the instance's scratch buffers (and the
/// PCA's), so one instance is not thread-safe.
/// </summary>
public sealed class RegimeModel
{
    public const int MaxRegimes = 64;
    private const string Section = "RGME";

    private readonly RobustScaler _scaler;
    private readonly PcaDetector _pca;
    private readonly double[][] _centroids;
    private readonly RegimeCandidate[] _candidates;
    private readonly double[] _scaled;
    private readonly double[] _projected;
    private double[] _shares;

    private RegimeModel(RobustScaler scaler, PcaDetector pca, long minDwellMs, double[][] centroids, RegimeCandidate[] candidates,
        double silhouette, string reason, double[] shares)
    {
        _scaler = scaler;
        _pca = pca;
        _centroids = centroids;
        _candidates = candidates;
        _scaled = new double[scaler.Dimensions];
        _projected = new double[pca.Components];
        _shares = shares;
        MinDwellMs = minDwellMs;
        Silhouette = silhouette;
        Reason = reason;
    }

    internal static RegimeModel Global(RobustScaler scaler, PcaDetector pca, long minDwellMs, RegimeCandidate[] candidates, double silhouette, string reason) =>
        new(scaler, pca, minDwellMs, [new double[pca.Components]], candidates, silhouette, reason, [1.0]);

    internal static RegimeModel Clustered(RobustScaler scaler, PcaDetector pca, long minDwellMs, double[][] centroids, RegimeCandidate[] candidates,
        double silhouette, string reason) =>
        new(scaler, pca, minDwellMs, centroids, candidates, silhouette, reason, new double[centroids.Length]);

    internal void SetTrainingShares(double[][] rows)
    {
        var counts = new double[Count];
        foreach (var row in rows)
        {
            counts[Assign(row)]++;
        }
        for (var k = 0; k < counts.Length; k++)
        {
            counts[k] /= rows.Length;
        }
        _shares = counts;
    }

    /// <summary>Number of regimes (1 when the quality gate chose one global regime).</summary>
    public int Count => _centroids.Length;

    /// <summary>The k of the clustering in use; 1 for the global regime.</summary>
    public int ChosenK => Count;

    /// <summary>Mean silhouette of the chosen clustering; for a global regime the best one found (NaN if none was tried).</summary>
    public double Silhouette { get; }

    /// <summary>Why this k (or why one global regime), in words.</summary>
    public string Reason { get; }

    public int Dimensions => _scaler.Dimensions;

    public long MinDwellMs { get; }

    public TimeSpan MinDwell => TimeSpan.FromMilliseconds(MinDwellMs);

    /// <summary>Share of the training rows assigned to each regime.</summary>
    public double[] TrainingShare => (double[])_shares.Clone();

    /// <summary>Every k tried, with its quality indices (empty when PCA found no variance).</summary>
    public IReadOnlyList<RegimeCandidate> Candidates => _candidates;

    public RobustScaler Scaler => _scaler;

    public PcaDetector Pca => _pca;

    public ReadOnlySpan<double> Centroid(int regime) => _centroids[regime];

    /// <summary>Nearest regime of a raw sample (length <see cref="Dimensions"/>). No allocation.</summary>
    public int Assign(ReadOnlySpan<double> x)
    {
        _scaler.Transform(x, _scaled);
        if (_centroids.Length == 1)
        {
            return 0;
        }
        _pca.Project(_scaled, _projected);
        var best = 0;
        var bestDistance = double.PositiveInfinity;
        for (var c = 0; c < _centroids.Length; c++)
        {
            var distance = ClusterQuality.SquaredDistance(_projected, _centroids[c]);
            if (distance < bestDistance)
            {
                bestDistance = distance;
                best = c;
            }
        }
        return best;
    }

    public void Write(BinaryWriter w)
    {
        ModelBinary.WriteTag(w, Section);
        w.Write(Count);
        w.Write(MinDwellMs);
        w.Write(Silhouette);
        ModelBinary.WriteString(w, Reason);
        _scaler.Write(w);
        _pca.Write(w);
        foreach (var c in _centroids)
        {
            ModelBinary.WriteDoubles(w, c);
        }
        ModelBinary.WriteDoubles(w, _shares);
        w.Write(_candidates.Length);
        foreach (var c in _candidates)
        {
            w.Write(c.K);
            w.Write(c.Silhouette);
            w.Write(c.CalinskiHarabasz);
            w.Write(c.Inertia);
            w.Write(c.SmallestShare);
        }
    }

    public static RegimeModel Read(BinaryReader r) => ModelBinary.ReadSection(Section, () =>
    {
        ModelBinary.ExpectTag(r, Section);
        var count = ModelBinary.ReadInt(r, Section, "regime count", 1, MaxRegimes);
        var dwell = ModelBinary.ReadLong(r, Section, "minimum dwell (ms)", 0, long.MaxValue / 2);
        var silhouette = r.ReadDouble();
        if (!(double.IsNaN(silhouette) || (silhouette >= -1 && silhouette <= 1)))
        {
            throw new InvalidDataException($"Model section '{Section}': silhouette {silhouette} is outside [-1, 1].");
        }
        var reason = ModelBinary.ReadString(r, Section, "reason", 4096);
        var scaler = RobustScaler.Read(r);
        var pca = PcaDetector.Read(r);
        if (pca.Dimensions != scaler.Dimensions)
        {
            throw new InvalidDataException($"Model section '{Section}': PCA has {pca.Dimensions} inputs, the scaler {scaler.Dimensions}.");
        }
        var centroids = new double[count][];
        for (var c = 0; c < count; c++)
        {
            centroids[c] = ModelBinary.ReadFiniteDoubles(r, Section, "centroid", pca.Components);
        }
        var shares = ModelBinary.ReadFiniteDoubles(r, Section, "training shares", count);
        var sum = 0.0;
        foreach (var s in shares)
        {
            if (s < 0 || s > 1)
            {
                throw new InvalidDataException($"Model section '{Section}': training share {s} is outside [0, 1].");
            }
            sum += s;
        }
        if (Math.Abs(sum - 1) > 1e-6)
        {
            throw new InvalidDataException($"Model section '{Section}': training shares add up to {sum}, not 1.");
        }
        var candidateCount = ModelBinary.ReadInt(r, Section, "candidate count", 0, MaxRegimes);
        var candidates = new RegimeCandidate[candidateCount];
        for (var i = 0; i < candidateCount; i++)
        {
            candidates[i] = new RegimeCandidate(ModelBinary.ReadInt(r, Section, "candidate k", 2, MaxRegimes), r.ReadDouble(), r.ReadDouble(), r.ReadDouble(), r.ReadDouble());
        }
        return new RegimeModel(scaler, pca, dwell, centroids, candidates, silhouette, reason, shares);
    });
}
