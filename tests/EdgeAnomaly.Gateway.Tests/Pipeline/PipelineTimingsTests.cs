using EdgeAnomaly.Runtime.Pipeline;
using Microsoft.Extensions.Time.Testing;

namespace EdgeAnomaly.Gateway.Tests.Pipeline;

public sealed class PipelineTimingsTests
{
    [Fact]
    public void Take_ReportsTheLongestOfEachPhase_ThenStartsAgainFromZero()
    {
        var time = new FakeTimeProvider();
        var timings = new PipelineTimings(time);

        Phase(time, TimeSpan.FromMilliseconds(3), timings.RecordCommit);
        Phase(time, TimeSpan.FromMilliseconds(12), timings.RecordCommit);
        Phase(time, TimeSpan.FromMilliseconds(5), timings.RecordCommit);
        Phase(time, TimeSpan.FromMilliseconds(40), timings.RecordTick);
        Phase(time, TimeSpan.FromMilliseconds(2.5), timings.RecordFlushSlice);

        var first = timings.Take();
        Assert.Equal(12, first.CommitMs, 6);
        Assert.Equal(40, first.TickMs, 6);
        Assert.Equal(2.5, first.FlushSliceMs, 6);
        Assert.Equal(0, first.BatchMs);

        Phase(time, TimeSpan.FromMilliseconds(1), timings.RecordCommit);
        var second = timings.Take();
        Assert.Equal(1, second.CommitMs, 6);
        Assert.Equal(0, second.TickMs);
    }

    private static void Phase(FakeTimeProvider time, TimeSpan duration, Action<long> record)
    {
        var start = time.GetTimestamp();
        time.Advance(duration);
        record(start);
    }
}
