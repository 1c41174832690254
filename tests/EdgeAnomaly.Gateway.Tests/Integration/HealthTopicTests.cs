using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using EdgeAnomaly.Contracts;
using EdgeAnomaly.Runtime.Alarm;
using EdgeAnomaly.Runtime.Configuration;
using EdgeAnomaly.Runtime.Hosting;
using EdgeAnomaly.TestSupport;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using MQTTnet;
using MQTTnet.Protocol;

namespace EdgeAnomaly.Gateway.Tests.Integration;

/// <summary>Which gateway the central topics name when Gateway:Id and Central:GatewayId differ.</summary>
[Collection("gateway-process")]
public sealed class HealthTopicTests : TwoBrokerTest
{
    private const string GatewayId = "gw-test";
    private const string CentralGatewayId = "gw-central";

    private sealed record Received(string Topic, byte[] Payload);

    [Fact]
    public async Task GatewayIdAndCentralGatewayIdDiffer_HealthStateAndEvents_AllGoToTheCentralGatewayIdTopics()
    {
        var configPath = GatewayFixtureConfig.Write(Dir.Path, Local.Port, Central.Port, ["a01"]);
        var json = JsonNode.Parse(await File.ReadAllTextAsync(configPath))!;
        Assert.Equal(GatewayId, (string?)json["Gateway"]!["Id"]);
        json["Central"]!["GatewayId"] = CentralGatewayId;
        await File.WriteAllTextAsync(configPath, json.ToJsonString());
        var config = ConfigLoader.Load(configPath);

        // Everything any gateway publishes: a message under another id than Central:GatewayId is the defect.
        var received = new ConcurrentQueue<Received>();
        using var central = new MqttClientFactory().CreateMqttClient();
        central.ApplicationMessageReceivedAsync += e =>
        {
            received.Enqueue(new Received(e.ApplicationMessage.Topic, System.Buffers.BuffersExtensions.ToArray(e.ApplicationMessage.Payload)));
            return Task.CompletedTask;
        };
        await central.ConnectAsync(new MqttClientOptionsBuilder().WithTcpServer(Central.Host, Central.Port).Build());
        await central.SubscribeAsync(GatewayTopics.AllFilter("ea"), MqttQualityOfServiceLevel.AtLeastOnce);

        using var host = GatewayHost.Build(config, new GatewayHostOptions { AlarmOutput = new DisabledAlarmOutput(), MinimumLogLevel = LogLevel.Warning });
        await Task.Run(() => host.StartAsync());
        var ingest = (EdgeAnomaly.Ingest.MqttIngestClient)host.Services.GetService(typeof(EdgeAnomaly.Ingest.MqttIngestClient))!;
        await Eventually.True(() => ingest.IsConnected, TimeSpan.FromSeconds(10), "the gateway subscribes to the node topics");
        using var node = new MqttClientFactory().CreateMqttClient();
        await node.ConnectAsync(new MqttClientOptionsBuilder().WithTcpServer(Local.Host, Local.Port).Build());
        await node.PublishAsync(new MqttApplicationMessageBuilder().WithTopic(NodeTopics.Readings("ea", "n1"))
            .WithPayload("""{"v":1,"asset":"a01","tag":"x","value":0.9}"""u8.ToArray()).WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build());

        bool Seen(GatewayTopicKind kind) => received.Any(m => GatewayTopics.Parse(m.Topic, "ea", out _, out _) == kind);
        await Eventually.True(() => Seen(GatewayTopicKind.State) && Seen(GatewayTopicKind.Events) && Seen(GatewayTopicKind.Health), TimeSpan.FromSeconds(15),
            $"state, an event and health reach the central broker; got [{string.Join(", ", received.Select(m => m.Topic).Distinct())}]");
        await host.StopAsync();

        foreach (var m in received)
        {
            Assert.NotEqual(GatewayTopicKind.Invalid, GatewayTopics.Parse(m.Topic, "ea", out var topicGateway, out _));
            Assert.True(topicGateway.SequenceEqual(CentralGatewayId), $"{m.Topic} names another gateway than Central:GatewayId '{CentralGatewayId}'");
        }
        // The payloads' "gateway" field stays Gateway:Id, for events and health alike (docs/mqtt-contract.md).
        var health = received.First(m => m.Topic.EndsWith("/health", StringComparison.Ordinal));
        var anEvent = received.First(m => GatewayTopics.Parse(m.Topic, "ea", out _, out _) == GatewayTopicKind.Events);
        Assert.Equal(GatewayId, HealthReportJson.Read(health.Payload).Gateway);
        Assert.Equal(GatewayId, EventJson.Deserialize(anEvent.Payload).Gateway);
        Assert.Equal(new GatewayTopics("ea", CentralGatewayId).Events("a01"), anEvent.Topic);
        Assert.Contains(received, m => m.Topic == new GatewayTopics("ea", CentralGatewayId).State && GatewayStateJson.Read(m.Payload).IsOnline);
    }
}
