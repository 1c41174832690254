using EdgeAnomaly.Core.Readings;
using EdgeAnomaly.Runtime.Sources;

namespace EdgeAnomaly.Gateway.Tests.Sources;

public sealed class LocalReadingChannelTests
{
    private static Reading[] One(double value) => [new Reading(0, 1000, value)];

    [Fact]
    public async Task WriteAsync_QueueFull_WriterWaitsUntilThePipelineReads_NothingDropped()
    {
        var counters = new LocalSourceCounters();
        var channel = new LocalReadingChannel(counters, capacity: 1);
        await channel.WriteAsync(LocalSourceKind.Modbus, One(1), CancellationToken.None);
        var second = channel.WriteAsync(LocalSourceKind.Modbus, One(2), CancellationToken.None);

        Assert.False(second.IsCompleted);
        Assert.Equal(1, counters.QueueFullWaits(LocalSourceKind.Modbus));
        Assert.Equal(0, counters.QueueFullWaits(LocalSourceKind.Serial));

        Assert.True(channel.Reader.TryRead(out var first));
        Assert.Equal(1, first.Readings[0].Value);
        first.Return();
        await second.AsTask().WaitAsync(TimeSpan.FromSeconds(30));
        Assert.True(channel.Reader.TryRead(out var next));
        Assert.Equal(2, next.Readings[0].Value);
        Assert.Equal(LocalSourceKind.Modbus, next.Kind);
        next.Return();
        Assert.Equal(0, counters.AbandonedAtStop(LocalSourceKind.Modbus));
    }

    [Fact]
    public async Task WriteAsync_CancelledWhileWaiting_IsCountedAsAbandoned()
    {
        var counters = new LocalSourceCounters();
        var channel = new LocalReadingChannel(counters, capacity: 1);
        await channel.WriteAsync(LocalSourceKind.Gpio, One(1), CancellationToken.None);
        using var stop = new CancellationTokenSource();
        var waiting = channel.WriteAsync(LocalSourceKind.Gpio, One(2), stop.Token);
        await stop.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting.AsTask());
        Assert.Equal(1, counters.AbandonedAtStop(LocalSourceKind.Gpio));
        Assert.Equal(1, channel.Pending);
    }

    [Fact]
    public async Task WriteAsync_CopiesTheReadings_CallerMayReuseItsBuffer()
    {
        var channel = new LocalReadingChannel(new LocalSourceCounters());
        var scratch = new[] { new Reading(3, 5, 7.5, ReadingQuality.Uncertain), new Reading(4, 6, 8.5) };
        await channel.WriteAsync(LocalSourceKind.Serial, scratch, CancellationToken.None);
        scratch[0] = default;

        Assert.True(channel.Reader.TryRead(out var batch));
        Assert.Equal(2, batch.Count);
        Assert.Equal(new Reading(3, 5, 7.5, ReadingQuality.Uncertain), batch.Readings[0]);
        batch.Return();
    }

    [Fact]
    public async Task WriteAsync_Empty_EnqueuesNothing()
    {
        var channel = new LocalReadingChannel(new LocalSourceCounters());
        await channel.WriteAsync(LocalSourceKind.Modbus, ReadOnlySpan<Reading>.Empty.ToArray(), CancellationToken.None);
        Assert.Equal(0, channel.Pending);
    }
}

public sealed class LocalReadingSinkTests
{
    [Theory]
    [InlineData("modbus:pump-01-plc", LocalSourceKind.Modbus)]
    [InlineData("serial:esp32-usb", LocalSourceKind.Serial)]
    [InlineData("serial", LocalSourceKind.Serial)]
    [InlineData("gpio", LocalSourceKind.Gpio)]
    [InlineData("gpio:door", LocalSourceKind.Gpio)]
    [InlineData("gpiox", LocalSourceKind.Modbus)]
    public void KindOf_SourceName_MapsToItsCounters(string source, LocalSourceKind kind) =>
        Assert.Equal(kind, LocalReadingSink.KindOf(source));

    [Fact]
    public async Task WriteAsync_CopiesTheProducersBuffer()
    {
        var channel = new LocalReadingChannel(new LocalSourceCounters());
        var sink = new LocalReadingSink(channel);
        var buffer = new[] { new Reading(1, 10, 2.5) };
        await sink.WriteAsync(new EdgeAnomaly.Devices.ReadingBatch("gpio", buffer), CancellationToken.None);
        buffer[0] = default;
        Assert.True(channel.Reader.TryRead(out var batch));
        Assert.Equal(LocalSourceKind.Gpio, batch.Kind);
        Assert.Equal(2.5, batch.Readings[0].Value);
        batch.Return();
    }
}
