using EdgeAnomaly.FirmwareSim.Faults;
using EdgeAnomaly.FirmwareSim.Fleet;
using EdgeAnomaly.FirmwareSim.Generation;
using EdgeAnomaly.FirmwareSim.Tests.Generation;

namespace EdgeAnomaly.FirmwareSim.Tests.Faults;

/// <summary>
/// Each fault is compared against the fault-free run with the same seed: the data must differ exactly inside the
/// label's window, in the way the fault kind says, and nowhere else.
/// </summary>
public class FaultInjectionTests
{
    private static readonly FleetSpec Fleet = FleetSpec.Default(2, 1);
    private static readonly TimeSpan Duration = TimeSpan.FromMinutes(30);

    [Theory]
    [InlineData(FaultKind.Spike, "current.a", 8.0)]
    [InlineData(FaultKind.Spike, "temperature.c", -6.0)]
    [InlineData(FaultKind.Drift, "pressure.bar", 10.0)]
    [InlineData(FaultKind.Stuck, "flow.m3h", 0.0)]
    [InlineData(FaultKind.Dropout, "vibration.mms", 0.0)]
    [InlineData(FaultKind.Step, "current.a", -5.0)]
    public void Fault_OnOneTag_ChangesDataExactlyInsideItsLabelWindow(FaultKind kind, string tag, double magnitude)
    {
        var fault = new FaultSpec("pump-01", tag, kind, TimeSpan.FromSeconds(600.05), TimeSpan.FromSeconds(kind == FaultKind.Spike ? 0 : 300), magnitude);
        var clean = ContractReader.ByKey(ContractReader.Readings(Sim.Run(Fleet, Duration)));
        var faulted = Sim.Run(Fleet, Duration, faults: new FaultSchedule([fault]));
        var faultedByKey = ContractReader.ByKey(ContractReader.Readings(faulted));

        var label = Assert.Single(faulted.Labels);
        Assert.Equal(("esp32-01", "pump-01", tag, kind, magnitude), (label.Node, label.Asset, label.Tag, label.Kind, label.Magnitude));
        var sigma = Fleet.Nodes[0].Assets[0].Tags.Single(t => t.Name == tag).NoiseSigma;
        var intervalMs = Fleet.Nodes[0].Assets[0].Tags.Single(t => t.Name == tag).IntervalMs;
        // Both runs round to the tag's decimals, so a difference carries up to one unit of rounding error.
        var tolerance = 1.01 * Math.Pow(10, -Fleet.Nodes[0].Assets[0].Tags.Single(t => t.Name == tag).Decimals);
        bool Inside(long ts) => ts >= label.StartMs && ts < label.EndMs;

        // Outside the window (and on every other tag) the data is identical to the clean run.
        foreach (var (key, value) in clean)
        {
            if (key.Asset == "pump-01" && key.Tag == tag && Inside(key.Ts))
            {
                continue;
            }
            Assert.True(faultedByKey.TryGetValue(key, out var v) && v == value, $"unexpected change at {key}");
        }

        var window = clean.Where(p => p.Key.Asset == "pump-01" && p.Key.Tag == tag && Inside(p.Key.Ts)).OrderBy(p => p.Key.Ts).ToList();
        Assert.NotEmpty(window);
        switch (kind)
        {
            case FaultKind.Spike:
                // The first sample at or after the scheduled start; the window holds exactly that sample.
                Assert.Equal(Sim.Start + 600_100 + (intervalMs - 600_100 % intervalMs) % intervalMs, label.StartMs);
                Assert.Equal(label.StartMs + intervalMs, label.EndMs);
                var spiked = Assert.Single(window);
                Assert.Equal(magnitude * sigma, faultedByKey[spiked.Key] - spiked.Value, tolerance);
                break;
            case FaultKind.Drift:
                Assert.Equal((Sim.Start + 600_050, Sim.Start + 900_050), (label.StartMs, label.EndMs));
                foreach (var (key, value) in window)
                {
                    var expected = magnitude * sigma * (key.Ts - label.StartMs) / (label.EndMs - label.StartMs);
                    Assert.Equal(expected, faultedByKey[key] - value, tolerance);
                }
                break;
            case FaultKind.Stuck:
                var held = clean[("pump-01", tag, window[0].Key.Ts - intervalMs)];
                Assert.All(window, p => Assert.Equal(held, faultedByKey[p.Key]));
                break;
            case FaultKind.Dropout:
                Assert.All(window, p => Assert.False(faultedByKey.ContainsKey(p.Key)));
                Assert.Equal(clean.Count - window.Count, faultedByKey.Count);
                break;
            case FaultKind.Step:
                Assert.All(window, p => Assert.Equal(magnitude * sigma, faultedByKey[p.Key] - p.Value, tolerance));
                break;
        }
    }

    [Fact]
    public void Decouple_LowersTheTagByItsLoadShareInsideTheWindow_AndStaysInsideTheCleanRange()
    {
        const double lost = 0.4;
        var fault = new FaultSpec("pump-01", "flow.m3h", FaultKind.Decouple, TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(10), lost);
        var clean = ContractReader.ByKey(ContractReader.Readings(Sim.Run(Fleet, Duration)));
        var faulted = Sim.Run(Fleet, Duration, faults: new FaultSchedule([fault]));
        var faultedByKey = ContractReader.ByKey(ContractReader.Readings(faulted));
        var label = Assert.Single(faulted.Labels);
        Assert.Equal(FaultKind.Decouple, label.Kind);
        bool Inside(long ts) => ts >= label.StartMs && ts < label.EndMs;

        var flow = clean.Where(p => p.Key.Asset == "pump-01" && p.Key.Tag == "flow.m3h").ToList();
        var (min, max) = (flow.Min(p => p.Value), flow.Max(p => p.Value));
        var window = flow.Where(p => Inside(p.Key.Ts)).ToList();
        Assert.NotEmpty(window);
        foreach (var (key, value) in clean)
        {
            if (key.Asset == "pump-01" && key.Tag == "flow.m3h" && Inside(key.Ts))
            {
                // flow = base 0 + 42 * load + noise; the fault takes 40 % of the load term, noise is the same draw.
                var faultedValue = faultedByKey[key];
                Assert.InRange(faultedValue, min - 1e-9, max + 1e-9);
                continue;
            }
            Assert.True(faultedByKey.TryGetValue(key, out var v) && v == value, $"unexpected change at {key}");
        }
        var meanClean = window.Average(p => p.Value);
        var meanFaulted = window.Average(p => faultedByKey[p.Key]);
        Assert.Equal(meanClean * (1 - lost), meanFaulted, 0.05 * meanClean);
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(1.5)]
    public void Decouple_MagnitudeOutsideZeroToOne_IsRefused(double magnitude)
    {
        var ex = Assert.Throws<ArgumentException>(() => new FaultSchedule(
            [new FaultSpec("pump-01", "flow.m3h", FaultKind.Decouple, TimeSpan.Zero, TimeSpan.FromMinutes(1), magnitude)]));
        Assert.Contains("fraction of load", ex.Message);
    }

    [Fact]
    public void NodeDropout_SilencesEveryMessageOfThatNodeInsideTheWindowOnly()
    {
        var fault = new FaultSpec("pump-01", FaultSpec.WholeNode, FaultKind.Dropout, TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(2));
        var clean = ContractReader.Readings(Sim.Run(Fleet, Duration));
        var faulted = Sim.Run(Fleet, Duration, faults: new FaultSchedule([fault]));
        var readings = ContractReader.Readings(faulted);

        var label = Assert.Single(faulted.Labels);
        Assert.Equal(("*", Sim.Start + 300_000, Sim.Start + 420_000), (label.Tag, label.StartMs, label.EndMs));
        Assert.Equal([("esp32-01", Sim.Start + 300_000, true), ("esp32-01", Sim.Start + 420_000, false)], faulted.NodeEvents);
        Assert.DoesNotContain(readings, r => r.Node == "esp32-01" && r.Ts >= label.StartMs && r.Ts < label.EndMs);
        var expected = clean.Where(r => !(r.Node == "esp32-01" && r.Ts >= label.StartMs && r.Ts < label.EndMs)).ToList();
        Assert.Equal(ContractReader.ByKey(expected), ContractReader.ByKey(readings));
        // Messages stop between the events: nothing from the node is emitted after the silence until the resume.
        var silentFrom = faulted.Messages.FindIndex(m => m.NodeId == "esp32-01" && m.TimestampMs >= label.StartMs);
        Assert.True(faulted.Messages[silentFrom].TimestampMs >= label.EndMs);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void NodeDropout_WithReboot_RestartsTheNodeSeqAfterTheWindow(bool reboot)
    {
        var fault = new FaultSpec("pump-01", FaultSpec.WholeNode, FaultKind.Dropout, TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(2));
        var sim = new FleetSimulator(Fleet, new SimulatorOptions { StartMs = Sim.Start, RebootAfterNodeDropout = reboot }, new FaultSchedule([fault]));

        var messages = sim.Run(Duration).Messages.Where(m => m.NodeId == "esp32-01").ToList();

        var firstAfter = messages.FindIndex(m => m.TimestampMs >= Sim.Start + 420_000);
        Assert.Equal(reboot ? 1u : messages[firstAfter - 1].Seq + 1, messages[firstAfter].Seq);
        Assert.Equal(messages[firstAfter].Seq + 1, messages[firstAfter + 1].Seq);
    }

    [Fact]
    public void Fault_StillActiveAtTheEnd_IsLabelledUpToTheEndOfTheRun()
    {
        var fault = new FaultSpec("motor-01", "current.a", FaultKind.Step, TimeSpan.FromMinutes(25), TimeSpan.FromHours(2), 4);

        var faulted = Sim.Run(Fleet, Duration, faults: new FaultSchedule([fault]));

        var label = Assert.Single(faulted.Labels);
        Assert.Equal((Sim.Start + 1_500_000, Sim.Start + 1_800_000), (label.StartMs, label.EndMs));
    }

    [Fact]
    public void RandomSchedule_ManyFaults_EachShowsOnlyInsideItsWindow()
    {
        var duration = TimeSpan.FromHours(3);
        var schedule = FaultSchedule.Random(Fleet, seed: 9, ratePerHour: 10, duration);
        var clean = ContractReader.ByKey(ContractReader.Readings(Sim.Run(Fleet, duration)));
        var faulted = Sim.Run(Fleet, duration, faults: schedule);
        var faultedByKey = ContractReader.ByKey(ContractReader.Readings(faulted));

        Assert.Equal(schedule.Faults.Count, faulted.Labels.Count);
        bool Covered(string asset, string tag, long ts) => faulted.Labels.Any(l =>
            ts >= l.StartMs && ts < l.EndMs && l.Asset == asset && (l.Tag == tag || (l.Tag == "*" && SameNode(l.Asset, asset))));
        var changed = clean.Where(p => !faultedByKey.TryGetValue(p.Key, out var v) || v != p.Value).ToList();
        Assert.NotEmpty(changed);
        Assert.All(changed, p => Assert.True(Covered(p.Key.Asset, p.Key.Tag, p.Key.Ts), $"change outside any label at {p.Key}"));
    }

    private static bool SameNode(string a, string b) =>
        Fleet.Assets.First(x => x.Name == a).NodeId == Fleet.Assets.First(x => x.Name == b).NodeId;
}
