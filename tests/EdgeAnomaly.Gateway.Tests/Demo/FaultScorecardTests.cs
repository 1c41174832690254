using EdgeAnomaly.Core.Events;
using EdgeAnomaly.FirmwareSim.Faults;
using EdgeAnomaly.Demo;

namespace EdgeAnomaly.Gateway.Tests.Demo;

public sealed class FaultScorecardTests
{
    private const long T0 = 1_800_000_000_000;
    private static readonly TimeSpan Grace = TimeSpan.FromSeconds(15);

    private static FaultLabel Fault(string asset, string tag, FaultKind kind, long startS, long endS) =>
        new("esp32-01", asset, tag, kind, T0 + (startS * 1000), T0 + (endS * 1000), 5);

    private static GatewayEvent Event(string id, string asset, string tag, string source, long startS) => new()
    {
        Id = id,
        Gateway = "gw",
        Asset = asset,
        Tags = [tag],
        Kind = EventKind.Statistic,
        Source = source,
        Severity = Severity.Warning,
        State = EventState.Open,
        StartMs = T0 + (startS * 1000),
        PeakValue = 1,
        PeakScore = 1,
        Threshold = 0,
        Message = "m",
        Explanation = "e",
        UpdatedMs = T0 + (startS * 1000),
    };

    public static TheoryData<string, long, bool> EventsAgainstAStepOnPumpCurrentFrom10To20s => new()
    {
        { "same asset and tag, at the first altered reading", 10, true },
        { "same asset and tag, inside the fault", 15, true },
        { "same asset and tag, within the grace after the fault", 34, true },
        { "same asset and tag, past the grace", 36, false },
        { "same asset and tag, before the fault started", 9, false },
    };

    [Theory]
    [MemberData(nameof(EventsAgainstAStepOnPumpCurrentFrom10To20s))]
    public void Score_AnEventOnTheFaultsTag_CountsOnlyInsideTheFaultPlusGrace(string why, long eventStartS, bool caught)
    {
        var card = FaultScorecard.Score([Fault("pump-01", "current.a", FaultKind.Step, 10, 20)], [Event("e1", "pump-01", "current.a", "stat:current.a", eventStartS)], Grace);

        Assert.True(caught == card.Faults[0].Detected, why);
        Assert.Equal(caught ? 1 : 0, card.Detected);
        Assert.Equal(caught ? 0 : 1, card.Unmatched.Count);
    }

    [Fact]
    public void Score_OtherAssetOrTag_DoesNotAnswer_ButAWholeNodeDropoutTakesAnyTagOfItsAsset()
    {
        FaultLabel[] faults = [Fault("pump-01", "current.a", FaultKind.Step, 10, 20), Fault("motor-01", FaultSpec.WholeNode, FaultKind.Dropout, 10, 20)];
        GatewayEvent[] events = [Event("a", "pump-01", "flow.m3h", "stat:flow.m3h", 12), Event("b", "pump-02", "current.a", "stat:current.a", 12), Event("c", "motor-01", "temperature.c", "dq-dropout:temperature.c", 13)];

        var card = FaultScorecard.Score(faults, events, Grace);

        Assert.False(card.Faults.Single(f => f.Fault.Asset == "pump-01").Detected);
        Assert.Equal(["c"], card.Faults.Single(f => f.Fault.Asset == "motor-01").Events.Select(e => e.Id));
        Assert.Equal(["a", "b"], card.Unmatched.Select(e => e.Id));
    }

    [Fact]
    public void Describe_OrdersFaultsByStart_FirstEventFirst_AndSaysMissedAndAfterTheEnd()
    {
        FaultLabel[] faults = [Fault("pump-01", "current.a", FaultKind.Stuck, 30, 40), Fault("motor-01", "temperature.c", FaultKind.Drift, 5, 25)];
        GatewayEvent[] events = [Event("late", "pump-01", "current.a", "stat:current.a", 41), Event("early", "pump-01", "current.a", "dq-flatline:current.a", 37)];

        var card = FaultScorecard.Score(faults, events, Grace);
        var lines = card.Describe().ToList();

        Assert.Equal("ground truth: 1 of 2 injected faults caught", lines[0]);
        Assert.Contains("drift", lines[1], StringComparison.Ordinal);
        Assert.EndsWith("MISSED", lines[1], StringComparison.Ordinal);
        Assert.EndsWith("caught by dq-flatline:current.a (+7.0 s), stat:current.a (+11.0 s, after it ended)", lines[2], StringComparison.Ordinal);
        Assert.Equal(TimeSpan.FromSeconds(7), card.Faults[1].Delay);
        Assert.Equal(3, lines.Count);
    }
}
