using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using EdgeAnomaly.Core.Events;
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

/// <summary>The composed gateway in-process against real mosquitto brokers: wiring of reload, health, state, alarm.</summary>
[Collection("gateway-process")]
public sealed class GatewayInProcessTests : TwoBrokerTest
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

    private sealed class RecordingAlarm : IAlarmOutput
    {
        public ConcurrentQueue<bool> Writes { get; } = new();

        public bool IsEnabled => true;

        public void Set(bool on) => Writes.Enqueue(on);

        public void Dispose()
        {
        }
    }

    /// <summary>
    /// xunit runs tests on a sync context with as many threads as cores; components whose awaits resume on the
    /// captured context would then compete with the test for them. Start the host as the daemon does: no context.
    /// </summary>
    private static Task StartOffTestContextAsync(IHost host) => Task.Run(() => host.StartAsync());

    private static string Probe(IHost host)
    {
        var c = (EdgeAnomaly.Core.Diagnostics.GatewayCounters)host.Services.GetService(typeof(EdgeAnomaly.Core.Diagnostics.GatewayCounters))!;
        var p = (GatewayPipeline)host.Services.GetService(typeof(GatewayPipeline))!;
        var u = (EdgeAnomaly.Uplink.UplinkClient)host.Services.GetService(typeof(EdgeAnomaly.Uplink.UplinkClient))!;
        return $"received {c.MessagesReceived} readings {c.ReadingsAccepted} rejected {c.RejectedTotal} processed {p.MessagesProcessed} uplink {u.IsConnected} {u.State}";
    }

    private static async Task<IMqttClient> ConnectAsync(MosquittoBroker broker)
    {
        var client = new MqttClientFactory().CreateMqttClient();
        await client.ConnectAsync(new MqttClientOptionsBuilder().WithTcpServer(broker.Host, broker.Port).Build());
        return client;
    }

    private static Task PublishAsync(IMqttClient client, string payload) =>
        client.PublishAsync(new MqttApplicationMessageBuilder().WithTopic("ea/v1/nodes/n1/readings")
            .WithPayload(Encoding.UTF8.GetBytes(payload)).WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build());

    [Fact]
    public async Task RulesFileEdited_NewRuleAppliesWithoutRestart_InvalidEditKeepsTheRulesInForce()
    {
        var configPath = GatewayFixtureConfig.Write(Dir.Path, Local.Port, Central.Port, ["a01"]);
        var config = ConfigLoader.Load(configPath);
        var observer = new Observer();
        var alarm = new RecordingAlarm();
        using var host = GatewayHost.Build(config, new GatewayHostOptions { Observer = observer, AlarmOutput = alarm, MinimumLogLevel = LogLevel.Warning });
        await StartOffTestContextAsync(host);
        var ingest = (EdgeAnomaly.Ingest.MqttIngestClient)host.Services.GetService(typeof(EdgeAnomaly.Ingest.MqttIngestClient))!;
        await Eventually.True(() => ingest.IsConnected, TimeSpan.FromSeconds(10), "the gateway subscribes to the node topics");
        using var node = await ConnectAsync(Local);

        // y > 100 is not a rule yet: nothing happens.
        var pipeline = (GatewayPipeline)host.Services.GetService(typeof(GatewayPipeline))!;
        await PublishAsync(node, $$"""{"v":1,"asset":"a01","readings":[{"tag":"y","value":150}]}""");
        await Eventually.True(() => pipeline.MessagesProcessed >= 1, TimeSpan.FromSeconds(5), "the pipeline processes the reading");
        Assert.Empty(observer.Events);

        var slot = (RuleEngineSlot)host.Services.GetService(typeof(RuleEngineSlot))!;
        var watcher = slot.Watcher!;
        var engineBefore = slot.Current;
        await File.WriteAllTextAsync(config.Rules.Path, """
            version: 1
            rules:
              - id: y-high
                select: { asset: "*" }
                when: "y > 100"
                severity: critical
                cooldown: 0s
                message: "{asset}: y {y}"
            """);
        await Eventually.True(() => slot.Current != engineBefore, TimeSpan.FromSeconds(4), "the edited rules are in force within 4 s without a restart");
        await PublishAsync(node, $$"""{"v":1,"asset":"a01","readings":[{"tag":"y","value":150}]}""");
        await Eventually.True(() => observer.Events.Any(e => e.Source == "rule:y-high"), TimeSpan.FromSeconds(5), "the new rule fires");
        Assert.Contains(true, alarm.Writes);

        // A broken edit is refused; the rule in force keeps working.
        await File.WriteAllTextAsync(config.Rules.Path, "version: 1\nrules:\n  - id: y-high\n    when: \"y >\"\n");
        await Eventually.True(() => watcher.ReloadFailures >= 1, TimeSpan.FromSeconds(5), "the watcher sees and refuses the broken edit");
        await PublishAsync(node, $$"""{"v":1,"asset":"a01","readings":[{"tag":"y","value":50}]}""");
        await Eventually.True(() => observer.Events.Any(e => e.Source == "rule:y-high" && e.State == EventState.Closed), TimeSpan.FromSeconds(5),
            "the old rule still closes its event after an invalid edit");
        await host.StopAsync();
    }

    [Fact]
    public async Task BadInput_IsCountedByReasonInHealth_AndStateIsRetainedOnlineThenOffline()
    {
        var configPath = GatewayFixtureConfig.Write(Dir.Path, Local.Port, Central.Port, ["a01"]);
        var config = ConfigLoader.Load(configPath);
        var health = new ConcurrentQueue<JsonDocument>();
        var states = new ConcurrentQueue<string>();
        var topics = new ConcurrentQueue<string>();
        using var central = new MqttClientFactory().CreateMqttClient();
        central.ApplicationMessageReceivedAsync += e =>
        {
            topics.Enqueue(e.ApplicationMessage.Topic);
            var text = Encoding.UTF8.GetString(System.Buffers.BuffersExtensions.ToArray(e.ApplicationMessage.Payload));
            if (e.ApplicationMessage.Topic.EndsWith("/health", StringComparison.Ordinal))
            {
                health.Enqueue(JsonDocument.Parse(text));
            }
            else if (e.ApplicationMessage.Topic.EndsWith("/state", StringComparison.Ordinal))
            {
                states.Enqueue(JsonDocument.Parse(text).RootElement.GetProperty("state").GetString()!);
            }
            return Task.CompletedTask;
        };
        await central.ConnectAsync(new MqttClientOptionsBuilder().WithTcpServer(Central.Host, Central.Port).Build());
        await central.SubscribeAsync("ea/v1/gateways/gw-test/#", MqttQualityOfServiceLevel.AtLeastOnce);

        var log = new CapturedLog();
        using (var host = GatewayHost.Build(config, new GatewayHostOptions
        {
            AlarmOutput = new DisabledAlarmOutput(),
            MinimumLogLevel = LogLevel.Information,
            ConfigureLogging = b => b.ClearProviders().AddProvider(log),
        }))
        {
            await StartOffTestContextAsync(host);
            var ingest = (EdgeAnomaly.Ingest.MqttIngestClient)host.Services.GetService(typeof(EdgeAnomaly.Ingest.MqttIngestClient))!;
            await Eventually.True(() => ingest.IsConnected, TimeSpan.FromSeconds(10), "the gateway subscribes to the node topics");
            using var node = await ConnectAsync(Local);
            var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
            await PublishAsync(node, "{not json");
            await PublishAsync(node, """{"v":1,"asset":"a01","tag":"x","value":"NaN"}""");
            await PublishAsync(node, """{"v":1,"asset":"nope","tag":"x","value":1}""");
            await PublishAsync(node, """{"v":1,"asset":"a01","tag":"zz","value":1}""");
            await PublishAsync(node, $$"""{"v":1,"asset":"a01","tag":"x","value":1,"ts":{{now + 3_600_000}}}""");
            await PublishAsync(node, """{"v":1,"asset":"a01","tag":"x","value":0.2}""");
            await Eventually.True(() => health.Any(h => h.RootElement.GetProperty("rejected_total").GetInt64() >= 5), TimeSpan.FromSeconds(10),
                $"health reports the rejected inputs; got {health.Count} health messages, states [{string.Join(",", states)}], topics [{string.Join(",", topics)}], last {(health.IsEmpty ? "none" : health.Last().RootElement.GetRawText())}\n{log}\n{Probe(host)}\nLOCAL:\n{Local.Log()}\nCENTRAL:\n{Central.Log()}");
            var last = health.Last(h => h.RootElement.GetProperty("rejected_total").GetInt64() >= 5).RootElement;
            var rejected = last.GetProperty("rejected");
            Assert.Equal(1, rejected.GetProperty("malformed_json").GetInt64());
            Assert.Equal(1, rejected.GetProperty("unknown_asset").GetInt64());
            Assert.Equal(1, rejected.GetProperty("unknown_tag").GetInt64());
            Assert.Equal(1, rejected.GetProperty("future_timestamp").GetInt64());
            Assert.Equal(1, rejected.GetProperty("wrong_type").GetInt64() + rejected.GetProperty("non_finite_value").GetInt64());
            Assert.Equal(1, last.GetProperty("readings").GetInt64());
            Assert.True(last.GetProperty("uplink_connected").GetBoolean());
            await host.StopAsync();
        }
        await Eventually.True(() => states.Contains("offline"), TimeSpan.FromSeconds(5), "a clean stop leaves the retained offline state");
        Assert.Equal("online", states.First());
    }
}
