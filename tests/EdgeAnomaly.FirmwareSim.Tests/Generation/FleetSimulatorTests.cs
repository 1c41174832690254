using System.Diagnostics;
using System.Text.Json;
using EdgeAnomaly.FirmwareSim.Fleet;
using EdgeAnomaly.FirmwareSim.Generation;

namespace EdgeAnomaly.FirmwareSim.Tests.Generation;

public class FleetSimulatorTests
{
    [Fact]
    public void Run_SameSeed_ProducesIdenticalPayloads()
    {
        var spec = FleetSpec.Default(3, 2);

        var a = Sim.Run(spec, TimeSpan.FromMinutes(20), seed: 5);
        var b = Sim.Run(spec, TimeSpan.FromMinutes(20), seed: 5);

        Assert.Equal(a.Messages.Count, b.Messages.Count);
        for (var i = 0; i < a.Messages.Count; i++)
        {
            Assert.Equal(a.Messages[i].Payload, b.Messages[i].Payload);
        }
    }

    [Fact]
    public void Run_OtherSeed_ProducesOtherValues()
    {
        var spec = FleetSpec.Default(1, 1);

        var a = ContractReader.Readings(Sim.Run(spec, TimeSpan.FromMinutes(5), seed: 1));
        var b = ContractReader.Readings(Sim.Run(spec, TimeSpan.FromMinutes(5), seed: 2));

        Assert.Equal(a.Count, b.Count);
        Assert.True(a.Zip(b).Count(p => p.First.Value != p.Second.Value) > a.Count / 2);
    }

    [Fact]
    public void Run_OneHourOfFourNodes_TakesWellUnderASecond()
    {
        var spec = FleetSpec.Default(4, 1);
        var watch = Stopwatch.StartNew();

        var recording = Sim.Run(spec, TimeSpan.FromHours(1));

        watch.Stop();
        Assert.Equal((long)(spec.ReadingsPerSecond * 3600), recording.Messages.Sum(m => (long)m.ReadingCount));
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(3), $"took {watch.Elapsed}");
    }

    [Theory]
    [InlineData(1)]
    [InlineData(5)]
    [InlineData(10)]
    [InlineData(100)]
    public void Run_BatchSize_NoMessageExceedsItAndEveryReadingIsSentOnce(int batch)
    {
        var spec = FleetSpec.Default(2, 2);

        var recording = Sim.Run(spec, TimeSpan.FromMinutes(10), batch: batch);

        Assert.All(recording.Messages, m => Assert.InRange(m.ReadingCount, 1, batch));
        var readings = ContractReader.Readings(recording);
        Assert.Equal(recording.Messages.Sum(m => m.ReadingCount), readings.Count);
        Assert.Equal(readings.Count, readings.Select(r => (r.Asset, r.Tag, r.Ts)).Distinct().Count());
        Assert.Equal((long)(spec.ReadingsPerSecond * 600), readings.Count);
    }

    [Fact]
    public void Run_BatchOfOne_UsesSingleReadingPayloadForm()
    {
        var recording = Sim.Run(FleetSpec.Default(1, 1), TimeSpan.FromSeconds(10), batch: 1);

        foreach (var m in recording.Messages)
        {
            using var doc = JsonDocument.Parse(m.Payload);
            var root = doc.RootElement;
            Assert.False(root.TryGetProperty("readings", out _));
            Assert.Equal(["v", "seq", "ts", "asset", "tag", "value"], root.EnumerateObject().Select(p => p.Name));
            Assert.Equal(JsonValueKind.Number, root.GetProperty("value").ValueKind);
        }
    }

    [Fact]
    public void Run_Batches_FollowContractWithBatchDefaultsAndOverrides()
    {
        // Two assets on one node, so a batch mixes assets and timestamps.
        var recording = Sim.Run(FleetSpec.Default(1, 2), TimeSpan.FromMinutes(2), batch: 50);

        var sawAssetOverride = false;
        var sawTsOverride = false;
        foreach (var m in recording.Messages)
        {
            Assert.True(m.Payload.Length <= 65536);
            using var doc = JsonDocument.Parse(m.Payload);
            var root = doc.RootElement;
            Assert.Equal(1, root.GetProperty("v").GetInt32());
            Assert.Equal(m.Seq, root.GetProperty("seq").GetUInt32());
            Assert.Equal(JsonValueKind.String, root.GetProperty("asset").ValueKind);
            Assert.Equal(JsonValueKind.Number, root.GetProperty("ts").ValueKind);
            foreach (var r in root.GetProperty("readings").EnumerateArray())
            {
                Assert.Equal(JsonValueKind.String, r.GetProperty("tag").ValueKind);
                Assert.Equal(JsonValueKind.Number, r.GetProperty("value").ValueKind);
                sawAssetOverride |= r.TryGetProperty("asset", out _);
                sawTsOverride |= r.TryGetProperty("ts", out _);
            }
        }
        Assert.True(sawAssetOverride);
        Assert.True(sawTsOverride);
    }

    [Fact]
    public void Run_Seq_IncreasesByOnePerMessagePerNodeFromOne()
    {
        var recording = Sim.Run(FleetSpec.Default(3, 1), TimeSpan.FromMinutes(10));

        foreach (var group in recording.Messages.GroupBy(m => m.NodeId))
        {
            var seqs = group.Select(m => ContractReader.Parse(m.NodeId, m.Payload)[0].Seq!.Value).ToList();
            Assert.Equal(Enumerable.Range(1, seqs.Count).Select(i => (uint)i), seqs);
        }
    }

    [Fact]
    public void Run_EachTag_SampledAtItsIntervalWithIncreasingTimestamps()
    {
        var spec = FleetSpec.Default(2, 1);
        var readings = ContractReader.Readings(Sim.Run(spec, TimeSpan.FromMinutes(5)));

        foreach (var asset in spec.Assets)
        {
            foreach (var tag in asset.Tags)
            {
                var ts = readings.Where(r => r.Asset == asset.Name && r.Tag == tag.Name).Select(r => r.Ts).ToList();
                Assert.Equal(Sim.Start, ts[0]);
                Assert.All(ts.Zip(ts.Skip(1)), p => Assert.Equal((long)(tag.IntervalSeconds * 1000), p.Second - p.First));
            }
        }
    }

    [Fact]
    public void AdvanceTo_InSteps_EqualsOneRun()
    {
        var spec = FleetSpec.Default(2, 1);
        var options = new SimulatorOptions { StartMs = Sim.Start, Seed = 3 };
        var stepped = new FleetSimulator(spec, options);
        var recording = new SimulationRecording();
        for (var t = Sim.Start; t < Sim.Start + 600_000; t += 777)
        {
            stepped.AdvanceTo(t, recording);
        }
        stepped.AdvanceTo(Sim.Start + 600_000, recording);
        stepped.Finish(recording);

        var whole = new FleetSimulator(spec, options).Run(TimeSpan.FromMinutes(10));

        Assert.Equal(whole.Messages.Select(m => Convert.ToBase64String(m.Payload)), recording.Messages.Select(m => Convert.ToBase64String(m.Payload)));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1001)]
    public void Constructor_BatchSizeOutOfRange_Throws(int batch)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() =>
            new FleetSimulator(FleetSpec.Default(1, 1), new SimulatorOptions { StartMs = Sim.Start, BatchSize = batch }));
    }
}
