using EdgeAnomaly.Core.Diagnostics;
using EdgeAnomaly.TestSupport;
using Microsoft.Extensions.Time.Testing;
using MQTTnet.Protocol;

namespace EdgeAnomaly.Uplink.Tests;

public sealed class UplinkClientTests : IAsyncLifetime
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(15);
    private const string Offline = """{"v":1,"state":"offline"}""";
    private MosquittoBroker _broker = null!;
    private readonly GatewayCounters _counters = new();

    public async Task InitializeAsync() => _broker = await MosquittoBroker.StartAsync();

    public async Task DisposeAsync() => await _broker.DisposeAsync();

    private UplinkOptions Options(string gw, int? port = null) => new()
    {
        Host = _broker.Host,
        Port = port ?? _broker.Port,
        ClientId = "edge-" + gw,
        GatewayId = gw,
        Version = "9.9.9",
        ReconnectInitial = TimeSpan.FromMilliseconds(200),
        ReconnectMax = TimeSpan.FromSeconds(1),
    };

    [Fact]
    public async Task Run_Connects_PublishesRetainedOnline_AndCleanStopLeavesRetainedOffline()
    {
        var uplink = new UplinkClient(Options("gw-a"), _counters);
        using var cts = new CancellationTokenSource();
        var run = uplink.RunAsync(cts.Token);
        await uplink.WaitConnectedAsync(CancellationToken.None).WaitAsync(Deadline);
        Assert.True(uplink.IsConnected);

        await using (var late = await CentralSubscriber.StartAsync(_broker.Host, _broker.Port, uplink.Topics.State))
        {
            await Eventually.True(() => late.Count >= 1, Deadline, "retained online state");
            var online = late.Snapshot()[0];
            Assert.True(online.Retain);
            Assert.Contains("\"state\":\"online\"", online.Text);
            Assert.Contains("\"version\":\"9.9.9\"", online.Text);
        }

        await cts.CancelAsync();
        await run.WaitAsync(Deadline);
        Assert.Equal(UplinkState.Stopped, uplink.State);
        Assert.False(uplink.IsConnected);

        await using var after = await CentralSubscriber.StartAsync(_broker.Host, _broker.Port, uplink.Topics.State);
        await Eventually.True(() => after.Count >= 1, Deadline, "retained offline state");
        Assert.Equal(Offline, after.Snapshot()[0].Text);
        Assert.Equal(0, _counters.UplinkReconnects);
    }

    [Fact]
    public async Task Connection_KeepsTheKernelsBufferAutoTuning()
    {
        // MQTTnet's own TCP channel sets SO_RCVBUF/SO_SNDBUF to 8 KiB, which locks them at 16 KiB: at most 16 KiB of
        // events in flight per round trip to the central broker, however far the link reaches.
        var uplink = new UplinkClient(Options("gw-buffers"), _counters);
        using var cts = new CancellationTokenSource();
        var run = uplink.RunAsync(cts.Token);
        await uplink.WaitConnectedAsync(CancellationToken.None).WaitAsync(Deadline);
        var defaults = await LoopbackSockets.KernelDefaultsAsync(_broker.Port);

        var (receive, send) = Assert.Single(LoopbackSockets.BuffersOfConnectionsTo(_broker.Port));

        Assert.True(receive >= defaults.ReceiveBuffer && send >= defaults.SendBuffer,
            $"the uplink socket's buffers are {receive} / {send} bytes (receive / send), below the kernel's auto-tuned start {defaults.ReceiveBuffer} / {defaults.SendBuffer}: fixed and locked");
        await cts.CancelAsync();
        await run.WaitAsync(Deadline);
    }

    [Fact]
    public async Task AbortedConnection_LeavesRetainedOfflineWill_ThenReconnectsAndCountsIt()
    {
        var options = Options("gw-b");
        options.ReconnectInitial = TimeSpan.FromSeconds(4); // long enough to look at the will before the reconnect
        options.ReconnectMax = TimeSpan.FromSeconds(4);
        var uplink = new UplinkClient(options, _counters);
        using var cts = new CancellationTokenSource();
        var run = uplink.RunAsync(cts.Token);
        await uplink.WaitConnectedAsync(CancellationToken.None).WaitAsync(Deadline);
        await using var live = await CentralSubscriber.StartAsync(_broker.Host, _broker.Port, uplink.Topics.State);
        await Eventually.True(() => live.Count >= 1, Deadline, "online state");

        uplink.AbortConnection(); // no DISCONNECT packet: the broker must publish the last will

        await Eventually.True(() => live.Snapshot().Any(m => m.Text == Offline), Deadline, "last will seen live");
        Assert.False(uplink.IsConnected);
        await using (var late = await CentralSubscriber.StartAsync(_broker.Host, _broker.Port, uplink.Topics.State))
        {
            await Eventually.True(() => late.Count >= 1, Deadline, "retained state");
            Assert.Equal(Offline, late.Snapshot()[0].Text);
            Assert.True(late.Snapshot()[0].Retain);
        }

        await uplink.WaitConnectedAsync(CancellationToken.None).WaitAsync(Deadline);
        await Eventually.True(() => live.Snapshot()[^1].Text.Contains("online"), Deadline, "online again after reconnect");
        Assert.Equal(1, _counters.UplinkReconnects);
        await cts.CancelAsync();
        await run.WaitAsync(Deadline);
    }

    [Fact]
    public async Task PublishAsync_WhenNotConnected_ReturnsFailureAsData()
    {
        var uplink = new UplinkClient(Options("gw-c"), _counters);
        var outcome = await uplink.PublishAsync("ea/x", "{}"u8.ToArray(), MqttQualityOfServiceLevel.AtLeastOnce, false, CancellationToken.None);
        Assert.False(outcome.Success);
        Assert.Equal("not connected", outcome.Error);
    }

    /// <summary>A fake clock that also records the due time of every timer made on it (Task.Delay, CTS timeouts).</summary>
    private sealed class RecordingTime(DateTimeOffset start) : FakeTimeProvider(start)
    {
        public System.Collections.Concurrent.ConcurrentQueue<TimeSpan> DueTimes { get; } = new();

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
        {
            var timer = base.CreateTimer(callback, state, dueTime, period);
            DueTimes.Enqueue(dueTime);
            return timer;
        }
    }

    [Fact]
    public async Task Run_BrokerUnreachable_RetriesOnlyAfterTheBackoffDelayOnTheInjectedClock()
    {
        var time = new RecordingTime(DateTimeOffset.UnixEpoch.AddYears(55));
        var options = Options("gw-d", port: MosquittoBroker.FreeTcpPort()); // nobody listens: connection refused
        options.ReconnectInitial = TimeSpan.FromSeconds(10);
        options.ReconnectMax = TimeSpan.FromSeconds(60);
        options.OperationTimeout = TimeSpan.FromSeconds(3); // its timers are told apart from backoff delays by length
        var uplink = new UplinkClient(options, _counters, time);
        var attempts = 0;
        uplink.StateChanged += s =>
        {
            if (s == UplinkState.Connecting)
            {
                Interlocked.Increment(ref attempts);
            }
        };
        using var cts = new CancellationTokenSource();
        var run = uplink.RunAsync(cts.Token);

        // Attempt 0 waits 8..10 s, attempt 1 waits 16..20 s, attempt 2 waits 32..40 s (20 % jitter).
        foreach (var (min, max, attempt) in new[] { (8.0, 10.0, 1), (16.0, 20.0, 2), (32.0, 40.0, 3) })
        {
            TimeSpan delay = default;
            await Eventually.True(() => time.DueTimes.TryDequeue(out delay) && delay > options.OperationTimeout, Deadline, "backoff delay armed");
            Assert.InRange(delay.TotalSeconds, min, max);
            Assert.Equal(UplinkState.Backoff, uplink.State);
            time.Advance(delay - TimeSpan.FromMilliseconds(1));
            await Task.Yield();
            Assert.Equal(attempt, Volatile.Read(ref attempts));
            time.Advance(TimeSpan.FromMilliseconds(1));
            await Eventually.True(() => Volatile.Read(ref attempts) == attempt + 1, Deadline, $"attempt {attempt + 1} after the delay");
        }
        await cts.CancelAsync();
        await run.WaitAsync(Deadline);
        Assert.Equal(0, _counters.UplinkReconnects);
    }
}
