using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using EdgeAnomaly.Core.Events;
using EdgeAnomaly.Runtime.Configuration;
using EdgeAnomaly.Runtime.Health;
using EdgeAnomaly.Runtime.Hosting;
using EdgeAnomaly.Runtime.Models;
using EdgeAnomaly.Gateway.Tests.Integration;
using EdgeAnomaly.TestSupport;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using MQTTnet;

namespace EdgeAnomaly.Gateway.Tests.Models;

/// <summary>The model runtime inside the composed gateway (in-process) against real mosquitto brokers.</summary>
[Collection("gateway-process")]
public sealed class ModelGatewayTests : TwoBrokerTest
{
    private static Task StartOffTestContextAsync(IHost host) => Task.Run(() => host.StartAsync());

    [Fact]
    public async Task CorruptBundle_IsRefusedWithOneLogLine_GatewayRuns_RulesStillFire_HealthSaysRefused()
    {
        var configPath = GatewayFixtureConfig.Write(Dir.Path, Local.Port, Central.Port, ["a01"]);
        ModelFixture.AddModels(configPath, new JsonObject { ["Scoring"] = ModelFixture.FastScoringJson(), ["WarmUp"] = "00:30:00" });
        var config = ConfigLoader.Load(configPath);
        Directory.CreateDirectory(config.Models.BundleDirectory);
        await File.WriteAllTextAsync(Path.Combine(config.Models.BundleDirectory, "a01" + ModelsConfig.BundleExtension), "garbage, not a model bundle");
        var recorder = new ModelRecorder();
        var log = new CapturedLog();
        using var host = GatewayHost.Build(config, new GatewayHostOptions
        {
            Observer = recorder,
            ModelObserver = recorder,
            AlarmOutput = new EdgeAnomaly.Runtime.Alarm.DisabledAlarmOutput(),
            MinimumLogLevel = LogLevel.Information,
            ConfigureLogging = b => b.ClearProviders().AddProvider(log),
        });
        await StartOffTestContextAsync(host);
        var ingest = (EdgeAnomaly.Ingest.MqttIngestClient)host.Services.GetService(typeof(EdgeAnomaly.Ingest.MqttIngestClient))!;
        await Eventually.True(() => ingest.IsConnected, TimeSpan.FromSeconds(30), "the gateway subscribes to the node topics");

        using var node = new MqttClientFactory().CreateMqttClient();
        await node.ConnectAsync(new MqttClientOptionsBuilder().WithTcpServer(Local.Host, Local.Port).Build());
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / 1000 * 1000;
        await ModelFixture.PublishRowsAsync(node, "a01", [(now - 2000, 0.2, 3.0), (now - 1000, 0.9, 3.1)], rowsPerMessage: 1);
        await Eventually.True(() => recorder.Events.Any(e => e.Kind == EventKind.Rule && e.Source == "rule:x-high"), TimeSpan.FromSeconds(30),
            "the rule fires although the asset's model bundle was refused\n" + log);

        var runtime = (ModelRuntime)host.Services.GetService(typeof(ModelRuntime))!;
        var status = runtime.StatusOf("a01")!;
        Assert.Equal(ModelState.Refused, status.State);
        Assert.Contains("not-a-bundle", status.Text, StringComparison.Ordinal);
        Assert.Single(log.Lines, l => l.Contains("Model bundle for a01 refused", StringComparison.Ordinal));
        var health = host.Services.GetRequiredService<HealthReporter>();
        var payload = JsonDocument.Parse(health.BuildPayload()).RootElement;
        var models = payload.GetProperty("models");
        Assert.True(payload.GetProperty("runtime").GetProperty("rss_bytes").GetInt64() > 1_000_000);
        Assert.True(payload.GetProperty("pipeline_max_ms").GetProperty("batch").GetDouble() >= 0);
        Assert.Equal("refused", models[0].GetProperty("state").GetString());
        Assert.Equal("a01", models[0].GetProperty("asset").GetString());
        Assert.Empty(recorder.Steps());
        await host.StopAsync();
    }

    [Fact]
    public async Task NoBundle_WarmUpOverMqtt_TrainsInTheBackground_SavesTheBundle_AndTheSwappedModelRaisesAStoredModelEvent()
    {
        var configPath = GatewayFixtureConfig.Write(Dir.Path, Local.Port, Central.Port, ["a01"]);
        ModelFixture.AddModels(configPath, new JsonObject { ["Scoring"] = ModelFixture.FastScoringJson(), ["WarmUp"] = "00:10:00" });
        var config = ConfigLoader.Load(configPath);
        var recorder = new ModelRecorder();
        var log = new CapturedLog();
        using var host = GatewayHost.Build(config, new GatewayHostOptions
        {
            Observer = recorder,
            ModelObserver = recorder,
            AlarmOutput = new EdgeAnomaly.Runtime.Alarm.DisabledAlarmOutput(),
            MinimumLogLevel = LogLevel.Information,
            ConfigureLogging = b => b.ClearProviders().AddProvider(log),
        });
        await StartOffTestContextAsync(host);
        var ingest = (EdgeAnomaly.Ingest.MqttIngestClient)host.Services.GetService(typeof(EdgeAnomaly.Ingest.MqttIngestClient))!;
        await Eventually.True(() => ingest.IsConnected, TimeSpan.FromSeconds(30), "the gateway subscribes to the node topics");
        var runtime = (ModelRuntime)host.Services.GetService(typeof(ModelRuntime))!;
        Assert.Equal(ModelState.WarmingUp, runtime.StatusOf("a01")!.State);

        using var node = new MqttClientFactory().CreateMqttClient();
        await node.ConnectAsync(new MqttClientOptionsBuilder().WithTcpServer(Local.Host, Local.Port).Build());
        // Eleven minutes of normal rows, half an hour old: the warm-up (10 min of reading time) completes.
        var start = ((DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() - 1_800_000) / 1000) * 1000;
        await ModelFixture.PublishRowsAsync(node, "a01", SyntheticAsset.Rows(start, 660, seed: 61), rowsPerMessage: 10);
        await Eventually.True(() => runtime.StatusOf("a01")!.Text == "active v1", TimeSpan.FromSeconds(120),
            $"the model is trained in the background and swapped in ({runtime.StatusOf("a01")!.Text})\n{log}");
        Assert.True(File.Exists(Path.Combine(config.Models.BundleDirectory, "a01" + ModelsConfig.BundleExtension)), "the trained bundle is saved");
        Assert.Contains(log.Lines, l => l.Contains("Model for a01 trained in", StringComparison.Ordinal));
        // The warm-up was only counted in memory; the trainer read the same readings back from the SQLite history
        // (the readings of the message that completed the warm-up at its last timestamp may add a few).
        var readBack = System.Text.RegularExpressions.Regex.Match(string.Join('\n', log.Lines),
            @"Model for a01: (\d+) warm-up readings read back from the readings history \((\d+) counted");
        Assert.True(readBack.Success, "the trainer says what it read back\n" + log);
        var (read, counted) = (long.Parse(readBack.Groups[1].Value, CultureInfo.InvariantCulture), long.Parse(readBack.Groups[2].Value, CultureInfo.InvariantCulture));
        Assert.True(counted > 1000 && read >= counted && read <= counted + 10, $"read back {read}, counted {counted}");

        // Then the decouple fault: the swapped-in model opens a model event, which the pipeline commits.
        var live = start + 700_000;
        await ModelFixture.PublishRowsAsync(node, "a01",
            SyntheticAsset.Rows(live, 600, seed: 62, faultStartMs: live + 240_000, faultEndMs: live + 600_000), rowsPerMessage: 10);
        // The eventizer merges a short run of high steps (under MinEventSeconds, 10 s) that ends within MergeGapSeconds
        // (30 s) of the fault's first high step into the same event, by design, so the event may start up to ~45 s
        // early. The training set differs by a few read-back readings from run to run, and now and then the model also
        // raises a short false alarm on the normal rows before the fault (seen 93 s early once): how often it does is
        // detection quality (measured on held-out data, issue 16), not this wiring test's question, which is whether
        // the swapped-in model's event for the fault reaches the pipeline's commit.
        bool InFaultWindow(GatewayEvent e) => e.Kind == EventKind.Model && e.Source == "model:anomaly"
            && e.StartMs >= live + 240_000 - 50_000 && e.StartMs <= live + 600_000;
        await Eventually.True(() => recorder.Events.Any(InFaultWindow), TimeSpan.FromSeconds(60),
            $"the swapped-in model raises a model event for the fault ({recorder.StepCount} steps scored)\n{log}");
        var opened = recorder.Events.First(InFaultWindow);
        Assert.Equal("a01", opened.Asset);
        await host.StopAsync();
    }
}
