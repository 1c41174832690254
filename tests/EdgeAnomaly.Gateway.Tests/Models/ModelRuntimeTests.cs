using EdgeAnomaly.Core.Events;
using EdgeAnomaly.Core.Readings;
using EdgeAnomaly.Core.Tags;
using EdgeAnomaly.Runtime.Configuration;
using EdgeAnomaly.Runtime.Models;
using EdgeAnomaly.Scoring.Bundle;
using EdgeAnomaly.Scoring.Pipeline;
using EdgeAnomaly.TestSupport;
using Microsoft.Extensions.Logging.Abstractions;

namespace EdgeAnomaly.Gateway.Tests.Models;

/// <summary>Bundles trained once for the class: a good model for a01, a different good one, and one for another asset.</summary>
public sealed class TrainedBundles
{
    public const long TrainStartMs = 1_780_000_000_000;

    public TrainedBundles()
    {
        Good = ModelBundle.ToBytes(SyntheticAsset.Train("a01", TrainStartMs, 1800, seed: 1));
        Other = ModelBundle.ToBytes(SyntheticAsset.Train("a01", TrainStartMs, 1500, seed: 2));
        ForA02 = ModelBundle.ToBytes(SyntheticAsset.Train("a02", TrainStartMs, 1500, seed: 3));
    }

    public byte[] Good { get; }

    public byte[] Other { get; }

    public byte[] ForA02 { get; }
}

/// <summary>
/// The model runtime without the rest of the gateway: the test thread plays the pipeline thread (OnReading, OnTick),
/// events go to a real <see cref="EventTracker"/>, bundles are real files.
/// </summary>
public sealed class ModelRuntimeTests(TrainedBundles bundles) : IClassFixture<TrainedBundles>, IDisposable
{
    private readonly TempDirectory _dir = new();
    private readonly List<GatewayEvent> _events = [];

    public void Dispose() => _dir.Dispose();

    private static List<AssetConfig> Assets() =>
    [
        new AssetConfig { Name = "a01", Type = "machine", Tags = [new TagConfig { Name = "x" }, new TagConfig { Name = "y" }] },
        new AssetConfig { Name = "a02", Type = "machine", Tags = [new TagConfig { Name = "x" }, new TagConfig { Name = "y" }] },
    ];

    private ModelsSection Section(bool autoTrain = true, TimeSpan? warmUp = null, bool retrainOnDrift = false) => new()
    {
        BundleDirectory = _dir.Path,
        AutoTrain = autoTrain,
        RetrainOnDrift = retrainOnDrift,
        WarmUp = warmUp ?? TimeSpan.FromMinutes(30),
        MinTrainingSteps = 60,
        ReloadInterval = TimeSpan.Zero,
        Scoring = SyntheticAsset.FastScoring(),
        Assets = [new ModelAssetSection { Name = "a02", Enabled = false }],
    };

    private sealed record Harness(ModelRuntime Runtime, EventTracker Tracker, TagRegistry Registry, TagValues Values);

    private static Harness Create(ModelsSection section)
    {
        var assets = Assets();
        Assert.Empty(ModelsConfig.Validate(section, assets));
        var config = new GatewayConfig { Assets = assets };
        var registry = ConfigLoader.BuildRegistry(config);
        var values = new TagValues(registry.TagCount);
        var tracker = new EventTracker("gw-test", registry, values);
        var runtime = new ModelRuntime(section, ModelsConfig.ResolveAll(section, assets), registry, tracker, TimeProvider.System,
            NullLogger<ModelRuntime>.Instance);
        return new Harness(runtime, tracker, registry, values);
    }

    private string BundlePath => Path.Combine(_dir.Path, "a01" + ModelsConfig.BundleExtension);

    /// <summary>Feeds rows as the pipeline would: each reading, and a tick every 10 rows.</summary>
    private void Feed(Harness h, IEnumerable<(long Ts, double X, double Y)> rows)
    {
        h.Registry.TryGetTag("a01", "x", out var x);
        h.Registry.TryGetTag("a01", "y", out var y);
        var n = 0;
        foreach (var (ts, vx, vy) in rows)
        {
            var rx = new Reading(x, ts, vx);
            var ry = new Reading(y, ts, vy);
            h.Values.Update(rx);
            h.Values.Update(ry);
            h.Runtime.OnReading(rx);
            h.Runtime.OnReading(ry);
            if (++n % 10 == 0)
            {
                h.Runtime.OnTick();
            }
        }
        h.Runtime.OnTick();
        h.Tracker.DrainRevisions(_events);
    }

    [Fact]
    public async Task NoBundle_AfterWarmUp_TrainsInBackground_WritesTheBundle_AndSwapsTheModelIn()
    {
        var h = Create(Section());
        await h.Runtime.StartAsync(CancellationToken.None);
        Assert.Equal(ModelState.WarmingUp, h.Runtime.StatusOf("a01")!.State);
        Assert.Null(h.Runtime.StatusOf("a02"));

        var start = TrainedBundles.TrainStartMs;
        Feed(h, SyntheticAsset.Rows(start, 900, seed: 11));
        var halfway = h.Runtime.StatusOf("a01")!;
        Assert.Equal(ModelState.WarmingUp, halfway.State);
        Assert.InRange(halfway.ProgressPercent, 45, 55);

        Feed(h, SyntheticAsset.Rows(start + 900_000, 901, seed: 12));
        await Eventually.True(() =>
        {
            h.Runtime.OnTick();
            return h.Runtime.StatusOf("a01")!.State == ModelState.Active;
        }, TimeSpan.FromSeconds(120), "the warmed-up asset is trained in the background and its model swapped in");
        var active = h.Runtime.StatusOf("a01")!;
        Assert.Equal("active v1", active.Text);
        Assert.True(File.Exists(BundlePath), "the self-trained bundle is saved");
        Assert.False(File.Exists(BundlePath + ".tmp"), "no temporary file is left behind");
        var saved = ModelBundle.Load(BundlePath, "a01");
        Assert.True(saved.Metadata.Steps >= 60, $"trained on {saved.Metadata.Steps} steps");

        // Live scoring with the swapped-in model: normal data, then the decouple fault on y.
        var liveStart = start + 3_600_000;
        Feed(h, SyntheticAsset.Rows(liveStart, 1200, seed: 13, faultStartMs: liveStart + 600_000, faultEndMs: liveStart + 1_200_000));
        Assert.True(h.Runtime.StatusOf("a01")!.Steps > 200);
        var model = _events.Where(e => e.Kind == EventKind.Model && e.Source == AssetScorer.AnomalySourceKey).ToList();
        Assert.NotEmpty(model);
        Assert.Contains(model, e => e.StartMs >= liveStart + 600_000 - 30_000 && e.Asset == "a01");
        Assert.DoesNotContain(model, e => e.StartMs < liveStart + 600_000 - 30_000);
        await h.Runtime.StopAsync(CancellationToken.None);
    }

    [Fact]
    public async Task GoodBundleInForce_BadBundlesOnDiskAreRefused_TheGoodOneKeepsScoring_AValidOneReplacesIt()
    {
        File.WriteAllBytes(BundlePath, bundles.Good);
        var h = Create(Section());
        await h.Runtime.StartAsync(CancellationToken.None);
        Assert.Equal("active v1", h.Runtime.StatusOf("a01")!.Text);
        var t = TrainedBundles.TrainStartMs + 7_200_000;
        Feed(h, SyntheticAsset.Rows(t, 300, seed: 21));
        var steps = h.Runtime.StatusOf("a01")!.Steps;
        Assert.True(steps > 40);

        var refusals = new (byte[] Bytes, string Fault)[]
        {
            (bundles.Good[..(bundles.Good.Length / 2)], "truncated"),
            (bundles.ForA02, "wrong-asset"),
            (Corrupt(bundles.Other), "checksum"),
        };
        foreach (var (bytes, fault) in refusals)
        {
            File.WriteAllBytes(BundlePath, bytes);
            h.Runtime.CheckBundles();
            h.Runtime.OnTick();
            var status = h.Runtime.StatusOf("a01")!;
            Assert.Equal("active v1", status.Text);
            Assert.StartsWith(fault, status.RefusedUpdate, StringComparison.Ordinal);
            t += 300_000;
            Feed(h, SyntheticAsset.Rows(t, 300, seed: 22));
            Assert.True(h.Runtime.StatusOf("a01")!.Steps > steps, $"the model in force keeps scoring after a refused {fault} bundle");
            steps = h.Runtime.StatusOf("a01")!.Steps;
        }

        File.WriteAllBytes(BundlePath, bundles.Other);
        h.Runtime.CheckBundles();
        h.Runtime.OnTick();
        var replaced = h.Runtime.StatusOf("a01")!;
        Assert.Equal("active v2", replaced.Text);
        Assert.Null(replaced.RefusedUpdate);
        Assert.Equal(ModelBundle.FromBytes(bundles.Other).Metadata.CreatedAtMs, replaced.CreatedAtMs);
        await h.Runtime.StopAsync(CancellationToken.None);
    }

    [Fact]
    public async Task Drift_MarksTheModelStale_RaisesARetrainRequest_AndWithRetrainOnDriftAReplacementIsTrained()
    {
        File.WriteAllBytes(BundlePath, bundles.Good);
        var h = Create(Section(warmUp: TimeSpan.FromMinutes(10), retrainOnDrift: true));
        await h.Runtime.StartAsync(CancellationToken.None);
        var t = TrainedBundles.TrainStartMs + 7_200_000;
        Feed(h, SyntheticAsset.Rows(t, 600, seed: 51));
        Assert.Equal("active v1", h.Runtime.StatusOf("a01")!.Text);
        Assert.DoesNotContain(_events, e => e.Source == AssetScorer.RetrainSourceKey);

        // The machine settles at a steady high load it never held in training: a new operating point.
        t += 600_000;
        Feed(h, SyntheticAsset.Rows(t, 300, seed: 52, load: _ => 0.8));
        var stale = h.Runtime.StatusOf("a01")!;
        Assert.Equal(ModelState.Stale, stale.State);
        Assert.StartsWith("stale v1: ", stale.Text, StringComparison.Ordinal);
        Assert.Contains("retraining: warming-up", stale.Detail, StringComparison.Ordinal);
        var retrain = Assert.Single(_events, e => e.Source == AssetScorer.RetrainSourceKey && e.State == EventState.Open);
        Assert.Equal(EventKind.Model, retrain.Kind);
        Assert.Equal(Severity.Info, retrain.Severity);

        // The warm-up runs on what comes after the drift; the stale model scores meanwhile, then the new one takes over.
        t += 300_000;
        Feed(h, SyntheticAsset.Rows(t, 660, seed: 53, load: ts => 0.8 + (0.05 * Math.Sin(ts / 9000.0))));
        await Eventually.True(() =>
        {
            h.Runtime.OnTick();
            return h.Runtime.StatusOf("a01")!.Text == "active v2";
        }, TimeSpan.FromSeconds(120), "the replacement trained on post-drift data is put in force");
        // The run is counted when the training loop gets control back, which may be just after the swap was posted.
        await Eventually.True(() => h.Runtime.TrainingRuns >= 1, TimeSpan.FromSeconds(10), "the training run is counted");
        Assert.Equal(1, h.Runtime.TrainingRuns);
        await h.Runtime.StopAsync(CancellationToken.None);
    }

    public static TheoryData<string, string> BadBundles => new()
    {
        { "truncated", "truncated" },
        { "garbage", "not-a-bundle" },
        { "version", "wrong-version" },
        { "flipped", "checksum" },
        { "a02", "wrong-asset" },
        { "empty", "truncated" },
    };

    [Theory]
    [MemberData(nameof(BadBundles))]
    public async Task BadBundleAtStart_IsRefusedWithItsReason_NothingIsTrainedOverIt_ReadingsAreHarmless(string kind, string fault)
    {
        var bytes = kind switch
        {
            "truncated" => bundles.Good[..(bundles.Good.Length - 100)],
            "garbage" => "this is not a model"u8.ToArray(),
            "version" => WithVersion(bundles.Good, 99),
            "flipped" => Corrupt(bundles.Good),
            "a02" => bundles.ForA02,
            _ => [],
        };
        File.WriteAllBytes(BundlePath, bytes);
        var h = Create(Section(warmUp: TimeSpan.FromMinutes(10)));
        await h.Runtime.StartAsync(CancellationToken.None);
        var status = h.Runtime.StatusOf("a01")!;
        Assert.Equal(ModelState.Refused, status.State);
        Assert.StartsWith("refused: " + fault, status.Text, StringComparison.Ordinal);

        Feed(h, SyntheticAsset.Rows(TrainedBundles.TrainStartMs, 900, seed: 31));
        Assert.Equal(ModelState.Refused, h.Runtime.StatusOf("a01")!.State);
        Assert.Equal(0, h.Runtime.TrainingRuns);
        Assert.Equal(bytes, File.ReadAllBytes(BundlePath));
        Assert.Empty(_events);
        await h.Runtime.StopAsync(CancellationToken.None);
    }

    [Fact]
    public async Task AutoTrainOff_NoBundle_StateIsNone_AndNothingIsBuffered()
    {
        var h = Create(Section(autoTrain: false, warmUp: TimeSpan.FromMinutes(10)));
        await h.Runtime.StartAsync(CancellationToken.None);
        Feed(h, SyntheticAsset.Rows(TrainedBundles.TrainStartMs, 900, seed: 41));
        var status = h.Runtime.StatusOf("a01")!;
        Assert.Equal(ModelState.None, status.State);
        Assert.Equal("none", status.Text);
        Assert.Equal(0, h.Runtime.TrainingRuns);
        Assert.False(File.Exists(BundlePath));
        await h.Runtime.StopAsync(CancellationToken.None);
    }

    [Fact]
    public void WriteAtomically_ReplacesTheFileWhole_AndLeavesNoTemporary()
    {
        var path = Path.Combine(_dir.Path, "sub", "m.eamb");
        BundleFiles.WriteAtomically(path, bundles.Good);
        BundleFiles.WriteAtomically(path, bundles.Other);
        Assert.Equal(bundles.Other, File.ReadAllBytes(path));
        Assert.Equal(["m.eamb"], Directory.GetFiles(Path.GetDirectoryName(path)!).Select(Path.GetFileName));
    }

    private static byte[] Corrupt(byte[] bundle)
    {
        var copy = (byte[])bundle.Clone();
        copy[copy.Length / 2] ^= 0x5A;
        return copy;
    }

    private static byte[] WithVersion(byte[] bundle, ushort version)
    {
        var copy = (byte[])bundle.Clone();
        System.Buffers.Binary.BinaryPrimitives.WriteUInt16LittleEndian(copy.AsSpan(4), version);
        return copy;
    }
}
