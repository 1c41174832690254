using EdgeAnomaly.Scoring.Bundle;
using EdgeAnomaly.Scoring.Pipeline;
using EdgeAnomaly.Scoring.Tests.Pipeline;
using EdgeAnomaly.TestSupport;

namespace EdgeAnomaly.Scoring.Tests.Bundle;

public class ModelBundleTests
{
    private static readonly Lazy<AssetModel> Model = new(() => AssetModelTrainer.Train("pump-1", Synthetic.History(3600), Synthetic.Options()));

    private static List<StepResult> Score(AssetModel model)
    {
        var steps = new List<StepResult>();
        var scorer = new AssetScorer(model) { StepScored = steps.Add };
        var random = new Random(21);
        for (var i = 0; i < 1800; i++)
        {
            scorer.AddRow(Synthetic.Start + (i * 1000L), Synthetic.Row(i, random, 900, 1200));
        }
        return steps;
    }

    [Fact]
    public void RoundTrip_GivesIdenticalScores_AndKeepsTheMetadata()
    {
        using var dir = new TempDirectory();
        var path = dir.File("pump-1.eamb");
        ModelBundle.Save(Model.Value, path);
        var loaded = ModelBundle.Load(path, "pump-1");
        Assert.Equal(Score(Model.Value), Score(loaded));
        Assert.Equal(Model.Value.Threshold, loaded.Threshold);
        Assert.Equal(Model.Value.Metadata.Fallbacks, loaded.Metadata.Fallbacks);
        Assert.Equal(Model.Value.Metadata.Steps, loaded.Metadata.Steps);
        Assert.Equal(Model.Value.Metadata.CreatedAtMs, loaded.Metadata.CreatedAtMs);
        Assert.Equal(Model.Value.Spec.ColumnNames, loaded.Spec.ColumnNames);
        // and writing the loaded model again gives the same bytes
        Assert.Equal(ModelBundle.ToBytes(Model.Value), ModelBundle.ToBytes(loaded));
    }

    [Fact]
    public void AlteredByte_IsRefusedByTheChecksum()
    {
        var bytes = ModelBundle.ToBytes(Model.Value);
        bytes[bytes.Length / 2] ^= 0x40;
        var e = Assert.Throws<ModelBundleException>(() => ModelBundle.FromBytes(bytes));
        Assert.Equal(BundleFault.ChecksumMismatch, e.Fault);
        Assert.Contains("SHA-256", e.Message);
    }

    [Theory]
    [InlineData(2)]
    [InlineData(11)]
    [InlineData(500)]
    [InlineData(-40)]
    [InlineData(-1)]
    public void TruncatedBundle_IsRefused(int keep)
    {
        var bytes = ModelBundle.ToBytes(Model.Value);
        var cut = keep > 0 ? bytes[..keep] : bytes[..(bytes.Length + keep)];
        var e = Assert.Throws<ModelBundleException>(() => ModelBundle.FromBytes(cut));
        Assert.Equal(BundleFault.Truncated, e.Fault);
    }

    [Fact]
    public void OtherFormatVersion_IsRefusedNamingTheVersion()
    {
        var bytes = ModelBundle.ToBytes(Model.Value);
        bytes[4] = 9;
        var e = Assert.Throws<ModelBundleException>(() => ModelBundle.FromBytes(bytes));
        Assert.Equal(BundleFault.UnsupportedVersion, e.Fault);
        Assert.Contains("version 9", e.Message);
    }

    [Fact]
    public void BundleOfAnotherAsset_IsRefused()
    {
        var e = Assert.Throws<ModelBundleException>(() => ModelBundle.FromBytes(ModelBundle.ToBytes(Model.Value), "pump-2"));
        Assert.Equal(BundleFault.WrongAsset, e.Fault);
        Assert.Contains("'pump-1'", e.Message);
        var tags = Assert.Throws<ModelBundleException>(() => ModelBundle.CheckTags(Model.Value, ["speed", "current", "pressure"]));
        Assert.Equal(BundleFault.WrongAsset, tags.Fault);
    }

    [Fact]
    public void ForeignFile_IsNotABundle()
    {
        var e = Assert.Throws<ModelBundleException>(() => ModelBundle.FromBytes("timestamp,value\n1,2\n"u8.ToArray()));
        Assert.Equal(BundleFault.NotABundle, e.Fault);
    }

    [Fact]
    public void InconsistentContent_WithAValidChecksum_IsRefusedAsCorrupt()
    {
        // A faulty writer: valid envelope and checksum around content that is not a model.
        var content = new byte[64];
        var bytes = new byte[12 + content.Length + 36];
        "EAMB"u8.CopyTo(bytes);
        bytes[4] = 1;
        BitConverter.GetBytes(content.Length).CopyTo(bytes, 8);
        System.Security.Cryptography.SHA256.HashData(bytes.AsSpan(0, 12 + content.Length), bytes.AsSpan(12 + content.Length, 32));
        var e = Assert.Throws<ModelBundleException>(() => ModelBundle.FromBytes(bytes));
        Assert.Equal(BundleFault.Corrupt, e.Fault);
    }

    [Fact]
    public void HundredTrees_On16Tags_FitIn300KB()
    {
        var tags = Enumerable.Range(0, 16).Select(i => "tag" + i).ToArray();
        var history = new TrainingHistory(tags);
        var random = new Random(8);
        var row = new double[16];
        for (var i = 0; i < 3600; i++)
        {
            var driver = Math.Sin(i / 300.0);
            for (var t = 0; t < 16; t++)
            {
                row[t] = (driver * (t % 3)) + (0.1 * Synthetic.Gaussian(random));
            }
            history.AddRow(1000L * i, row);
        }
        var options = new ScoringOptions();
        options.Forest.Trees = 100;
        var model = AssetModelTrainer.Train("big", history, options);
        var size = ModelBundle.ToBytes(model).Length;
        Assert.Equal(100, model.Forest.Trees);
        Assert.True(size <= 300 * 1024, $"bundle is {size} bytes");
    }
}
