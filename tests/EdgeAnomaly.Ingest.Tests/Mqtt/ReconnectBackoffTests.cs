using EdgeAnomaly.Core.Resilience;

namespace EdgeAnomaly.Ingest.Tests.Mqtt;

/// <summary>With the default options a local broker that comes back is used within 10 s, however long it was away.</summary>
public sealed class ReconnectBackoffTests
{
    [Theory]
    [InlineData(0, 0.0)]
    [InlineData(4, 0.0)]
    [InlineData(6, 0.3)]
    [InlineData(30, 0.0)]
    [InlineData(1000, 1.0)]
    public void DefaultOptions_DelayAtAnyAttempt_IsAtMostTenSeconds(int attempt, double random)
    {
        var o = new MqttIngestOptions();

        var delay = Backoff.Delay(attempt, o.ReconnectInitialDelay, o.ReconnectMaxDelay, o.ReconnectJitter, random);

        Assert.InRange(delay, TimeSpan.Zero, TimeSpan.FromSeconds(10));
    }
}
