using EdgeAnomaly.Detectors.Statistics;

namespace EdgeAnomaly.Detectors.Tests.Statistics;

/// <summary>The detector remembers the absolute hour of the last reading to skip HourOf's divisions; it must never differ.</summary>
public sealed class TimeOfDayHourTests
{
    [Theory]
    [InlineData(0)]
    [InlineData(2)]
    [InlineData(-5.5)]
    [InlineData(13.75)]
    public void Evaluate_AnySequenceOfTimestamps_UsesTheHourOfEachReading(double utcOffsetHours)
    {
        var detector = new TimeOfDayDetector(new TimeOfDayOptions { UtcOffset = TimeSpan.FromHours(utcOffsetHours), WarmupSamplesPerBucket = 2 }, 1, 1, 0, 0);
        var random = new Random(7);
        var ts = 1_764_806_399_000L; // just before a UTC day boundary
        List<long> stamps = [0, -1, 3_599_999, 3_600_000, -3_600_000, -3_600_001, 86_399_999, 86_400_000];
        for (var i = 0; i < 20_000; i++)
        {
            // Mostly small steps (the cached hour), sometimes across hours, backwards, or far away.
            ts += random.Next(10) switch
            {
                < 6 => random.Next(1, 2_000),
                < 8 => random.Next(-5_000, 5_000),
                8 => random.Next(-7_200_000, 7_200_000),
                _ => random.NextInt64(-400L * 86_400_000, 400L * 86_400_000),
            };
            stamps.Add(ts);
        }
        foreach (var t in stamps)
        {
            detector.Evaluate(1, t);
            Assert.Equal(detector.HourOf(t), detector.Hour);
            detector.Admit(1);
        }
    }
}
