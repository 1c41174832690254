using EdgeAnomaly.Models.Regimes;

namespace EdgeAnomaly.Models.Tests.Regimes;

public class ClusterQualityTests
{
    // Expected values computed by hand and checked with scikit-learn 1.2.1 silhouette_score / calinski_harabasz_score.
    public static TheoryData<double[][], int[], int, double, double> Cases => new()
    {
        // 0: a = 1, b = 5 -> 0.8; 1: a = 1, b = 4 -> 0.75; 4: a = 2, b = 3.5 -> 0.4286; 6: a = 2, b = 5.5 -> 0.6364.
        { [[0], [1], [4], [6]], [0, 0, 1, 1], 2, 0.6537337662337662, 16.2 },
        // A singleton scores 0: (0 + 0 + 0.5) / 3.
        { [[0], [1], [2]], [0, 1, 1], 2, 0.16666666666666666, double.NaN },
        { [[0, 0], [0, 2], [3, 0], [3, 2], [10, 1]], [0, 0, 1, 1, 2], 3, 0.3155589796288086, 16.7 },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Silhouette_And_CalinskiHarabasz_MatchHandComputedValues(double[][] points, int[] labels, int k, double silhouette, double ch)
    {
        Assert.Equal(silhouette, ClusterQuality.Silhouette(points, labels, k), 12);
        if (!double.IsNaN(ch))
        {
            Assert.Equal(ch, ClusterQuality.CalinskiHarabasz(points, labels, k), 10);
        }
    }

    [Fact]
    public void Silhouette_OneCluster_IsZero() =>
        Assert.Equal(0, ClusterQuality.Silhouette([[0.0], [1.0]], [0, 0], 2));

    [Fact]
    public void SampledSilhouette_IsExactBelowTheSample_AndCloseAbove()
    {
        var random = new Random(5);
        var points = Synthetic.Blobs(random, [[0, 0], [4, 0]], 800, 1.0);
        var labels = points.Select(p => p[0] < 2 ? 0 : 1).ToArray();
        var exact = ClusterQuality.Silhouette(points, labels, 2);
        Assert.Equal(exact, ClusterQuality.SampledSilhouette(points, labels, 2, 1600, seed: 1));
        Assert.InRange(ClusterQuality.SampledSilhouette(points, labels, 2, 500, seed: 1), exact - 0.03, exact + 0.03);
    }

    [Fact]
    public void KMeans_FindsSeparatedBlobs_AndIsSeeded()
    {
        var random = new Random(6);
        var points = Synthetic.Blobs(random, [[0, 0], [10, 0], [0, 10]], 100, 0.5);
        var a = KMeans.Fit(points, 3, seed: 2);
        var b = KMeans.Fit(points, 3, seed: 2);
        Assert.Equal(a.Labels, b.Labels);
        for (var blob = 0; blob < 3; blob++)
        {
            Assert.Single(a.Labels.Skip(blob * 100).Take(100).Distinct());
        }
        Assert.Equal(3, a.Labels.Distinct().Count());
    }

    [Fact]
    public void KMeans_MoreClustersThanDistinctPoints_Terminates()
    {
        double[][] points = [[1.0], [1.0], [1.0], [2.0]];
        var result = KMeans.Fit(points, 3, seed: 1);
        Assert.Equal(4, result.Labels.Length);
        Assert.Equal(0, result.Inertia, 12);
    }
}
