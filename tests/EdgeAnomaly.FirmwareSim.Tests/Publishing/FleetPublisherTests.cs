using System.Text.Json;
using EdgeAnomaly.FirmwareSim.BadInput;
using EdgeAnomaly.FirmwareSim.Faults;
using EdgeAnomaly.FirmwareSim.Fleet;
using EdgeAnomaly.FirmwareSim.Publishing;
using EdgeAnomaly.TestSupport;
using Microsoft.Extensions.Logging.Abstractions;

namespace EdgeAnomaly.FirmwareSim.Tests.Publishing;

/// <summary>The publisher against a real mosquitto on loopback, observed by a real MQTTnet subscriber.</summary>
public class FleetPublisherTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(15);

    private static FleetPublisher Publisher(FleetSpec spec, MosquittoBroker broker, FleetPublisherOptions options, FaultSchedule? faults = null, LabelWriter? labels = null) =>
        new(spec, options with { Host = broker.Host, Port = broker.Port }, TimeProvider.System, NullLogger<FleetPublisher>.Instance, faults, labels);

    private static string State(byte[] payload)
    {
        using var doc = JsonDocument.Parse(payload);
        Assert.Equal(1, doc.RootElement.GetProperty("v").GetInt32());
        return doc.RootElement.GetProperty("state").GetString()!;
    }

    [Theory]
    [InlineData(0, 1)]
    [InlineData(1, 1)]
    [InlineData(1, 10)]
    public async Task Run_FastForward_SubscriberReceivesEveryPublishedReading(int qos, int batch)
    {
        await using var broker = await MosquittoBroker.StartAsync();
        await using var sub = await Subscriber.ConnectAsync(broker.Port, "ea/v1/nodes/+/readings");
        var spec = FleetSpec.Default(2, 1);
        var publisher = Publisher(spec, broker, new FleetPublisherOptions { Qos = qos, BatchSize = batch, Speed = 30, Duration = TimeSpan.FromSeconds(2) });

        await publisher.RunAsync(CancellationToken.None);

        var expectedAbout = spec.ReadingsPerSecond * 30 * 2;
        Assert.InRange(publisher.Counters.ReadingsPublished, expectedAbout * 0.7, expectedAbout * 1.1);
        Assert.Equal(0, publisher.Counters.MessagesDropped);
        await Eventually.True(() => sub.Received.Count >= publisher.Counters.MessagesPublished, Wait, "all messages delivered");
        var readings = sub.Received.SelectMany(m => ContractReader.Parse(m.Topic.Split('/')[3], m.Payload)).ToList();
        Assert.Equal(publisher.Counters.ReadingsPublished, readings.Count);
        Assert.Equal(["esp32-01", "esp32-02"], readings.Select(r => r.Node).Distinct().Order());
        // A faster-than-real run replays a backlog: no reading may be dated in the future.
        Assert.True(readings.Max(r => r.Ts) <= DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
        Assert.All(readings, r => Assert.Equal(r.Asset, spec.Assets.Single(a => a.NodeId == r.Node).Name));
    }

    [Fact]
    public async Task Run_Connected_PublishesRetainedOnlineStatusAndCleanStopLeavesOffline()
    {
        await using var broker = await MosquittoBroker.StartAsync();
        var spec = FleetSpec.Default(2, 1);
        var publisher = Publisher(spec, broker, new FleetPublisherOptions { Speed = 5 });
        using var cts = new CancellationTokenSource();
        var run = publisher.RunAsync(cts.Token);
        await Eventually.True(() => publisher.Counters.MessagesPublished > 4, Wait, "publishing started");

        // A subscriber arriving later still gets each node's state: the status is retained.
        await using (var late = await Subscriber.ConnectAsync(broker.Port, "ea/v1/nodes/+/status"))
        {
            await Eventually.True(() => late.Received.Count >= 2, Wait, "retained status of both nodes");
            foreach (var node in new[] { "esp32-01", "esp32-02" })
            {
                var status = Assert.Single(late.On($"ea/v1/nodes/{node}/status"));
                Assert.True(status.Retained);
                using var doc = JsonDocument.Parse(status.Payload);
                Assert.Equal("online", doc.RootElement.GetProperty("state").GetString());
                Assert.Equal("1.4.2", doc.RootElement.GetProperty("fw").GetString());
                Assert.InRange(doc.RootElement.GetProperty("ts").GetInt64(), DateTimeOffset.UtcNow.AddMinutes(-1).ToUnixTimeMilliseconds(), DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
            }
        }

        await cts.CancelAsync();
        await run;

        await using var after = await Subscriber.ConnectAsync(broker.Port, "ea/v1/nodes/+/status");
        await Eventually.True(() => after.Received.Count >= 2, Wait, "retained status after stop");
        Assert.All(after.Received, m => Assert.Equal("offline", State(m.Payload)));
    }

    [Fact]
    public async Task NodeDropout_Disconnect_BrokerPublishesTheLastWillWhileOtherNodesStayOnline()
    {
        await using var broker = await MosquittoBroker.StartAsync();
        await using var live = await Subscriber.ConnectAsync(broker.Port, "ea/v1/nodes/+/status");
        var spec = FleetSpec.Default(2, 1);
        var dropout = new FaultSchedule([new FaultSpec("pump-01", FaultSpec.WholeNode, FaultKind.Dropout, TimeSpan.FromSeconds(1), TimeSpan.FromHours(1))]);
        var publisher = Publisher(spec, broker, new FleetPublisherOptions { Speed = 2, SimulatedStartMs = DateTimeOffset.UtcNow.AddHours(-1).ToUnixTimeMilliseconds() }, dropout);
        using var cts = new CancellationTokenSource();
        var run = publisher.RunAsync(cts.Token);
        try
        {
            await Eventually.True(() => live.On("ea/v1/nodes/esp32-01/status").Any(m => State(m.Payload) == "offline"), Wait, "esp32-01 last will");

            Assert.Equal(["online", "offline"], live.On("ea/v1/nodes/esp32-01/status").Select(m => State(m.Payload)));
            Assert.All(live.On("ea/v1/nodes/esp32-02/status"), m => Assert.Equal("online", State(m.Payload)));
            await using var late = await Subscriber.ConnectAsync(broker.Port, "ea/v1/nodes/+/status");
            await Eventually.True(() => late.Received.Count >= 2, Wait, "retained states");
            var retained = Assert.Single(late.On("ea/v1/nodes/esp32-01/status"));
            Assert.True(retained.Retained);
            Assert.Equal("{\"v\":1,\"state\":\"offline\"}", System.Text.Encoding.UTF8.GetString(retained.Payload));
            Assert.Equal("online", State(Assert.Single(late.On("ea/v1/nodes/esp32-02/status")).Payload));
        }
        finally
        {
            await cts.CancelAsync();
            await run;
        }
    }

    [Fact]
    public async Task NodeDropout_Silent_StaysConnectedAndStopsPublishingThenResumes()
    {
        await using var broker = await MosquittoBroker.StartAsync();
        await using var sub = await Subscriber.ConnectAsync(broker.Port, "ea/v1/nodes/#");
        var spec = FleetSpec.Default(1, 1);
        var dropout = new FaultSchedule([new FaultSpec("pump-01", FaultSpec.WholeNode, FaultKind.Dropout, TimeSpan.FromSeconds(20), TimeSpan.FromSeconds(20))]);
        using var labelText = new StringWriter();
        var publisher = Publisher(spec, broker, new FleetPublisherOptions { Speed = 30, Duration = TimeSpan.FromSeconds(2), NodeDropout = NodeDropoutMode.Silent }, dropout, new LabelWriter(labelText));

        await publisher.RunAsync(CancellationToken.None);

        await Eventually.True(() => sub.On("ea/v1/nodes/esp32-01/readings").Count >= publisher.Counters.MessagesPublished, Wait, "delivered");
        var states = sub.On("ea/v1/nodes/esp32-01/status").Select(m => State(m.Payload)).ToList();
        Assert.Equal(["online", "offline"], states); // online at connect, offline from the clean stop only
        var start = publisher.SimulatedStartMs;
        var ts = sub.On("ea/v1/nodes/esp32-01/readings").SelectMany(m => ContractReader.Parse("esp32-01", m.Payload)).Select(r => r.Ts - start).ToList();
        Assert.DoesNotContain(ts, t => t >= 20_000 && t < 40_000);
        Assert.Contains(ts, t => t >= 40_000);
        Assert.Equal(1, publisher.Counters.LabelsWritten);
        Assert.Contains("\"fault\":\"dropout\"", labelText.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task BadInput_PublishedCountsMatchWhatTheSubscriberSees()
    {
        await using var broker = await MosquittoBroker.StartAsync();
        await using var sub = await Subscriber.ConnectAsync(broker.Port, "ea/v1/nodes/+/readings");
        var spec = FleetSpec.Default(2, 1);
        var publisher = Publisher(spec, broker, new FleetPublisherOptions { Speed = 60, Duration = TimeSpan.FromSeconds(2), BadInputShare = 0.3 });

        await publisher.RunAsync(CancellationToken.None);

        await Eventually.True(() => sub.Received.Count >= publisher.Counters.MessagesPublished, Wait, "delivered");
        var bad = publisher.Counters.BadInputPublished;
        Assert.True(bad.Total > 10);
        var unparsable = sub.Received.Count(m => !TryParse(m.Payload));
        Assert.Equal(bad[BadInputKind.BrokenJson], unparsable);
        var nanStrings = sub.Received.Count(m => TryParse(m.Payload) && m.Payload.AsSpan().IndexOf("\"NaN\""u8) >= 0);
        Assert.Equal(bad[BadInputKind.NanAsString], nanStrings);
        var unknownTags = sub.Received.Count(m => m.Payload.AsSpan().IndexOf("\"unknown.tag\""u8) >= 0);
        Assert.Equal(bad[BadInputKind.UnknownTag], unknownTags);
    }

    [Fact]
    public async Task BrokerRestart_NodesReconnectAndPublishingResumes()
    {
        await using var broker = await MosquittoBroker.StartAsync();
        var spec = FleetSpec.Default(2, 1);
        var publisher = Publisher(spec, broker, new FleetPublisherOptions
        {
            Speed = 5,
            ReconnectMinDelay = TimeSpan.FromMilliseconds(50),
            ReconnectMaxDelay = TimeSpan.FromMilliseconds(300),
            ConnectTimeout = TimeSpan.FromSeconds(2),
        });
        using var cts = new CancellationTokenSource();
        var run = publisher.RunAsync(cts.Token);
        try
        {
            await Eventually.True(() => publisher.Counters.MessagesPublished > 4, Wait, "publishing started");
            await broker.StopAsync();
            await Eventually.True(() => publisher.Counters.MessagesDropped > 0, Wait, "drops while the broker is down");
            await broker.StartAsync();
            await using var sub = await Subscriber.ConnectAsync(broker.Port, "ea/v1/nodes/+/readings");

            await Eventually.True(() => publisher.Counters.Reconnects >= 2, Wait, "both nodes reconnected");
            await Eventually.True(() => sub.Received.Select(m => m.Topic).Distinct().Count() == 2, Wait, "readings from both nodes after restart");
        }
        finally
        {
            await cts.CancelAsync();
            await run;
        }
    }

    private static bool TryParse(byte[] payload)
    {
        try
        {
            using var _ = JsonDocument.Parse(payload);
            return true;
        }
        catch (JsonException)
        {
            return false;
        }
    }
}
