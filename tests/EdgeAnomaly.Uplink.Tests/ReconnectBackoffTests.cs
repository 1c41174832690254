using EdgeAnomaly.Core.Resilience;

namespace EdgeAnomaly.Uplink.Tests;

/// <summary>
/// After a long central outage the next attempt must come soon after the broker returns: with the default options no
/// reconnect delay, at any attempt and any jitter draw, exceeds 10 s (a 64 s outage once waited 43.5 s).
/// </summary>
public sealed class ReconnectBackoffTests
{
    [Theory]
    [InlineData(0, 0.0)]
    [InlineData(3, 0.0)]
    [InlineData(4, 0.0)]
    [InlineData(6, 0.5)]
    [InlineData(10, 0.0)]
    [InlineData(30, 1.0)]
    [InlineData(1000, 0.0)]
    public void DefaultOptions_DelayAtAnyAttempt_IsAtMostTenSeconds(int attempt, double random)
    {
        var o = new UplinkOptions();

        var delay = Backoff.Delay(Math.Min(attempt, 30), o.ReconnectInitial, o.ReconnectMax, 0.2, random);

        Assert.InRange(delay, TimeSpan.Zero, TimeSpan.FromSeconds(10));
    }

    [Fact]
    public void DefaultOptions_LongOutage_SettlesBetweenEightAndTenSeconds()
    {
        var o = new UplinkOptions();

        Assert.Equal(TimeSpan.FromSeconds(10), Backoff.Delay(20, o.ReconnectInitial, o.ReconnectMax, 0.2, 0));
        Assert.Equal(TimeSpan.FromSeconds(8), Backoff.Delay(20, o.ReconnectInitial, o.ReconnectMax, 0.2, 1));
    }
}
