using EdgeAnomaly.Devices.Modbus;

namespace EdgeAnomaly.Devices.Tests.Modbus;

public class PollTimetableAndHealthTests
{
    private const long Ms = TimeSpan.TicksPerMillisecond;

    [Theory]
    // cycle start times (ms) -> skipped per start, next due after it
    [InlineData(new long[] { 0, 1000, 2000 }, new long[] { 0, 0, 0 }, 3000)]
    [InlineData(new long[] { 0, 1003, 2999 }, new long[] { 0, 0, 0 }, 3000)] // late starts within the tick: nothing skipped, grid kept
    [InlineData(new long[] { 0, 2500 }, new long[] { 0, 1 }, 3000)]
    [InlineData(new long[] { 5 }, new long[] { 0 }, 1000)]
    [InlineData(new long[] { 0, 10_000 }, new long[] { 0, 9 }, 11_000)]
    public void TakeDue_TableOfStarts(long[] startsMs, long[] skipped, long nextDueMs)
    {
        var t = new PollTimetable(TimeSpan.FromSeconds(1));
        for (var i = 0; i < startsMs.Length; i++)
        {
            Assert.Equal(skipped[i], t.TakeDue(startsMs[i] * Ms));
        }
        Assert.Equal(nextDueMs * Ms, t.NextDueTicks);
    }

    [Fact]
    public void TakeDue_BeforeDue_Throws()
    {
        var t = new PollTimetable(TimeSpan.FromSeconds(1));
        t.TakeDue(0);
        Assert.Throws<InvalidOperationException>(() => t.TakeDue(999 * Ms));
    }

    [Fact]
    public void Health_DegradesAfterConsecutiveFailures_RetriesOnBackoff_RecoversOnAnswer()
    {
        var delays = new List<int>();
        var h = new DeviceHealth(3, attempt =>
        {
            delays.Add(attempt);
            return TimeSpan.FromSeconds(5 << attempt);
        });
        Assert.Equal(HealthChange.None, h.OnCycle(false, 1 * Ms));
        Assert.Equal(HealthChange.None, h.OnCycle(true, 2 * Ms)); // an answer resets the count
        Assert.Equal(HealthChange.None, h.OnCycle(false, 3 * Ms));
        Assert.Equal(HealthChange.None, h.OnCycle(false, 4 * Ms));
        Assert.True(h.ShouldPoll(4 * Ms, out var probe));
        Assert.False(probe);
        Assert.Equal(HealthChange.EnteredDegraded, h.OnCycle(false, 1000 * Ms));
        Assert.Equal(DeviceState.Degraded, h.State);
        Assert.Equal(6000 * Ms, h.NextRetryTicks);
        Assert.False(h.ShouldPoll(5999 * Ms, out _));
        Assert.True(h.ShouldPoll(6000 * Ms, out probe));
        Assert.True(probe);
        Assert.Equal(HealthChange.None, h.OnCycle(false, 6200 * Ms));
        Assert.Equal(16_200 * Ms, h.NextRetryTicks);
        Assert.Equal(HealthChange.None, h.OnCycle(false, 16_200 * Ms));
        Assert.Equal(36_200 * Ms, h.NextRetryTicks);
        Assert.Equal(new[] { 0, 1, 2 }, delays);
        Assert.Equal(HealthChange.LeftDegraded, h.OnCycle(true, 40_000 * Ms));
        Assert.Equal((DeviceState.Ok, 0, 0), (h.State, h.ConsecutiveFailures, h.RetryAttempt));
        // the count starts over
        h.OnCycle(false, 41_000 * Ms);
        h.OnCycle(false, 42_000 * Ms);
        Assert.Equal(HealthChange.EnteredDegraded, h.OnCycle(false, 43_000 * Ms));
        Assert.Equal(48_000 * Ms, h.NextRetryTicks);
    }
}
