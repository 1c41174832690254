using EdgeAnomaly.Rules.Expressions;

namespace EdgeAnomaly.Rules.Tests.Expressions;

public class DeltaHistoryTests
{
    [Theory]
    [InlineData(10L)]      // much faster than window/120: samples are thinned
    [InlineData(250L)]     // exactly window/120
    [InlineData(1_000L)]   // slower: every sample kept
    [InlineData(7_000L)]
    public void ValueAtOrBefore_AnyReportingRate_IsWithinResolutionOfTheExactInstant(long intervalMs)
    {
        const long window = 30_000;
        var h = new DeltaHistory(0, window);
        // The value is the timestamp itself, so the answer says which instant it came from.
        for (var t = 0L; t <= 120_000; t += intervalMs)
        {
            h.Add(t, t);
            if (t < window)
            {
                Assert.True(double.IsNaN(h.ValueAtOrBefore(t - window)), $"no history yet at {t}");
                continue;
            }
            var target = t - window;
            var got = h.ValueAtOrBefore(target);
            Assert.True(got <= target, $"at {t}: {got} is after {target}");
            Assert.True(target - got <= (window / DeltaHistory.Resolution) + intervalMs, $"at {t}: {got} is too old for {target}");
        }
        Assert.True(h.Count <= DeltaHistory.Capacity);
    }

    [Fact]
    public void Add_OutOfOrderSample_IsIgnored()
    {
        var h = new DeltaHistory(0, 1_000);
        h.Add(10_000, 1);
        h.Add(5_000, 2);
        Assert.Equal(1, h.Count);
        Assert.True(double.IsNaN(h.ValueAtOrBefore(9_000)));
        Assert.Equal(1, h.ValueAtOrBefore(10_000));
    }
}
