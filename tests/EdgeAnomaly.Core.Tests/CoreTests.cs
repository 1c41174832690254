using EdgeAnomaly.Core.Events;
using EdgeAnomaly.Core.Readings;
using EdgeAnomaly.Core.Resilience;
using EdgeAnomaly.Core.Tags;

namespace EdgeAnomaly.Core.Tests;

public sealed class BackoffTests
{
    [Theory]
    [InlineData(0, 1000)]
    [InlineData(1, 2000)]
    [InlineData(3, 8000)]
    [InlineData(6, 60000)]   // 64 s capped at 60 s
    [InlineData(100, 60000)] // huge attempt numbers do not overflow
    public void Delay_WithoutJitter_DoublesUpToTheCap(int attempt, int expectedMs)
    {
        var d = Backoff.Delay(attempt, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(60), jitter: 0.5, random01: 0);
        Assert.Equal(expectedMs, d.TotalMilliseconds);
    }

    [Theory]
    [InlineData(0.5, 1.0, 30000)]
    [InlineData(0.2, 0.5, 54000)]
    public void Delay_WithJitter_ShortensByAtMostTheJitterShare(double jitter, double random, int expectedMs)
    {
        var d = Backoff.Delay(10, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(60), jitter, random);
        Assert.Equal(expectedMs, d.TotalMilliseconds, 3);
    }
}

public sealed class TagRegistryTests
{
    [Fact]
    public void Build_AssignsDenseIdsAndResolvesBySpan()
    {
        var r = new TagRegistry.Builder().AddAsset("a", "pump").AddTag("a", "x").AddTag("a", "y").AddAsset("b", "motor").AddTag("b", "x").Build();
        Assert.Equal(3, r.TagCount);
        Assert.True(r.TryGetTag("b".AsSpan(), "x".AsSpan(), out var id));
        Assert.Equal(2, id);
        Assert.Equal("b/x", r.GetTag(id).Key);
        Assert.False(r.TryGetTag("a".AsSpan(), "z".AsSpan(), out _));
        Assert.False(r.TryGetAsset("c".AsSpan(), out _));
    }

    [Fact]
    public void Builder_DuplicateTag_Throws()
    {
        var b = new TagRegistry.Builder().AddAsset("a", "pump").AddTag("a", "x");
        Assert.Throws<ArgumentException>(() => b.AddTag("a", "x"));
        Assert.Throws<ArgumentException>(() => b.AddTag("nope", "x"));
        Assert.Throws<ArgumentException>(() => b.AddAsset("a", "pump"));
    }
}

public sealed class TagValuesTests
{
    [Fact]
    public void CopyRecent_ReturnsOldestFirstAndWrapsAround()
    {
        var v = new TagValues(1);
        for (var i = 1; i <= 11; i++)
        {
            v.Update(new Reading(0, i, i));
        }
        Span<double> buf = stackalloc double[TagValues.HistoryLength];
        var n = v.CopyRecent(0, buf);
        Assert.Equal(8, n);
        Assert.Equal([4, 5, 6, 7, 8, 9, 10, 11], buf.ToArray());
        Assert.Equal(11, v.Last(0));
        Assert.Equal(10, v.Previous(0));
        Assert.Equal(10, v.PreviousTimestampMs(0));
    }

    [Fact]
    public void Last_BeforeAnyReading_IsNaN()
    {
        var v = new TagValues(2);
        Assert.True(double.IsNaN(v.Last(1)));
        Assert.False(v.HasValue(1));
    }
}
