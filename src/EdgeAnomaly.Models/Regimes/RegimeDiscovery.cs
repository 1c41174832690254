using System.Globalization;
using EdgeAnomaly.Models.Pca;
using EdgeAnomaly.Models.Scaling;

namespace EdgeAnomaly.Models.Regimes;

/// <summary>One k tried by <see cref="RegimeDiscovery"/>: its mean silhouette, Calinski-Harabasz index, inertia and smallest cluster share.</summary>
public readonly record struct RegimeCandidate(int K, double Silhouette, double CalinskiHarabasz, double Inertia, double SmallestShare);

/// <summary>
/// Finds operating regimes in training rows: robust scaling (median / IQR) -> PCA (VarianceFraction) -> k-means++ for
/// each k in [MinK, MaxK] -> the k with the best mean silhouette, a tie (within SilhouetteTieTolerance) going to the
/// higher Calinski-Harabasz index -> quality gate: if the best silhouette is below MinSilhouette the model is ONE
/// global regime. k values leaving a cluster smaller than MinRegimeShare are not considered.
/// </summary>
public static class RegimeDiscovery
{
    public static RegimeModel Fit(double[][] rows, RegimeDiscoveryOptions options)
    {
        ArgumentNullException.ThrowIfNull(rows);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var d = TrainingData.Validate(rows, nameof(rows));
        var scaler = RobustScaler.Fit(rows);
        var scaled = new double[rows.Length][];
        for (var i = 0; i < rows.Length; i++)
        {
            scaled[i] = new double[d];
            scaler.Transform(rows[i], scaled[i]);
        }
        var pca = PcaDetector.Fit(rows.Length >= 2 ? scaled : [scaled[0], scaled[0]], new PcaDetectorOptions { VarianceFraction = options.VarianceFraction });
        var dwellMs = (long)options.MinDwell.TotalMilliseconds;
        if (pca.Components == 0)
        {
            return RegimeModel.Global(scaler, pca, dwellMs, [], double.NaN, "no variance in training: one global regime");
        }
        var projected = new double[rows.Length][];
        for (var i = 0; i < rows.Length; i++)
        {
            projected[i] = new double[pca.Components];
            pca.Project(scaled[i], projected[i]);
        }

        var clustering = projected;
        if (projected.Length > options.MaxClusteringRows)
        {
            var index = ClusterQuality.SampleIndices(projected.Length, options.MaxClusteringRows, options.Seed);
            clustering = new double[index.Length][];
            for (var i = 0; i < index.Length; i++)
            {
                clustering[i] = projected[index[i]];
            }
        }

        var candidates = new List<RegimeCandidate>();
        var results = new List<KMeansResult>();
        var skipped = new List<int>();
        for (var k = options.MinK; k <= options.MaxK && k < clustering.Length; k++)
        {
            var result = KMeans.Fit(clustering, k, options.Seed + k, options.Restarts);
            var sizes = new int[k];
            foreach (var l in result.Labels)
            {
                sizes[l]++;
            }
            var smallest = (double)sizes.Min() / clustering.Length;
            var silhouette = ClusterQuality.SampledSilhouette(clustering, result.Labels, k, options.SilhouetteSample, options.Seed);
            var ch = ClusterQuality.CalinskiHarabasz(clustering, result.Labels, k);
            candidates.Add(new RegimeCandidate(k, silhouette, ch, result.Inertia, smallest));
            results.Add(result);
            if (smallest < options.MinRegimeShare)
            {
                skipped.Add(k);
            }
        }

        var best = -1;
        for (var i = 0; i < candidates.Count; i++)
        {
            if (!skipped.Contains(candidates[i].K) && (best < 0 || candidates[i].Silhouette > candidates[best].Silhouette))
            {
                best = i;
            }
        }
        var skippedText = skipped.Count == 0 ? "" : string.Create(CultureInfo.InvariantCulture,
            $"; k = {string.Join(", ", skipped)} left a cluster under {options.MinRegimeShare:P0} of the rows");
        if (best < 0)
        {
            return RegimeModel.Global(scaler, pca, dwellMs, candidates.ToArray(), double.NaN, "no admissible k" + skippedText + ": one global regime");
        }
        var tolerance = options.SilhouetteTieTolerance;
        var chosen = best;
        for (var i = 0; i < candidates.Count; i++)
        {
            if (!skipped.Contains(candidates[i].K) && candidates[i].Silhouette >= candidates[best].Silhouette - tolerance
                && candidates[i].CalinskiHarabasz > candidates[chosen].CalinskiHarabasz)
            {
                chosen = i;
            }
        }
        var winner = candidates[chosen];
        if (winner.Silhouette < options.MinSilhouette)
        {
            return RegimeModel.Global(scaler, pca, dwellMs, candidates.ToArray(), winner.Silhouette, string.Create(CultureInfo.InvariantCulture,
                $"best silhouette {winner.Silhouette:F3} (k = {winner.K}) is below {options.MinSilhouette}{skippedText}: one global regime"));
        }
        var tie = chosen != best ? string.Create(CultureInfo.InvariantCulture,
            $", preferred to k = {candidates[best].K} (silhouette {candidates[best].Silhouette:F3}, within {tolerance}) by Calinski-Harabasz {winner.CalinskiHarabasz:G4}") : "";
        var reason = string.Create(CultureInfo.InvariantCulture,
            $"k = {winner.K}: silhouette {winner.Silhouette:F3} >= {options.MinSilhouette}{tie}{skippedText}");
        var model = RegimeModel.Clustered(scaler, pca, dwellMs, results[chosen].Centroids, candidates.ToArray(), winner.Silhouette, reason);
        model.SetTrainingShares(rows);
        return model;
    }
}
