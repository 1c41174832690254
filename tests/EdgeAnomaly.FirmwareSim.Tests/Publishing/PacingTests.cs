using EdgeAnomaly.FirmwareSim.Publishing;

namespace EdgeAnomaly.FirmwareSim.Tests.Publishing;

public class PacingTests
{
    private const long Now = 1_800_000_000_000;

    [Theory]
    [InlineData(1.0, 60.0, 0L, false)]
    [InlineData(0.5, 60.0, 0L, false)]
    [InlineData(10.0, 60.0, 540_000L, false)]
    [InlineData(1000.0, 60.0, 59_940_000L, false)]
    [InlineData(2000.0, 60.0, 82_800_000L, true)]
    [InlineData(10.0, -1.0, 82_800_000L, false)]
    public void ChooseStart_Table_EndsTheRunAtTheRealClockWithinTheBacklogLimit(double speed, double durationS, long expectedLeadMs, bool capped)
    {
        TimeSpan? duration = durationS < 0 ? null : TimeSpan.FromSeconds(durationS);

        var (start, wasCapped) = Pacing.ChooseStart(Now, speed, duration);

        Assert.Equal((Now - expectedLeadMs, capped), (start, wasCapped));
    }

    [Theory]
    [InlineData(0L, 1000, 1.0, Now, 0L, 100_000L, 1000L)]
    [InlineData(0L, 1000, 60.0, Now, 0L, 100_000L, 60_000L)]
    [InlineData(0L, 1000, 60.0, Now, 0L, 10_000L, 10_000L)]
    [InlineData(Now - 500, 1000, 1.0, Now, Now - 500, 100_000L, Now + 1)]
    public void Target_Table_FollowsSpeedButNeverPassesTheClockOrTheRoundCap(long simStart, int elapsedMs, double speed, long realNow, long simNow, long maxPerRound, long expected)
    {
        Assert.Equal(expected, Pacing.Target(simStart, TimeSpan.FromMilliseconds(elapsedMs), speed, realNow, simNow, maxPerRound));
    }
}
