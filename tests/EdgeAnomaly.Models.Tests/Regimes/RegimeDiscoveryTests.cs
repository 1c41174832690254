using EdgeAnomaly.Models.Regimes;

namespace EdgeAnomaly.Models.Tests.Regimes;

public class RegimeDiscoveryTests
{
    private static double[][] ThreeBlobs(int seed)
    {
        // Three operating points of a 4-sensor machine (idle, half load, full load), unequal sizes.
        var random = new Random(seed);
        var idle = Synthetic.Blobs(random, [[20, 0, 1, 50]], 600, 0.5);
        var half = Synthetic.Blobs(random, [[40, 5, 3, 55]], 300, 0.5);
        var full = Synthetic.Blobs(random, [[60, 10, 5, 60]], 300, 0.5);
        return idle.Concat(half).Concat(full).ToArray();
    }

    [Fact]
    public void Fit_ThreeSeparableBlobs_ChoosesThree()
    {
        var rows = ThreeBlobs(1);
        var model = RegimeDiscovery.Fit(rows, new RegimeDiscoveryOptions());

        Assert.Equal(3, model.ChosenK);
        Assert.Equal(3, model.Count);
        Assert.True(model.Silhouette > 0.5, model.Reason);
        Assert.StartsWith("k = 3", model.Reason, StringComparison.Ordinal);
        Assert.Equal(7, model.Candidates.Count);   // k = 2..8
        var shares = model.TrainingShare.OrderBy(s => s).ToArray();
        Assert.Equal(new[] { 0.25, 0.25, 0.5 }, shares);
        // Each blob maps to one regime, and the three regimes differ.
        var idle = model.Assign(rows[0]);
        var half = model.Assign(rows[600]);
        var full = model.Assign(rows[900]);
        Assert.Equal(3, new[] { idle, half, full }.Distinct().Count());
        Assert.All(rows.Take(600), r => Assert.Equal(idle, model.Assign(r)));
    }

    [Fact]
    public void Fit_SingleBlob_FallsBackToOneGlobalRegime()
    {
        var rows = Synthetic.GaussianRows(new Random(2), 1000, 4, mean: 10, sd: 2);
        var model = RegimeDiscovery.Fit(rows, new RegimeDiscoveryOptions());

        Assert.Equal(1, model.Count);
        Assert.Contains("one global regime", model.Reason, StringComparison.Ordinal);
        Assert.True(model.Silhouette < 0.2);
        Assert.Equal(new[] { 1.0 }, model.TrainingShare);
        Assert.Equal(0, model.Assign(rows[5]));
    }

    [Fact]
    public void Fit_ConstantData_IsOneRegime()
    {
        var rows = Enumerable.Range(0, 50).Select(_ => new[] { 1.0, 2.0 }).ToArray();
        var model = RegimeDiscovery.Fit(rows, new RegimeDiscoveryOptions());
        Assert.Equal(1, model.Count);
        Assert.Contains("no variance", model.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Fit_TinyCluster_IsNotARegime()
    {
        var random = new Random(3);
        var main = Synthetic.Blobs(random, [[0, 0], [10, 10]], 500, 0.5);
        var rare = Synthetic.Blobs(random, [[30, -20]], 4, 0.5);   // 0.4 % of the rows
        var model = RegimeDiscovery.Fit(main.Concat(rare).ToArray(), new RegimeDiscoveryOptions { MinRegimeShare = 0.01 });
        Assert.Equal(2, model.Count);
        Assert.Contains("under 1", model.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void WriteRead_RoundTrip_AssignsTheSame_And_TruncationRefused()
    {
        var rows = ThreeBlobs(4);
        var model = RegimeDiscovery.Fit(rows, new RegimeDiscoveryOptions { MinDwell = TimeSpan.FromSeconds(30) });
        var bytes = ModelIo.Bytes(model.Write);
        var copy = ModelIo.Read(bytes, RegimeModel.Read);

        Assert.Equal(rows.Select(r => model.Assign(r)), rows.Select(r => copy.Assign(r)));
        Assert.Equal(model.TrainingShare, copy.TrainingShare);
        Assert.Equal(model.Reason, copy.Reason);
        Assert.Equal(30_000, copy.MinDwellMs);
        Assert.Equal(model.Candidates, copy.Candidates);
        Assert.Equal(bytes, ModelIo.Bytes(copy.Write));
        ModelIo.AssertEveryTruncationRefused(bytes, RegimeModel.Read);
    }

    [Fact]
    public void Options_AreValidatedByName()
    {
        Assert.Contains("MinK", Assert.Throws<ArgumentException>(() =>
            RegimeDiscovery.Fit([[1.0]], new RegimeDiscoveryOptions { MinK = 1 })).Message, StringComparison.Ordinal);
    }
}
