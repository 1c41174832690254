using EdgeAnomaly.Models.Evaluation;
using EdgeAnomaly.Models.Forest;

namespace EdgeAnomaly.Models.Tests.Forest;

public class IsolationForestTests
{
    // Reference values: scikit-learn 1.2.1 sklearn.ensemble._iforest._average_path_length.
    [Theory]
    [InlineData(0, 0.0)]
    [InlineData(1, 0.0)]
    [InlineData(2, 1.0)]
    [InlineData(3, 1.207392357589623)]
    [InlineData(4, 1.8516559071392846)]
    [InlineData(10, 3.748880484475504)]
    [InlineData(100, 8.364671030072245)]
    [InlineData(256, 10.244770920119917)]
    [InlineData(1000, 12.969940887100172)]
    public void AveragePathLength_MatchesTable(int n, double expected) =>
        Assert.Equal(expected, IsolationForest.AveragePathLength(n), 12);

    private static (double[][] Train, double[][] Test, bool[] Labels) PlantedOutliers(int seed)
    {
        var random = new Random(seed);
        var train = Synthetic.GaussianRows(random, 2000, 6);
        var inliers = Synthetic.GaussianRows(random, 500, 6);
        // Planted outliers: uniform in [-6, 6]^6, the usual Isolation Forest test design (scikit-learn 1.2.1 reaches an
        // AUC of about 0.9998 on it). A single feature pushed out alone is much harder for both: about 0.90.
        var outliers = new double[25][];
        for (var i = 0; i < outliers.Length; i++)
        {
            outliers[i] = Enumerable.Range(0, 6).Select(_ => -6 + 12 * random.NextDouble()).ToArray();
        }
        var test = inliers.Concat(outliers).ToArray();
        var labels = inliers.Select(_ => false).Concat(outliers.Select(_ => true)).ToArray();
        return (train, test, labels);
    }

    [Fact]
    public void Score_RanksPlantedOutliersAboveInliers()
    {
        var (train, test, labels) = PlantedOutliers(seed: 7);
        var forest = IsolationForest.Train(train, new IsolationForestOptions());
        var scores = test.Select(r => forest.Score(r)).ToArray();

        Assert.True(RocAuc.Compute(scores, labels) > 0.95, $"AUC {RocAuc.Compute(scores, labels)}");
        Assert.All(scores, s => Assert.InRange(s, double.Epsilon, 1 - 1e-12));
        Assert.Equal(6, forest.Dimensions);
        Assert.Equal(256, forest.SampleSize);
        Assert.Equal(8, forest.HeightLimit);
    }

    [Fact]
    public void Train_SameSeed_SameScores_DifferentSeed_DifferentScores()
    {
        var (train, test, _) = PlantedOutliers(seed: 3);
        var a = IsolationForest.Train(train, new IsolationForestOptions { Seed = 5 });
        var b = IsolationForest.Train(train, new IsolationForestOptions { Seed = 5 });
        var c = IsolationForest.Train(train, new IsolationForestOptions { Seed = 6 });
        Assert.Equal(test.Select(r => a.Score(r)), test.Select(r => b.Score(r)));
        Assert.NotEqual(test.Select(r => a.Score(r)), test.Select(r => c.Score(r)));
    }

    [Fact]
    public void WriteRead_RoundTrip_GivesIdenticalScores_AndCompactSize()
    {
        var (train, test, _) = PlantedOutliers(seed: 11);
        var forest = IsolationForest.Train(train, new IsolationForestOptions());
        var bytes = Serialize(forest);
        var copy = IsolationForest.Read(new BinaryReader(new MemoryStream(bytes)));

        Assert.Equal(test.Select(r => forest.Score(r)), test.Select(r => copy.Score(r)));
        Assert.Equal(bytes, Serialize(copy));
        Assert.True(bytes.Length <= 300 * 1024, $"{bytes.Length} bytes for 100 trees x 256");
    }

    [Fact]
    public void ScoreMany_EqualsScore()
    {
        var (train, test, _) = PlantedOutliers(seed: 2);
        var forest = IsolationForest.Train(train, new IsolationForestOptions { Trees = 20 });
        var flat = test.SelectMany(r => r).ToArray();
        var scores = new double[test.Length];
        forest.ScoreMany(flat, scores);
        Assert.Equal(test.Select(r => forest.Score(r)), scores);
    }

    [Fact]
    public void Read_TruncatedInput_IsRefusedAtEveryLength()
    {
        var random = new Random(1);
        var forest = IsolationForest.Train(Synthetic.GaussianRows(random, 64, 3), new IsolationForestOptions { Trees = 3, SubsampleSize = 32 });
        var bytes = Serialize(forest);
        for (var length = 0; length < bytes.Length; length++)
        {
            var truncated = bytes.AsSpan(0, length).ToArray();
            Assert.Throws<InvalidDataException>(() => IsolationForest.Read(new BinaryReader(new MemoryStream(truncated))));
        }
    }

    [Fact]
    public void Read_CorruptInput_IsRefusedWithAClearMessage()
    {
        var random = new Random(1);
        var forest = IsolationForest.Train(Synthetic.GaussianRows(random, 64, 3), new IsolationForestOptions { Trees = 3, SubsampleSize = 32 });
        var bytes = Serialize(forest);

        var badTag = (byte[])bytes.Clone();
        badTag[0] = (byte)'X';
        Assert.Contains("IFOR", Assert.Throws<InvalidDataException>(() => Read(badTag)).Message, StringComparison.Ordinal);

        var badDimensions = (byte[])bytes.Clone();
        BitConverter.TryWriteBytes(badDimensions.AsSpan(4), 0);
        Assert.Contains("dimensions", Assert.Throws<InvalidDataException>(() => Read(badDimensions)).Message, StringComparison.Ordinal);

        // Root node of the first tree (after tag, 3 ints and the node count) turned into a one-row leaf:
        // the leaves then hold fewer rows than psi, and the node count disagrees.
        var badRoot = (byte[])bytes.Clone();
        BitConverter.TryWriteBytes(badRoot.AsSpan(4 + 12 + 2), (ushort)(3 + 1));
        Assert.Throws<InvalidDataException>(() => Read(badRoot));

        var nanSplit = (byte[])bytes.Clone();
        BitConverter.TryWriteBytes(nanSplit.AsSpan(4 + 12 + 2 + 2), float.NaN);
        Assert.Contains("finite", Assert.Throws<InvalidDataException>(() => Read(nanSplit)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Train_ConstantAndDuplicateRows_GiveLeavesAndFiniteScores()
    {
        var rows = Enumerable.Range(0, 300).Select(i => new[] { 1.0, i % 2 == 0 ? 5.0 : 5.0, i < 290 ? 0.0 : 10.0 }).ToArray();
        var forest = IsolationForest.Train(rows, new IsolationForestOptions { Trees = 10 });
        var usual = forest.Score([1.0, 5.0, 0.0]);
        var rare = forest.Score([1.0, 5.0, 10.0]);
        Assert.True(rare > usual);
        Assert.InRange(usual, 0, 1);
        var copy = Read(Serialize(forest));
        Assert.Equal(rare, copy.Score([1.0, 5.0, 10.0]));
    }

    [Fact]
    public void Train_FewerRowsThanSubsample_UsesAllRows()
    {
        var forest = IsolationForest.Train(Synthetic.GaussianRows(new Random(4), 50, 2), new IsolationForestOptions());
        Assert.Equal(50, forest.SampleSize);
        Assert.Equal(6, forest.HeightLimit);
    }

    [Fact]
    public void Train_InvalidInput_NamesTheProblem()
    {
        Assert.Contains("Trees", Assert.Throws<ArgumentException>(() =>
            IsolationForest.Train([[1.0], [2.0]], new IsolationForestOptions { Trees = 0 })).Message, StringComparison.Ordinal);
        Assert.Contains("row 1", Assert.Throws<ArgumentException>(() =>
            IsolationForest.Train([[1.0], [double.NaN]], new IsolationForestOptions())).Message, StringComparison.Ordinal);
        var forest = IsolationForest.Train([[1.0], [2.0], [3.0]], new IsolationForestOptions { Trees = 2 });
        Assert.Throws<ArgumentException>(() => forest.Score([1.0, 2.0]));
    }

    private static byte[] Serialize(IsolationForest forest)
    {
        using var stream = new MemoryStream();
        using (var w = new BinaryWriter(stream, System.Text.Encoding.UTF8, leaveOpen: true))
        {
            forest.Write(w);
        }
        return stream.ToArray();
    }

    private static IsolationForest Read(byte[] bytes) => IsolationForest.Read(new BinaryReader(new MemoryStream(bytes)));
}
