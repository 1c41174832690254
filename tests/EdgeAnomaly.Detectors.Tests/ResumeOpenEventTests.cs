using EdgeAnomaly.Core.Events;
using EdgeAnomaly.Core.Readings;
using EdgeAnomaly.Detectors.DataQuality;

namespace EdgeAnomaly.Detectors.Tests;

/// <summary>
/// After a restart the tracker still holds an event open that a fresh detector knows nothing of: the detector asks
/// once (IConditionSink.IsOpen), starts active, and its first normal reading reports the clear that closes the event.
/// </summary>
public class ResumeOpenEventTests
{
    /// <summary>A sink whose tracker holds an open event for the causes named.</summary>
    private sealed class RestoredSink(params string[] openKeys) : IConditionSink
    {
        public List<(string Key, bool Active)> Reports { get; } = [];

        public int Asked { get; private set; }

        public void Report(ConditionSource source, bool active, in ConditionSample sample) => Reports.Add((source.Key, active));

        public bool IsOpen(ConditionSource source)
        {
            Asked++;
            return openKeys.Contains(source.Key);
        }
    }

    [Theory]
    [InlineData("stat:temp")]
    [InlineData("dq-flatline:temp")]
    [InlineData("dq-spike:temp")]
    [InlineData("dq-dropout:temp")]
    public void FirstNormalReading_CauseHeldOpen_ReportsTheClearOnce(string key)
    {
        var bank = new TagDetectorBank(Kit.Registry(), Kit.Only(DetectorKind.ZScore), new DataQualityOptions());
        var sink = new RestoredSink(key);

        bank.OnReading(new Reading(0, Kit.T0, 20), sink);
        bank.OnReading(new Reading(0, Kit.T0 + 1000, 21), sink);

        Assert.Equal([(key, false)], sink.Reports);
    }

    [Fact]
    public void Readings_NoCauseHeldOpen_AskOncePerSourceAndReportNothing()
    {
        var bank = new TagDetectorBank(Kit.Registry(), Kit.Only(DetectorKind.ZScore), new DataQualityOptions());
        var sink = new RestoredSink();
        for (var i = 0; i < 20; i++)
        {
            bank.OnReading(new Reading(0, Kit.T0 + (i * 1000), 20 + (i % 3)), sink);
        }

        Assert.Empty(sink.Reports);
        Assert.Equal(4, sink.Asked); // statistics, dropout, flatline, spike; the rate check asks at its first window end
    }
}
