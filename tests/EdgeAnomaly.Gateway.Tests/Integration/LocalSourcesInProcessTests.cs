using System.Collections.Concurrent;
using System.Text;
using EdgeAnomaly.Core.Events;
using EdgeAnomaly.Core.Readings;
using EdgeAnomaly.Core.Tags;
using EdgeAnomaly.Gateway.Alarm;
using EdgeAnomaly.Gateway.Configuration;
using EdgeAnomaly.Gateway.Hosting;
using EdgeAnomaly.Gateway.Pipeline;
using EdgeAnomaly.Gateway.Sources;
using EdgeAnomaly.Ingest;
using EdgeAnomaly.Storage;
using EdgeAnomaly.TestSupport;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using MQTTnet;
using MQTTnet.Protocol;

namespace EdgeAnomaly.Gateway.Tests.Integration;

/// <summary>Local reading batches (Modbus, serial, GPIO) take the same pipeline path as MQTT readings.</summary>
[Collection("gateway-process")]
public sealed class LocalSourcesInProcessTests : TwoBrokerTest
{
    private sealed class Observer : IEventObserver
    {
        public ConcurrentQueue<GatewayEvent> Events { get; } = new();

        public void OnCommitted(IReadOnlyList<GatewayEvent> revisions)
        {
            foreach (var e in revisions)
            {
                Events.Enqueue(e);
            }
        }
    }

    private static T Get<T>(IHost host) => (T)host.Services.GetService(typeof(T))!;

    [Fact]
    public async Task LocalBatch_RaisesTheSameRuleEventAsAnMqttReading_AndIsStoredWithItsQuality()
    {
        var config = ConfigLoader.Load(GatewayFixtureConfig.Write(Dir.Path, Local.Port, Central.Port, ["a01", "a02"]));
        var observer = new Observer();
        using var host = GatewayHost.Build(config, new GatewayHostOptions
        {
            Observer = observer,
            AlarmOutput = new DisabledAlarmOutput(),
            MinimumLogLevel = LogLevel.Warning,
        });
        await Task.Run(() => host.StartAsync());
        var ingest = Get<MqttIngestClient>(host);
        var registry = Get<TagRegistry>(host);
        var channel = Get<LocalReadingChannel>(host);
        var pipeline = Get<GatewayPipeline>(host);
        var store = Get<GatewayStore>(host);
        await Eventually.True(() => ingest.IsConnected, TimeSpan.FromSeconds(30), "the gateway subscribes to the node topics");

        // a02 over MQTT, a01 from a local poller: same rule, same kind of event.
        using var node = new MqttClientFactory().CreateMqttClient();
        await node.ConnectAsync(new MqttClientOptionsBuilder().WithTcpServer(Local.Host, Local.Port).Build());
        await node.PublishAsync(new MqttApplicationMessageBuilder().WithTopic("ea/v1/nodes/n1/readings")
            .WithPayload(Encoding.UTF8.GetBytes("""{"v":1,"asset":"a02","tag":"x","value":0.9}"""))
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build());

        Assert.True(registry.TryGetTag("a01", "x", out var x));
        Assert.True(registry.TryGetTag("a01", "y", out var y));
        var t0 = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        await channel.WriteAsync(LocalSourceKind.Modbus, [new Reading(x, t0, 0.2), new Reading(y, t0, 1)], CancellationToken.None);
        await channel.WriteAsync(LocalSourceKind.Modbus, [new Reading(x, t0 + 100, 0.9), new Reading(y, t0 + 100, 2)], CancellationToken.None);

        await Eventually.True(() => observer.Events.Any(e => e.Asset == "a01" && e.Source == "rule:x-high" && e.State == EventState.Open)
                && observer.Events.Any(e => e.Asset == "a02" && e.Source == "rule:x-high" && e.State == EventState.Open),
            TimeSpan.FromSeconds(30), "the rule fires for the local reading and for the MQTT reading");
        var local = observer.Events.First(e => e.Asset == "a01" && e.Source == "rule:x-high");
        var mqtt = observer.Events.First(e => e.Asset == "a02" && e.Source == "rule:x-high");
        Assert.Equal(mqtt.Kind, local.Kind);
        Assert.Equal(mqtt.Severity, local.Severity);
        Assert.Equal(t0 + 100, local.StartMs);

        // A device answering badly: bad quality is kept; a NaN claimed good is stored as bad; the rule closes on 0.1.
        await channel.WriteAsync(LocalSourceKind.Modbus, [new Reading(x, t0 + 200, 0.1, ReadingQuality.Uncertain), new Reading(y, t0 + 200, double.NaN)],
            CancellationToken.None);
        await Eventually.True(() => observer.Events.Any(e => e.Asset == "a01" && e.Source == "rule:x-high" && e.State == EventState.Closed),
            TimeSpan.FromSeconds(30), "an uncertain reading still drives the rules, like an MQTT reading with q=uncertain");
        await Eventually.True(() => pipeline.LocalBatchesProcessed == 3, TimeSpan.FromSeconds(30), "every batch is processed");
        Assert.Equal(6, channel.Counters.Readings(LocalSourceKind.Modbus));
        Assert.Equal(2, channel.Counters.NotGood(LocalSourceKind.Modbus));
        Assert.Equal(3, channel.Counters.Batches(LocalSourceKind.Modbus));

        await host.StopAsync();
        var ys = store.ReadReadings("a01", "y", t0 - 1, t0 + 1000);
        Assert.Equal(3, ys.Count);
        Assert.Equal(ReadingQuality.Good, ys[1].Quality);
        Assert.Equal(ReadingQuality.Bad, ys[2].Quality);
        var xs = store.ReadReadings("a01", "x", t0 - 1, t0 + 1000);
        Assert.Equal(ReadingQuality.Uncertain, xs[2].Quality);
        Assert.Equal(0.1, xs[2].Value);
    }
}
