namespace EdgeAnomaly.Models.Regimes;

/// <summary>Cluster quality indices (training-time; Euclidean distance).</summary>
public static class ClusterQuality
{
    /// <summary>Largest number of points the sampled silhouette uses (its cost is quadratic in this).</summary>
    public const int DefaultSilhouetteSample = 2000;

    /// <summary>
    /// Mean silhouette, exact: s(i) = (b - a) / max(a, b) with a the mean distance to the other members of i's cluster and
    /// b the smallest mean distance to another cluster; 0 for a point alone in its cluster. 0 with fewer than 2 clusters.
    /// </summary>
    public static double Silhouette(double[][] points, ReadOnlySpan<int> labels, int k)
    {
        if (points.Length != labels.Length)
        {
            throw new ArgumentException("points and labels differ in length.", nameof(labels));
        }
        var sizes = new int[k];
        foreach (var l in labels)
        {
            sizes[l]++;
        }
        var populated = 0;
        foreach (var s in sizes)
        {
            populated += s > 0 ? 1 : 0;
        }
        if (populated < 2)
        {
            return 0;
        }
        var sums = new double[k];
        var total = 0.0;
        for (var i = 0; i < points.Length; i++)
        {
            Array.Clear(sums);
            for (var j = 0; j < points.Length; j++)
            {
                if (j != i)
                {
                    sums[labels[j]] += Math.Sqrt(SquaredDistance(points[i], points[j]));
                }
            }
            var own = labels[i];
            if (sizes[own] <= 1)
            {
                continue;   // singleton: s = 0
            }
            var a = sums[own] / (sizes[own] - 1);
            var b = double.PositiveInfinity;
            for (var c = 0; c < k; c++)
            {
                if (c != own && sizes[c] > 0)
                {
                    b = Math.Min(b, sums[c] / sizes[c]);
                }
            }
            var denominator = Math.Max(a, b);
            total += denominator > 0 ? (b - a) / denominator : 0;
        }
        return total / points.Length;
    }

    /// <summary>
    /// Silhouette on a seeded uniform sample of at most <paramref name="maxPoints"/> points (distances within the sample
    /// only, like scikit-learn's sample_size); exact when there are no more points than that.
    /// </summary>
    public static double SampledSilhouette(double[][] points, ReadOnlySpan<int> labels, int k, int maxPoints, int seed)
    {
        if (points.Length <= maxPoints)
        {
            return Silhouette(points, labels, k);
        }
        var index = SampleIndices(points.Length, maxPoints, seed);
        var sample = new double[maxPoints][];
        var sampleLabels = new int[maxPoints];
        for (var i = 0; i < maxPoints; i++)
        {
            sample[i] = points[index[i]];
            sampleLabels[i] = labels[index[i]];
        }
        return Silhouette(sample, sampleLabels, k);
    }

    /// <summary>Calinski-Harabasz index: (between-cluster dispersion / (k - 1)) / (within / (n - k)).</summary>
    public static double CalinskiHarabasz(double[][] points, ReadOnlySpan<int> labels, int k)
    {
        var n = points.Length;
        if (k < 2 || n <= k)
        {
            return 0;
        }
        var d = points[0].Length;
        var centroids = new double[k][];
        var sizes = new int[k];
        var mean = new double[d];
        for (var c = 0; c < k; c++)
        {
            centroids[c] = new double[d];
        }
        for (var i = 0; i < n; i++)
        {
            sizes[labels[i]]++;
            for (var j = 0; j < d; j++)
            {
                centroids[labels[i]][j] += points[i][j];
                mean[j] += points[i][j];
            }
        }
        for (var j = 0; j < d; j++)
        {
            mean[j] /= n;
        }
        var between = 0.0;
        for (var c = 0; c < k; c++)
        {
            if (sizes[c] == 0)
            {
                continue;
            }
            for (var j = 0; j < d; j++)
            {
                centroids[c][j] /= sizes[c];
            }
            between += sizes[c] * SquaredDistance(centroids[c], mean);
        }
        var within = 0.0;
        for (var i = 0; i < n; i++)
        {
            within += SquaredDistance(points[i], centroids[labels[i]]);
        }
        return within == 0 ? double.PositiveInfinity : between / (k - 1) / (within / (n - k));
    }

    internal static double SquaredDistance(ReadOnlySpan<double> a, ReadOnlySpan<double> b)
    {
        var s = 0.0;
        for (var j = 0; j < a.Length; j++)
        {
            var diff = a[j] - b[j];
            s += diff * diff;
        }
        return s;
    }

    /// <summary>A seeded uniform sample of m distinct indices in [0, n) (partial Fisher-Yates).</summary>
    internal static int[] SampleIndices(int n, int m, int seed)
    {
        var random = new Random(seed);
        var pool = new int[n];
        for (var i = 0; i < n; i++)
        {
            pool[i] = i;
        }
        for (var i = 0; i < m; i++)
        {
            var j = i + random.Next(n - i);
            (pool[i], pool[j]) = (pool[j], pool[i]);
        }
        return pool[..m];
    }
}
