using EdgeAnomaly.Core.Diagnostics;

namespace EdgeAnomaly.Ingest.Tests.Logging;

public sealed class RateLimitedLogTests
{
    [Fact]
    public void ShouldLog_WithinTheInterval_SuppressesAndReportsTheCountOnTheNextLine()
    {
        var log = new RateLimitedLog(TimeSpan.FromSeconds(10));
        var lines = new List<(long At, long Suppressed)>();

        foreach (var at in new long[] { 0, 1, 2, 9_999, 10_000, 10_001, 25_000 })
        {
            if (log.ShouldLog(RejectReason.MalformedJson, at, out var suppressed))
            {
                lines.Add((at, suppressed));
            }
        }

        Assert.Equal(new[] { (0L, 0L), (10_000L, 3L), (25_000L, 1L) }, lines);
    }

    [Fact]
    public void ShouldLog_DifferentReasons_AreLimitedIndependently()
    {
        var log = new RateLimitedLog(TimeSpan.FromSeconds(10));

        Assert.True(log.ShouldLog(RejectReason.UnknownTag, 0, out _));
        Assert.True(log.ShouldLog(RejectReason.UnknownAsset, 1, out _));
        Assert.False(log.ShouldLog(RejectReason.UnknownTag, 2, out _));
    }
}
