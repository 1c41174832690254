using EdgeAnomaly.Scoring.Pipeline;

namespace EdgeAnomaly.Scoring.Tests.Pipeline;

public sealed class TrainingHistoryTests
{
    // The daemon only counts its warm-up (it reads the readings back from SQLite when it trains): the count, span
    // and skips must be what a keeping history would say for the same input, or training would start at another time.
    [Fact]
    public void CountingOnly_CountsExactlyWhatAKeepingHistoryKeeps_AndHoldsNoReadings()
    {
        string[] tags = ["a", "b"];
        var keeping = new TrainingHistory(tags);
        var counting = new TrainingHistory(tags, keepReadings: false);
        (int Tag, long Ms, double Value)[] input =
        [
            (0, 1000, 1), (1, 1000, 2), (0, 2000, double.NaN), (0, 1500, 3), (1, 1000, 4), (1, 3000, double.PositiveInfinity),
            (0, 2000, 5), (1, 4000, 6), (0, 2000, 7), (0, 900, 8), (1, 5000, 9),
        ];
        foreach (var (tag, ms, value) in input)
        {
            Assert.Equal(keeping.Add(tag, ms, value), counting.Add(tag, ms, value));
        }
        Assert.Equal(6, keeping.Readings);
        Assert.Equal(keeping.Readings, counting.Readings);
        Assert.Equal(keeping.Skipped, counting.Skipped);
        Assert.Equal(keeping.StartMs, counting.StartMs);
        Assert.Equal(keeping.EndMs, counting.EndMs);
        Assert.True(keeping.KeepsReadings);
        Assert.False(counting.KeepsReadings);
        Assert.Empty(counting.Series);
        Assert.Equal(6, keeping.Series[0].Count + keeping.Series[1].Count);
    }
}
