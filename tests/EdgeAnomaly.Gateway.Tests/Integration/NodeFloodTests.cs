using System.Text;
using EdgeAnomaly.Core.Diagnostics;
using EdgeAnomaly.Runtime.Alarm;
using EdgeAnomaly.Runtime.Configuration;
using EdgeAnomaly.Runtime.Hosting;
using EdgeAnomaly.Runtime.Pipeline;
using EdgeAnomaly.TestSupport;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using MQTTnet;
using MQTTnet.Protocol;

namespace EdgeAnomaly.Gateway.Tests.Integration;

/// <summary>
/// Refused input from invented node ids, published through a real mosquitto to the composed gateway, must not use up
/// the node table: a legitimate node that appears afterwards is still served.
/// </summary>
[Collection("gateway-process")]
public sealed class NodeFloodTests : TwoBrokerTest
{
    // Twice the default Ingest:MaxNodes (1024), so the old behaviour (a slot per refused message) fills the table.
    private const int FloodNodes = 2048;

    [Fact]
    public async Task FloodOfRefusedReadingsFromNewNodeIds_ThenANewLegitimateNode_ItsReadingIsAccepted()
    {
        var config = ConfigLoader.Load(GatewayFixtureConfig.Write(Dir.Path, Local.Port, Central.Port, ["a01"]));
        using var host = GatewayHost.Build(config, new GatewayHostOptions { AlarmOutput = new DisabledAlarmOutput(), MinimumLogLevel = LogLevel.Warning });
        await Task.Run(() => host.StartAsync());
        var ingest = (EdgeAnomaly.Ingest.MqttIngestClient)host.Services.GetService(typeof(EdgeAnomaly.Ingest.MqttIngestClient))!;
        var counters = (GatewayCounters)host.Services.GetService(typeof(GatewayCounters))!;
        var pipeline = (GatewayPipeline)host.Services.GetService(typeof(GatewayPipeline))!;
        await Eventually.True(() => ingest.IsConnected, TimeSpan.FromSeconds(10), "the gateway subscribes to the node topics");

        using var publisher = new MqttClientFactory().CreateMqttClient();
        await publisher.ConnectAsync(new MqttClientOptionsBuilder().WithTcpServer(Local.Host, Local.Port).WithClientId("flooder").Build());
        var junk = Encoding.UTF8.GetBytes("""{"v":1,"asset":"no-such-asset","tag":"x","value":1}""");
        for (var i = 0; i < FloodNodes; i++)
        {
            await publisher.PublishAsync(new MqttApplicationMessageBuilder().WithTopic($"ea/v1/nodes/n{i}/readings").WithPayload(junk)
                .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build());
        }
        await Eventually.True(() => counters.RejectedTotal >= FloodNodes, TimeSpan.FromSeconds(30),
            $"the gateway refuses every flood message (so far {counters.RejectedTotal})");

        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        await publisher.PublishAsync(new MqttApplicationMessageBuilder().WithTopic("ea/v1/nodes/legit-node/readings")
            .WithPayload(Encoding.UTF8.GetBytes($$"""{"v":1,"asset":"a01","tag":"x","value":0.2,"ts":{{now}}}"""))
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build());
        await Eventually.True(() => pipeline.MessagesProcessed > FloodNodes, TimeSpan.FromSeconds(10), "the pipeline processes the legitimate reading");

        Assert.Equal(1, counters.ReadingsAccepted);
        Assert.Equal(0, counters.Rejected(RejectReason.BadTopic));
        Assert.Equal(FloodNodes, counters.Rejected(RejectReason.UnknownAsset));
        await host.StopAsync();
        await publisher.DisconnectAsync();
    }
}
