using System.Collections.Concurrent;
using EdgeAnomaly.Core.Events;
using EdgeAnomaly.Runtime.Alarm;
using EdgeAnomaly.Runtime.Configuration;
using EdgeAnomaly.Runtime.Hosting;
using EdgeAnomaly.Runtime.Pipeline;
using EdgeAnomaly.TestSupport;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace EdgeAnomaly.Gateway.Tests.Integration;

/// <summary>
/// A tag typo written into the running rules file is refused like a syntax error: the rules in force keep producing
/// events, and health counts the refusal.
/// </summary>
[Collection("gateway-process")]
public sealed class RulesReloadRefusalTests : TwoBrokerTest
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

    [Fact]
    public async Task HotReloadWithATagTypo_IsRefused_OldRuleKeepsFiring_HealthCountsIt()
    {
        var config = ConfigLoader.Load(GatewayFixtureConfig.Write(Dir.Path, Local.Port, Central.Port, ["a01"]));
        var observer = new Observer();
        var log = new CapturedLog();
        await using var health = new HealthRecorder();
        await health.StartAsync(Central.Host, Central.Port, "gw-test");
        using var host = GatewayHost.Build(config, new GatewayHostOptions
        {
            Observer = observer,
            AlarmOutput = new DisabledAlarmOutput(),
            MinimumLogLevel = LogLevel.Information,
            ConfigureLogging = b => b.ClearProviders().AddProvider(log),
        });
        await Task.Run(() => host.StartAsync());
        var ingest = (EdgeAnomaly.Ingest.MqttIngestClient)host.Services.GetService(typeof(EdgeAnomaly.Ingest.MqttIngestClient))!;
        await Eventually.True(() => ingest.IsConnected, TimeSpan.FromSeconds(10), "the gateway subscribes to the node topics");
        var slot = (RuleEngineSlot)host.Services.GetService(typeof(RuleEngineSlot))!;
        var inForce = slot.Current;
        await using var node = new NodeLoad(["a01"]);
        await node.ConnectAsync(Local.Host, Local.Port);

        // The fixture's rule is "x > 0.5"; the typo reads a tag no asset has.
        await File.WriteAllTextAsync(config.Rules.Path, File.ReadAllText(config.Rules.Path).Replace("\"x > 0.5\"", "\"xx > 0.5\"", StringComparison.Ordinal));
        await Eventually.True(() => slot.Watcher!.ReloadFailures >= 1, TimeSpan.FromSeconds(5), $"the watcher refuses the edit\n{log}");
        Assert.Same(inForce, slot.Current);

        for (var i = 0; i < 6; i++)
        {
            await node.PublishOnceAsync();
        }
        await Eventually.True(() => observer.Events.Count(e => e.Source == "rule:x-high" && e.State == EventState.Closed) >= 2, TimeSpan.FromSeconds(10),
            $"the rule in force keeps opening and closing events\n{log}");
        Assert.Contains("reads unknown tag 'xx'", log.ToString(), StringComparison.Ordinal);
        await Eventually.True(() => health.Last is { } h && h.TryGetProperty("rules_reloads_refused", out var n) && n.GetInt64() == 1,
            TimeSpan.FromSeconds(10), $"health counts the refused reload; last {health.Last}");
        await host.StopAsync();
    }
}
