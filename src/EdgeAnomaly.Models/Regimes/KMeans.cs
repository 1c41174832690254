namespace EdgeAnomaly.Models.Regimes;

/// <summary>A k-means clustering: centroids, the label of each point and the within-cluster sum of squares.</summary>
public sealed record KMeansResult(double[][] Centroids, int[] Labels, double Inertia, int Iterations);

/// <summary>
/// k-means with k-means++ seeding (Arthur and Vassilvitskii 2007): several seeded restarts, each running Lloyd iterations
/// until no label changes (or the iteration cap); the restart with the lowest inertia wins. An emptied cluster is
/// re-seeded at the point farthest from its centroid.
/// </summary>
public static class KMeans
{
    public static KMeansResult Fit(double[][] points, int k, int seed, int restarts = 4, int maxIterations = 100)
    {
        ArgumentNullException.ThrowIfNull(points);
        if (k < 1 || k > points.Length)
        {
            throw new ArgumentOutOfRangeException(nameof(k), k, $"k must be in [1, {points.Length}].");
        }
        ArgumentOutOfRangeException.ThrowIfLessThan(restarts, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxIterations, 1);
        var random = new Random(seed);
        KMeansResult? best = null;
        for (var r = 0; r < restarts; r++)
        {
            var result = Lloyd(points, SeedPlusPlus(points, k, random), maxIterations);
            if (best is null || result.Inertia < best.Inertia)
            {
                best = result;
            }
        }
        return best!;
    }

    private static double[][] SeedPlusPlus(double[][] points, int k, Random random)
    {
        var n = points.Length;
        var centroids = new double[k][];
        centroids[0] = (double[])points[random.Next(n)].Clone();
        var nearest = new double[n];
        for (var i = 0; i < n; i++)
        {
            nearest[i] = ClusterQuality.SquaredDistance(points[i], centroids[0]);
        }
        for (var c = 1; c < k; c++)
        {
            var total = 0.0;
            foreach (var d in nearest)
            {
                total += d;
            }
            int chosen;
            if (total <= 0)
            {
                chosen = random.Next(n);   // all points coincide with centroids already: any point will do
            }
            else
            {
                var target = random.NextDouble() * total;
                chosen = n - 1;
                var cumulative = 0.0;
                for (var i = 0; i < n; i++)
                {
                    cumulative += nearest[i];
                    if (cumulative > target)
                    {
                        chosen = i;
                        break;
                    }
                }
            }
            centroids[c] = (double[])points[chosen].Clone();
            for (var i = 0; i < n; i++)
            {
                nearest[i] = Math.Min(nearest[i], ClusterQuality.SquaredDistance(points[i], centroids[c]));
            }
        }
        return centroids;
    }

    private static KMeansResult Lloyd(double[][] points, double[][] centroids, int maxIterations)
    {
        var n = points.Length;
        var k = centroids.Length;
        var d = points[0].Length;
        var labels = new int[n];
        Array.Fill(labels, -1);
        var sizes = new int[k];
        var iteration = 0;
        var changed = true;
        while (changed && iteration < maxIterations)
        {
            iteration++;
            changed = false;
            for (var i = 0; i < n; i++)
            {
                var label = Nearest(centroids, points[i], out _);
                if (label != labels[i])
                {
                    labels[i] = label;
                    changed = true;
                }
            }
            Array.Clear(sizes);
            foreach (var c in centroids)
            {
                Array.Clear(c);
            }
            for (var i = 0; i < n; i++)
            {
                sizes[labels[i]]++;
                var c = centroids[labels[i]];
                for (var j = 0; j < d; j++)
                {
                    c[j] += points[i][j];
                }
            }
            for (var c = 0; c < k; c++)
            {
                if (sizes[c] > 0)
                {
                    for (var j = 0; j < d; j++)
                    {
                        centroids[c][j] /= sizes[c];
                    }
                }
            }
            for (var c = 0; c < k; c++)
            {
                if (sizes[c] > 0)
                {
                    continue;
                }
                // Empty cluster: move it to the point farthest from its own centroid (in a cluster that can spare it)
                // and iterate again.
                var farthest = -1;
                var distance = -1.0;
                for (var i = 0; i < n; i++)
                {
                    if (sizes[labels[i]] > 1)
                    {
                        var dist = ClusterQuality.SquaredDistance(points[i], centroids[labels[i]]);
                        if (dist > distance)
                        {
                            distance = dist;
                            farthest = i;
                        }
                    }
                }
                if (farthest < 0)
                {
                    // Every cluster is a singleton already: park the centroid on a data point; it stays empty.
                    Array.Copy(points[0], centroids[c], d);
                    continue;
                }
                Array.Copy(points[farthest], centroids[c], d);
                sizes[labels[farthest]]--;
                sizes[c] = 1;
                labels[farthest] = c;
                changed = true;
            }
        }
        var inertia = 0.0;
        for (var i = 0; i < n; i++)
        {
            labels[i] = Nearest(centroids, points[i], out var dist);
            inertia += dist;
        }
        return new KMeansResult(centroids, labels, inertia, iteration);
    }

    internal static int Nearest(double[][] centroids, ReadOnlySpan<double> x, out double squaredDistance)
    {
        var best = 0;
        squaredDistance = double.PositiveInfinity;
        for (var c = 0; c < centroids.Length; c++)
        {
            var dist = ClusterQuality.SquaredDistance(x, centroids[c]);
            if (dist < squaredDistance)
            {
                squaredDistance = dist;
                best = c;
            }
        }
        return best;
    }
}
