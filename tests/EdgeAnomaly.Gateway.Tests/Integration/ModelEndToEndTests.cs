using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using EdgeAnomaly.Core.Events;
using EdgeAnomaly.FirmwareSim.Faults;
using EdgeAnomaly.FirmwareSim.Fleet;
using EdgeAnomaly.FirmwareSim.Generation;
using EdgeAnomaly.FirmwareSim.Publishing;
using EdgeAnomaly.Runtime.Configuration;
using EdgeAnomaly.Runtime.Hosting;
using EdgeAnomaly.Gateway.Tests.Models;
using EdgeAnomaly.Scoring.Bundle;
using EdgeAnomaly.Scoring.Csv;
using EdgeAnomaly.Scoring.Features;
using EdgeAnomaly.Scoring.Pipeline;
using EdgeAnomaly.TestSupport;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using MQTTnet;
using Xunit.Abstractions;

namespace EdgeAnomaly.Gateway.Tests.Integration;

/// <summary>
/// Issue 4 acceptance: the daemon scores with the same code as the replay, and a multivariate fault that no static
/// limit sees is caught by the model end to end (stored and uplinked).
/// </summary>
[Collection("gateway-process")]
public sealed class ModelEndToEndTests(ITestOutputHelper output) : TwoBrokerTest
{
    private static Task StartOffTestContextAsync(IHost host) => Task.Run(() => host.StartAsync());

    /// <summary>What <c>edgeanomaly replay --model</c> runs: the CSV's rows through an <see cref="AssetScorer"/>.</summary>
    private static List<StepResult> Replay(string csvPath, string bundlePath)
    {
        var table = CsvTable.Read(csvPath);
        var steps = new List<StepResult>();
        var scorer = new AssetScorer(ModelBundle.Load(bundlePath, "a01")) { StepScored = steps.Add };
        for (var i = 0; i < table.RowCount; i++)
        {
            scorer.AddRow(table.TimesMs[i], table.Row(i));
        }
        return steps;
    }

    [Fact]
    public async Task ReplayOfACsv_AndTheLiveDaemonFedTheSameRows_ProduceIdenticalScores()
    {
        var configPath = GatewayFixtureConfig.Write(Dir.Path, Local.Port, Central.Port, ["a01"]);
        ModelFixture.AddModels(configPath, new JsonObject { ["AutoTrain"] = false, ["ReloadInterval"] = "00:00:00" });
        var config = ConfigLoader.Load(configPath);
        var bundlePath = Path.Combine(config.Models.BundleDirectory, "a01.eamb");
        Directory.CreateDirectory(config.Models.BundleDirectory);
        await File.WriteAllBytesAsync(bundlePath, ModelBundle.ToBytes(SyntheticAsset.Train("a01", 1_780_000_000_000, 1800, seed: 1)));

        // 40 min of rows ending 20 min ago (inside the ingest's max age), with the decouple fault from minute 20 to 30.
        var start = ((DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() - 3_600_000) / 1000) * 1000;
        var rows = SyntheticAsset.Rows(start, 2400, seed: 5, faultStartMs: start + 1_200_000, faultEndMs: start + 1_800_000);
        var csv = Dir.File("a01.csv");
        ModelFixture.WriteCsv(csv, rows);
        var replayed = Replay(csv, bundlePath);
        Assert.True(replayed.Count > 400, $"{replayed.Count} replayed steps");
        Assert.Contains(replayed, s => s.Anomaly);

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
        using (var node = new MqttClientFactory().CreateMqttClient())
        {
            await node.ConnectAsync(new MqttClientOptionsBuilder().WithTcpServer(Local.Host, Local.Port).Build());
            await ModelFixture.PublishRowsAsync(node, "a01", rows, rowsPerMessage: 10);
        }
        // The last steps close on the first quiet pipeline tick after the last reading.
        await Eventually.True(() => recorder.StepCount >= replayed.Count, TimeSpan.FromSeconds(90),
            $"the daemon scores every step ({recorder.StepCount} of {replayed.Count})\n{log}");
        await Eventually.True(() => recorder.Events.Any(e => e.Kind == EventKind.Model), TimeSpan.FromSeconds(30), "the model event is committed");
        await host.StopAsync();

        var live = recorder.Steps();
        Assert.Equal(replayed.Count, live.Count);
        for (var i = 0; i < replayed.Count; i++)
        {
            Assert.True(replayed[i] == live[i], $"step {i} differs:\nreplay {replayed[i]}\nlive   {live[i]}");
        }
        var modelEvents = recorder.Events.Where(e => e.Kind == EventKind.Model && e.Source == AssetScorer.AnomalySourceKey).ToList();
        Assert.Contains(modelEvents, e => e.StartMs >= start + 1_200_000 - 60_000 && e.StartMs < start + 1_800_000);

        // The real `edgeanomaly replay --model` writes, per CSV row, the latest step: at each step's end row it shows
        // that step, which must be what the daemon scored (to the CLI's six decimals).
        var scoresPath = Dir.File("scores.csv");
        var (exit, cliOutput) = await RunCliAsync("replay", "--csv", csv, "--model", bundlePath, "--out", scoresPath);
        Assert.True(exit == 0, cliOutput);
        var cliRows = File.ReadLines(scoresPath).Skip(1).Select(l => l.Split(','))
            .ToDictionary(c => long.Parse(c[1], CultureInfo.InvariantCulture), c => c);
        foreach (var step in live)
        {
            var c = cliRows[step.TimestampMs];
            var expected = step.Valid
                ? new[] { step.Regime.ToString(CultureInfo.InvariantCulture), Six(step.IsolationForest), Six(step.T2), Six(step.Spe), Six(step.Fused) }
                : ["-1", "", "", "", ""];
            Assert.Equal(expected, c[2..7]);
            Assert.Equal(step.Anomaly ? "1" : "0", c[8]);
        }
        output.WriteLine($"{live.Count} identical steps; {live.Count(s => s.Anomaly)} flagged; first event: {modelEvents[0].Message} / {modelEvents[0].Explanation}");
    }

    private static string Six(double value) => value.ToString("0.######", CultureInfo.InvariantCulture);

    /// <summary>Runs the real <c>edgeanomaly</c> CLI; returns its exit code and what it printed.</summary>
    private static async Task<(int Exit, string Output)> RunCliAsync(params string[] args)
    {
        var result = await GatewayProcess.RunToExitAsync(TimeSpan.FromSeconds(120), args)
            ?? throw new TimeoutException($"edgeanomaly {string.Join(' ', args)} did not exit within 120 s");
        return (result.ExitCode, result.Stdout + result.Stderr);
    }

    [Fact]
    public async Task FirmwareSimDecoupleFault_CaughtByTheModelNotByTheRules_EventStoredAndUplinked()
    {
        var spec = FleetSpec.Default(nodes: 1);
        string[] modelTags = ["current.a", "flow.m3h", "pressure.bar", "vibration.mms"];

        // 1. A bundle trained on four hours of fault-free simulated pump data (another seed than the live run), on the
        //    window means: the level relation between the tags is what the fault breaks. (With every feature family the
        //    robust scaler, fitted over running and idle phases together, leaves the level shift small next to the noisy
        //    shape features, and only the fault's onset and end are flagged.)
        var history = new TrainingHistory(modelTags);
        var trainingStart = 1_780_000_000_000L;
        Simulate(spec, seed: 1, trainingStart, TimeSpan.FromHours(4), (tag, ts, value) =>
        {
            var i = Array.IndexOf(modelTags, tag);
            if (i >= 0)
            {
                history.Add(i, ts, value);
            }
        });
        var model = AssetModelTrainer.Train("pump-01", history, new ScoringOptions { Features = new FeatureOptions { Families = FeatureFamilies.Mean } });
        output.WriteLine($"trained: {model.Metadata.Steps} steps, {model.RegimeCount} regimes, threshold {model.Threshold:0.###} ({model.ThresholdChoice.Reason})");

        // 2. The fault: flow loses 40 % of its load response during a running phase of the live run's load cycle.
        var (seed, faultStart, faultLength) = FindRunningStretch(spec);
        var simSpan = faultStart + faultLength + TimeSpan.FromMinutes(3);
        var faults = new FaultSchedule([new FaultSpec("pump-01", "flow.m3h", FaultKind.Decouple, faultStart, faultLength, 0.4)]);
        output.WriteLine($"live seed {seed}: decouple from {faultStart} for {faultLength}, run of {simSpan} simulated");

        // 3. The real gateway process with static-limit rules the whole simulated range stays inside.
        var dataDir = Path.Combine(Dir.Path, "data");
        Directory.CreateDirectory(Path.Combine(dataDir, "models"));
        await File.WriteAllBytesAsync(Path.Combine(dataDir, "models", "pump-01.eamb"), ModelBundle.ToBytes(model));
        var configPath = WritePumpConfig(spec, modelTags);
        await using var central = new CentralRecorder();
        await central.StartAsync(Central.Host, Central.Port);
        await using var gateway = new GatewayProcess(configPath);
        gateway.Start();
        await Eventually.True(() => gateway.Output.Contains("Pipeline started", StringComparison.Ordinal), TimeSpan.FromSeconds(60),
            "the gateway starts\n" + gateway.Output);
        Assert.Contains("Model for pump-01 loaded", gateway.Output, StringComparison.Ordinal);

        // 4. The simulator publishes the run through mosquitto at the speed that ends it about a minute from now.
        var realRun = TimeSpan.FromSeconds(60);
        var nowMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var publisher = new FleetPublisher(spec, new FleetPublisherOptions
        {
            Host = Local.Host,
            Port = Local.Port,
            Seed = seed,
            Speed = simSpan / realRun,
            Duration = realRun,
            SimulatedStartMs = (nowMs - (long)simSpan.TotalMilliseconds) / 1000 * 1000,
        }, TimeProvider.System, NullLogger<FleetPublisher>.Instance, faults);
        using (var cts = new CancellationTokenSource(TimeSpan.FromMinutes(3)))
        {
            await publisher.RunAsync(cts.Token);
        }
        var windowStart = publisher.SimulatedStartMs + (long)faultStart.TotalMilliseconds;
        var windowEnd = windowStart + (long)faultLength.TotalMilliseconds;
        output.WriteLine($"published {publisher.Counters.ReadingsPublished} readings; fault window [{windowStart}, {windowEnd})");

        // 5. A model event overlapping the fault is in the database and at central; no rule fired for the pump.
        var dbPath = Path.Combine(dataDir, "edgeanomaly.db");
        string? eventId = null;
        await Eventually.True(() =>
        {
            eventId = File.Exists(dbPath)
                ? StoredEvents(dbPath).Where(e => IsModelEventIn(e, windowStart, windowEnd)).Select(e => e.GetProperty("id").GetString()).FirstOrDefault()
                : null;
            return eventId is not null;
        }, TimeSpan.FromSeconds(60), "a model event overlapping the fault window is stored\n" + Describe(dbPath) + "\n" + gateway.Output);
        await Eventually.True(() => central.DistinctIds().Contains(eventId!), TimeSpan.FromSeconds(30), "the model event reaches the central broker");
        await gateway.StopAsync();

        var stored = StoredEvents(dbPath);
        output.WriteLine(Describe(dbPath));
        Assert.DoesNotContain(stored, e => e.GetProperty("asset").GetString() == "pump-01" && e.GetProperty("kind").GetString() == "rule");
        var anomaly = stored.Single(e => e.GetProperty("id").GetString() == eventId);
        Assert.Equal("model", anomaly.GetProperty("kind").GetString());
        Assert.Equal(AssetScorer.AnomalySourceKey, anomaly.GetProperty("source").GetString());
        Assert.Contains("flow.m3h", anomaly.GetProperty("explanation").GetString(), StringComparison.Ordinal);
        // The sustained fault is flagged, not only its onset: the event covers most of the window.
        var covered = Math.Min(windowEnd, EndOf(anomaly)) - Math.Max(windowStart, anomaly.GetProperty("start_ms").GetInt64());
        Assert.True(covered >= (windowEnd - windowStart) / 2, $"the model event covers {covered} ms of the {windowEnd - windowStart} ms fault");
    }

    private static bool IsModelEventIn(JsonElement e, long windowStart, long windowEnd)
    {
        if (e.GetProperty("asset").GetString() != "pump-01" || e.GetProperty("kind").GetString() != "model"
            || e.GetProperty("source").GetString() != AssetScorer.AnomalySourceKey)
        {
            return false;
        }
        return e.GetProperty("start_ms").GetInt64() < windowEnd && EndOf(e) >= windowStart;
    }

    private static long EndOf(JsonElement e) => e.GetProperty("end_ms").ValueKind == JsonValueKind.Null ? long.MaxValue : e.GetProperty("end_ms").GetInt64();

    private static List<JsonElement> StoredEvents(string dbPath) =>
        [.. GatewayDb.Events(dbPath).Values.Select(v => JsonDocument.Parse(v.Payload).RootElement)];

    private static string Describe(string dbPath)
    {
        if (!File.Exists(dbPath))
        {
            return "(no database yet)";
        }
        var sb = new StringBuilder("events:\n");
        foreach (var e in StoredEvents(dbPath).OrderBy(e => e.GetProperty("start_ms").GetInt64()))
        {
            sb.Append("  ").Append(e.GetProperty("asset").GetString()).Append(' ').Append(e.GetProperty("kind").GetString()).Append(' ')
              .Append(e.GetProperty("source").GetString()).Append(' ').Append(e.GetProperty("start_ms").GetInt64()).Append("..")
              .Append(e.GetProperty("end_ms").ToString()).Append(' ').Append(e.GetProperty("explanation").GetString()).Append('\n');
        }
        return sb.ToString();
    }

    /// <summary>
    /// A live seed and a fault window inside one running phase of pump-01 (load cycles depend only on the seed and the
    /// offset from the start): the first phase starting after 8 minutes that runs for at least 7 minutes.
    /// </summary>
    private static (long Seed, TimeSpan Start, TimeSpan Length) FindRunningStretch(FleetSpec spec)
    {
        for (long seed = 2; seed < 20; seed++)
        {
            var start = 1_790_000_000_000L;
            var flow = new List<(long Ts, double Value)>();
            Simulate(spec, seed, start, TimeSpan.FromMinutes(45), (tag, ts, value) =>
            {
                if (tag == "flow.m3h")
                {
                    flow.Add((ts - start, value));
                }
            });
            long? runningSince = null;
            foreach (var (offset, value) in flow)
            {
                if (value > 20)
                {
                    runningSince ??= offset;
                    if (runningSince >= 480_000 && offset - runningSince >= 420_000)
                    {
                        return (seed, TimeSpan.FromMilliseconds(runningSince.Value + 60_000), TimeSpan.FromMinutes(5));
                    }
                }
                else
                {
                    runningSince = null;
                }
            }
        }
        throw new InvalidOperationException("no seed has a long enough running phase");
    }

    /// <summary>Runs the simulator in-process (no broker, no clock) and decodes its contract v1 payloads.</summary>
    private static void Simulate(FleetSpec spec, long seed, long startMs, TimeSpan span, Action<string, long, double> onReading)
    {
        var simulator = new FleetSimulator(spec, new SimulatorOptions { StartMs = startMs, Seed = seed });
        var sink = new DecodingSink(onReading);
        simulator.AdvanceTo(startMs + (long)span.TotalMilliseconds, sink);
        simulator.Finish(sink);
    }

    private sealed class DecodingSink(Action<string, long, double> onReading) : ISimulationSink
    {
        public void OnMessage(NodeMessage message)
        {
            using var doc = JsonDocument.Parse(message.Payload);
            var root = doc.RootElement;
            var ts = root.GetProperty("ts").GetInt64();
            if (root.TryGetProperty("readings", out var readings))
            {
                foreach (var r in readings.EnumerateArray())
                {
                    onReading(r.GetProperty("tag").GetString()!, r.TryGetProperty("ts", out var t) ? t.GetInt64() : ts, r.GetProperty("value").GetDouble());
                }
            }
            else
            {
                onReading(root.GetProperty("tag").GetString()!, ts, root.GetProperty("value").GetDouble());
            }
        }

        public void OnNodeSilenced(string nodeId, int nodeIndex, long atMs)
        {
        }

        public void OnNodeResumed(string nodeId, int nodeIndex, long atMs)
        {
        }

        public void OnLabel(FaultLabel label)
        {
        }
    }

    private string WritePumpConfig(FleetSpec spec, string[] modelTags)
    {
        var rules = Path.Combine(Dir.Path, "rules.yaml");
        // Static limits above anything the simulated pump reaches in normal operation (and in the fault).
        File.WriteAllText(rules, """
            version: 1
            defaults: { severity: warning, cooldown: 0s }
            rules:
              - { id: pump-current-high, select: { asset: pump-01 }, when: "current.a > 18", message: "{asset}: current {current.a}" }
              - { id: pump-flow-high, select: { asset: pump-01 }, when: "flow.m3h > 48", message: "{asset}: flow {flow.m3h}" }
              - { id: pump-pressure-high, select: { asset: pump-01 }, when: "pressure.bar > 4.6", message: "{asset}: pressure {pressure.bar}" }
              - { id: pump-vibration-high, select: { asset: pump-01 }, when: "vibration.mms > 3.6", message: "{asset}: vibration {vibration.mms}" }
            """);
        var assets = new JsonArray();
        foreach (var asset in spec.Assets)
        {
            var tags = new JsonArray();
            foreach (var tag in asset.Tags)
            {
                tags.Add(new JsonObject { ["Name"] = tag.Name, ["Unit"] = tag.Unit, ["IntervalSeconds"] = tag.IntervalSeconds });
            }
            assets.Add(new JsonObject { ["Name"] = asset.Name, ["Type"] = asset.Type, ["Tags"] = tags });
        }
        var config = new JsonObject
        {
            ["Gateway"] = new JsonObject { ["Id"] = "gw-models", ["DataDir"] = Path.Combine(Dir.Path, "data") },
            ["LocalBroker"] = new JsonObject { ["Host"] = "127.0.0.1", ["Port"] = Local.Port, ["ClientId"] = "gw-models-ingest" },
            ["Central"] = new JsonObject { ["Host"] = "127.0.0.1", ["Port"] = Central.Port, ["ReconnectMax"] = "00:00:01", ["HealthInterval"] = "00:00:02" },
            ["Store"] = new JsonObject { ["ReadingsFlushInterval"] = "00:00:05" },
            ["Rules"] = new JsonObject { ["Path"] = rules },
            ["Statistics"] = new JsonObject { ["Enabled"] = false },
            ["DataQuality"] = new JsonObject { ["Enabled"] = false },
            ["Assets"] = assets,
            ["Models"] = new JsonObject
            {
                ["AutoTrain"] = false,
                ["Assets"] = new JsonArray(new JsonObject { ["Name"] = "pump-01", ["Tags"] = new JsonArray([.. modelTags.Select(t => (JsonNode)t)]) }),
            },
        };
        var path = Path.Combine(Dir.Path, "edgeanomaly.json");
        File.WriteAllText(path, config.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        return path;
    }
}
