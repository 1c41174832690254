using System.Text.Json;
using EdgeAnomaly.FirmwareSim.BadInput;
using EdgeAnomaly.FirmwareSim.Fleet;
using EdgeAnomaly.FirmwareSim.Generation;
using EdgeAnomaly.FirmwareSim.Tests.Generation;

namespace EdgeAnomaly.FirmwareSim.Tests.BadInput;

public class BadInputTests
{
    private static readonly FleetSpec Fleet = FleetSpec.Default(2, 1);

    [Fact]
    public void Share_Zero_EmitsNoBadMessages()
    {
        var recording = Sim.Run(Fleet, TimeSpan.FromMinutes(10));

        Assert.DoesNotContain(recording.Messages, m => m.BadInput is not null);
    }

    [Theory]
    [InlineData(0.01)]
    [InlineData(0.1)]
    [InlineData(0.5)]
    public void Share_EmitsAboutThatShareAndCountsEachKindItSent(double share)
    {
        var sim = new FleetSimulator(Fleet, new SimulatorOptions { StartMs = Sim.Start, BadInputShare = share, Seed = 2 });

        var recording = sim.Run(TimeSpan.FromHours(1));

        var bad = recording.Messages.Where(m => m.BadInput is not null).ToList();
        var good = recording.Messages.Count - bad.Count;
        Assert.InRange(bad.Count, share * good * 0.8, share * good * 1.2);
        foreach (var kind in BadInputKinds.All)
        {
            Assert.Equal(bad.Count(m => m.BadInput == kind), sim.BadInputEmitted[kind]);
            Assert.True(sim.BadInputEmitted[kind] > 0, $"no {kind}");
        }
        Assert.Equal(bad.Count, sim.BadInputEmitted.Total);
        Assert.All(bad, m => Assert.Equal(0, m.ReadingCount));
    }

    [Fact]
    public void EachKind_IsWrongInExactlyTheIntendedWay()
    {
        var recording = Sim.Run(Fleet, TimeSpan.FromHours(1), badShare: 0.2);
        var lastSent = new Dictionary<(string, string), long>();
        var tags = Fleet.Assets.ToDictionary(a => a.Name, a => a.Tags.Select(t => t.Name).ToHashSet());

        foreach (var m in recording.Messages)
        {
            if (m.BadInput is null)
            {
                foreach (var r in ContractReader.Parse(m.NodeId, m.Payload))
                {
                    lastSent[(r.Asset, r.Tag)] = r.Ts;
                }
                continue;
            }
            if (m.BadInput == BadInputKind.BrokenJson)
            {
                Assert.Null(m.Seq);
                Assert.ThrowsAny<JsonException>(() => JsonDocument.Parse(m.Payload));
                continue;
            }
            using var doc = JsonDocument.Parse(m.Payload);
            var root = doc.RootElement;
            Assert.Equal(1, root.GetProperty("v").GetInt32());
            var asset = root.GetProperty("asset").GetString()!;
            var tag = root.GetProperty("tag").GetString()!;
            var ts = root.GetProperty("ts").GetInt64();
            var previous = lastSent.GetValueOrDefault((asset, tag), long.MinValue);
            switch (m.BadInput)
            {
                case BadInputKind.NanAsString:
                    Assert.Equal("NaN", root.GetProperty("value").GetString());
                    Assert.Contains(tag, tags[asset]);
                    Assert.True(ts > previous);
                    break;
                case BadInputKind.UnknownTag:
                    Assert.DoesNotContain(tag, tags[asset]);
                    Assert.Equal(JsonValueKind.Number, root.GetProperty("value").ValueKind);
                    break;
                case BadInputKind.FutureTimestamp:
                    Assert.Contains(tag, tags[asset]);
                    Assert.True(ts > previous + TimeSpan.FromDays(1).TotalMilliseconds);
                    break;
                case BadInputKind.OutOfOrder:
                    Assert.Contains(tag, tags[asset]);
                    Assert.True(ts < previous, $"{ts} not before {previous}");
                    break;
            }
        }
    }

    [Fact]
    public void Seq_CountsEveryMessageThatCarriesOne_SoTheGatewaySeesNoGaps()
    {
        var recording = Sim.Run(Fleet, TimeSpan.FromMinutes(30), badShare: 0.2);

        foreach (var node in recording.Messages.GroupBy(m => m.NodeId))
        {
            var seqs = node.Where(m => m.Seq is not null).Select(m => m.Seq!.Value).ToList();
            Assert.Equal(Enumerable.Range(1, seqs.Count).Select(i => (uint)i), seqs);
        }
    }

    [Fact]
    public void Options_ShareAboveOne_Throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() =>
            new FleetSimulator(Fleet, new SimulatorOptions { StartMs = Sim.Start, BadInputShare = 1.5 }));
    }
}
