using EdgeAnomaly.Demo;
using EdgeAnomaly.TestSupport;

namespace EdgeAnomaly.Gateway.Tests.Demo;

[Collection("gateway-process")]
public sealed class DemoTests
{
    [Fact]
    public async Task Demo_FifteenSeconds_RaisesEventsAndCentralReceivesEveryOne()
    {
        using var dir = new TempDirectory();
        // Off xunit's sync context, as the command line runs it.
        var summary = await Task.Run(() => DemoCommand.RunAsync(TimeSpan.FromSeconds(15), dir.Path, CancellationToken.None));

        Assert.True(summary.Readings > 100, $"readings {summary.Readings}");
        Assert.True(summary.Events > 0, "the injected faults raise events");
        Assert.Equal(summary.Events, summary.EventsUplinked);
        Assert.Equal(0, summary.EventsPending);
        Assert.True(File.Exists(Path.Combine(dir.Path, "edgeanomaly.db")));

        // Ground truth: every injected fault is in the label file and scored; the rule-driven ones are caught
        // whatever the machine's speed (their timing comes from the simulated readings' timestamps).
        Assert.Equal(5, File.ReadAllLines(Path.Combine(dir.Path, "faults.jsonl")).Length);
        var scorecard = Assert.IsType<FaultScorecard>(summary.Scorecard);
        Assert.Equal(5, scorecard.Faults.Count);
        Assert.True(scorecard.Faults.Single(f => f.Fault.Kind == FirmwareSim.Faults.FaultKind.Spike).Detected, string.Join("\n", scorecard.Describe()));
        Assert.True(scorecard.Faults.Single(f => f.Fault.Kind == FirmwareSim.Faults.FaultKind.Step).Detected, string.Join("\n", scorecard.Describe()));
    }
}
