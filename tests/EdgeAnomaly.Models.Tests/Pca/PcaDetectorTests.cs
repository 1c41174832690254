using EdgeAnomaly.Models.Pca;

namespace EdgeAnomaly.Models.Tests.Pca;

public class PcaDetectorTests
{
    // Two orthonormal directions in 6-D carry variance 9 and 4; isotropic noise 0.05² elsewhere.
    private static readonly double[] DirectionA = Normalise([1, 1, 0, 0, 1, 0]);
    private static readonly double[] DirectionB = Normalise([1, -1, 0, 1, 0, 0]);

    private static double[] Normalise(double[] v)
    {
        var norm = Math.Sqrt(v.Sum(x => x * x));
        return v.Select(x => x / norm).ToArray();
    }

    private static double[][] LowRank(int seed, int n = 3000)
    {
        var random = new Random(seed);
        var rows = new double[n][];
        for (var i = 0; i < n; i++)
        {
            var a = 3 * Synthetic.Gaussian(random);
            var b = 2 * Synthetic.Gaussian(random);
            rows[i] = new double[6];
            for (var j = 0; j < 6; j++)
            {
                rows[i][j] = 10 + a * DirectionA[j] + b * DirectionB[j] + 0.05 * Synthetic.Gaussian(random);
            }
        }
        return rows;
    }

    private static double Dot(ReadOnlySpan<double> a, ReadOnlySpan<double> b)
    {
        var s = 0.0;
        for (var i = 0; i < a.Length; i++)
        {
            s += a[i] * b[i];
        }
        return s;
    }

    [Fact]
    public void Fit_RecoversKnownComponents()
    {
        var pca = PcaDetector.Fit(LowRank(1), new PcaDetectorOptions());

        Assert.Equal(2, pca.Components);
        Assert.True(Math.Abs(Dot(pca.Loading(0), DirectionA)) > 0.999);
        Assert.True(Math.Abs(Dot(pca.Loading(1), DirectionB)) > 0.999);
        Assert.InRange(pca.Eigenvalues[0], 9 * 0.9, 9 * 1.1);
        Assert.InRange(pca.Eigenvalues[1], 4 * 0.9, 4 * 1.1);
        Assert.InRange(pca.Mean[2], 9.99, 10.01);
        Assert.True(pca.ExplainedVariance > 0.95);
        Assert.Empty(pca.Notes);
    }

    [Fact]
    public void Score_OffSubspacePoint_HasLargeSpe_FarInSubspace_HasLargeT2()
    {
        var pca = PcaDetector.Fit(LowRank(2), new PcaDetectorOptions());
        var typical = pca.Score(LowRank(3, 1)[0], []);
        var offSubspace = Enumerable.Repeat(10.0, 6).ToArray();
        offSubspace[2] += 1.0;   // direction orthogonal to both components
        var off = pca.Score(offSubspace, []);
        var farInside = Enumerable.Range(0, 6).Select(j => 10 + 15 * DirectionA[j]).ToArray();
        var far = pca.Score(farInside, []);

        Assert.True(typical.T2 < pca.T2Limit && typical.Spe < pca.SpeLimit, $"{typical} vs {pca.T2Limit}/{pca.SpeLimit}");
        Assert.True(off.Spe > 20 * pca.SpeLimit, $"{off.Spe} vs {pca.SpeLimit}");
        Assert.True(off.T2 < pca.T2Limit, $"{off.T2} vs {pca.T2Limit}");
        Assert.True(far.T2 > 2 * pca.T2Limit, $"{far.T2} vs {pca.T2Limit}");
        Assert.True(far.Spe < pca.SpeLimit);
    }

    [Fact]
    public void Limits_CoverAboutTheConfidenceLevelOfFreshTrainingLikeData()
    {
        var pca = PcaDetector.Fit(LowRank(4), new PcaDetectorOptions { ConfidenceLevel = 0.99 });
        var fresh = LowRank(5, 5000);
        var t2Over = fresh.Count(r => pca.Score(r, []).T2 > pca.T2Limit) / 5000.0;
        var speOver = fresh.Count(r => pca.Score(r, []).Spe > pca.SpeLimit) / 5000.0;
        Assert.InRange(t2Over, 0.002, 0.025);
        Assert.InRange(speOver, 0.002, 0.025);
    }

    [Fact]
    public void Contributions_SumToSpe_AndPointAtTheDeviatingFeature()
    {
        var pca = PcaDetector.Fit(LowRank(6), new PcaDetectorOptions());
        var x = Enumerable.Repeat(10.0, 6).ToArray();
        x[5] += 2;
        var contributions = new double[6];
        var score = pca.Score(x, contributions);
        Assert.Equal(score.Spe, contributions.Sum(), 10);
        Assert.Equal(5, Array.IndexOf(contributions, contributions.Max()));
    }

    [Fact]
    public void Project_GivesComponentCoordinates()
    {
        var pca = PcaDetector.Fit(LowRank(7), new PcaDetectorOptions());
        var x = pca.Mean.ToArray();
        for (var j = 0; j < 6; j++)
        {
            x[j] += 2 * pca.Loading(0)[j] - 1 * pca.Loading(1)[j];
        }
        var scores = new double[2];
        pca.Project(x, scores);
        Assert.Equal(2, scores[0], 9);
        Assert.Equal(-1, scores[1], 9);
    }

    [Fact]
    public void Fit_ConstantColumn_IsNoted_AndItsDeviationCountsInSpe()
    {
        var rows = LowRank(8);
        foreach (var row in rows)
        {
            row[3] = 7.0;
        }
        var pca = PcaDetector.Fit(rows, new PcaDetectorOptions { VarianceFraction = 1.0 });

        Assert.Contains(pca.Notes, n => n.Contains("constant columns in training [3]", StringComparison.Ordinal));
        Assert.Equal(5, pca.Components);   // six columns, one constant: rank 5
        var x = pca.Mean.ToArray();
        x[3] += 0.5;
        var contributions = new double[6];
        var score = pca.Score(x, contributions);
        Assert.Equal(0.25, score.Spe, 9);
        Assert.Equal(0.25, contributions[3], 9);
        Assert.Equal(0, score.T2, 9);
    }

    [Fact]
    public void Fit_CollinearColumns_DropsZeroVarianceDirections()
    {
        var random = new Random(9);
        var rows = Enumerable.Range(0, 200).Select(_ =>
        {
            var a = Synthetic.Gaussian(random);
            var b = Synthetic.Gaussian(random);
            return new[] { a, b, a + b, 2 * a };
        }).ToArray();
        var pca = PcaDetector.Fit(rows, new PcaDetectorOptions { VarianceFraction = 1.0 });
        Assert.Equal(2, pca.Components);
        Assert.Contains(pca.Notes, n => n.Contains("rank 2 of 4", StringComparison.Ordinal));
        Assert.Contains(pca.Notes, n => n.Contains("no residual variance", StringComparison.Ordinal));
        Assert.True(double.IsFinite(pca.Score(rows[0], []).T2));
    }

    [Fact]
    public void Fit_AllConstant_HasNoComponents_SpeIsDistanceToMean()
    {
        var rows = Enumerable.Range(0, 20).Select(_ => new[] { 1.0, 2.0 }).ToArray();
        var pca = PcaDetector.Fit(rows, new PcaDetectorOptions());
        Assert.Equal(0, pca.Components);
        var score = pca.Score([2.0, 2.0], []);
        Assert.Equal(new PcaScore(0, 1), score);
        Assert.Contains(pca.Notes, n => n.Contains("no variance", StringComparison.Ordinal));
    }

    [Fact]
    public void MaxComponents_CapsAndIsNoted()
    {
        var pca = PcaDetector.Fit(LowRank(10), new PcaDetectorOptions { MaxComponents = 1 });
        Assert.Equal(1, pca.Components);
        Assert.Contains(pca.Notes, n => n.Contains("MaxComponents", StringComparison.Ordinal));
    }

    [Fact]
    public void WriteRead_RoundTrip_GivesIdenticalScores()
    {
        var rows = LowRank(11);
        rows[0][3] = rows[0][3];
        var pca = PcaDetector.Fit(rows, new PcaDetectorOptions());
        var bytes = ModelIo.Bytes(pca.Write);
        var copy = ModelIo.Read(bytes, PcaDetector.Read);
        var probe = LowRank(12, 50);
        Assert.Equal(probe.Select(r => pca.Score(r, [])), probe.Select(r => copy.Score(r, [])));
        Assert.Equal(pca.T2Limit, copy.T2Limit);
        Assert.Equal(pca.SpeLimit, copy.SpeLimit);
        Assert.Equal(bytes, ModelIo.Bytes(copy.Write));
    }

    [Fact]
    public void Read_TruncatedOrCorrupt_IsRefused()
    {
        var pca = PcaDetector.Fit(LowRank(13, 100), new PcaDetectorOptions());
        var bytes = ModelIo.Bytes(pca.Write);
        ModelIo.AssertEveryTruncationRefused(bytes, PcaDetector.Read);

        var tooManyComponents = (byte[])bytes.Clone();
        BitConverter.TryWriteBytes(tooManyComponents.AsSpan(8), 7);
        Assert.Contains("components", Assert.Throws<InvalidDataException>(() => ModelIo.Read(tooManyComponents, PcaDetector.Read)).Message, StringComparison.Ordinal);

        // Last loading value scaled: the loading is no longer a unit vector.
        var notUnit = (byte[])bytes.Clone();
        var lastLoadingOffset = bytes.Length - 4 - 8;   // before the note count (int), the last double
        BitConverter.TryWriteBytes(notUnit.AsSpan(lastLoadingOffset), 0.9);
        Assert.Throws<InvalidDataException>(() => ModelIo.Read(notUnit, PcaDetector.Read));
    }

    [Fact]
    public void Score_WrongLength_Throws()
    {
        var pca = PcaDetector.Fit(LowRank(14, 50), new PcaDetectorOptions());
        Assert.Throws<ArgumentException>(() => pca.Score([1.0, 2.0], []));
        Assert.Throws<ArgumentException>(() => pca.Score(new double[6], new double[3]));
        Assert.Contains("VarianceFraction", Assert.Throws<ArgumentException>(() =>
            PcaDetector.Fit(LowRank(1, 10), new PcaDetectorOptions { VarianceFraction = 0 })).Message, StringComparison.Ordinal);
    }
}
