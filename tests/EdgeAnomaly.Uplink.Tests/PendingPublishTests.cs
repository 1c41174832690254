using MQTTnet;

namespace EdgeAnomaly.Uplink.Tests;

// The forwarder reads publishes through PendingPublish instead of an async wrapper: each way a publish can end must map
// to the same outcome the wrapper gave (success, broker refusal, failure), and only the caller's own cancellation throws.
public sealed class PendingPublishTests
{
    private static MqttClientPublishResult Result(MqttClientPublishReasonCode code, string reason = "") => new(1, code, reason, []);

    [Theory]
    [InlineData(MqttClientPublishReasonCode.Success, true)]
    [InlineData(MqttClientPublishReasonCode.NoMatchingSubscribers, true)]
    [InlineData(MqttClientPublishReasonCode.QuotaExceeded, false)]
    [InlineData(MqttClientPublishReasonCode.NotAuthorized, false)]
    public void Acknowledged_MapsTheReasonCode(MqttClientPublishReasonCode code, bool success)
    {
        var pending = new PendingPublish(Task.FromResult(Result(code, "why")), CancellationToken.None);
        Assert.True(pending.IsCompleted);
        Assert.Equal(success, pending.Outcome.Success);
        if (!success)
        {
            Assert.Equal($"{code} why", pending.Outcome.Error);
        }
    }

    [Fact]
    public async Task Faulted_IsAFailedOutcome_AndWaitingDoesNotThrow()
    {
        var source = new TaskCompletionSource<MqttClientPublishResult>();
        var pending = new PendingPublish(source.Task, CancellationToken.None);
        Assert.False(pending.IsCompleted);
        Assert.Throws<InvalidOperationException>(() => pending.Outcome);
        source.SetException(new IOException("link lost"));
        await pending.WhenCompleted();
        Assert.Equal(new PublishOutcome(false, "IOException: link lost"), pending.Outcome);
    }

    [Fact]
    public async Task Cancelled_ThrowsOnlyForTheCallersToken()
    {
        using var cts = new CancellationTokenSource();
        var other = new PendingPublish(Task.FromCanceled<MqttClientPublishResult>(new CancellationToken(true)), cts.Token);
        await other.WhenCompleted();
        Assert.False(other.Outcome.Success); // a timeout inside the client: a failure, retried later

        cts.Cancel();
        var own = new PendingPublish(Task.FromCanceled<MqttClientPublishResult>(cts.Token), cts.Token);
        await own.WhenCompleted();
        Assert.Throws<OperationCanceledException>(() => own.Outcome);
    }

    [Fact]
    public void Immediate_CarriesItsOutcome()
    {
        var pending = new PendingPublish(PublishOutcome.NotConnected);
        Assert.True(pending.IsCompleted);
        Assert.Equal(PublishOutcome.NotConnected, pending.Outcome);
    }
}
