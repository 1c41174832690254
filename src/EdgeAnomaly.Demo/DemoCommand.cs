using System.Collections.Concurrent;
using System.CommandLine;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using EdgeAnomaly.Contracts;
using EdgeAnomaly.Core.Diagnostics;
using EdgeAnomaly.Core.Events;
using EdgeAnomaly.FirmwareSim.Faults;
using EdgeAnomaly.FirmwareSim.Fleet;
using EdgeAnomaly.FirmwareSim.Publishing;
using EdgeAnomaly.Runtime.Alarm;
using EdgeAnomaly.Runtime.Configuration;
using EdgeAnomaly.Runtime.Hosting;
using EdgeAnomaly.Runtime.Pipeline;
using EdgeAnomaly.Storage;
using EdgeAnomaly.Uplink;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using MQTTnet;
using MQTTnet.Protocol;
using MQTTnet.Server;

namespace EdgeAnomaly.Demo;

/// <summary>
/// `edgeanomaly-demo` (what `./run.sh` runs): an in-process MQTT broker, a simulated ESP32 fleet with injected faults, the gateway, and
/// a subscriber standing in for the central server. Ends with one JSON line; events_uplinked is what the
/// subscriber received, not what the forwarder believes it sent.
/// </summary>
public static class DemoCommand
{
    public static RootCommand Create()
    {
        var duration = new Option<int>("--duration") { Description = "Seconds to run the simulated fleet.", DefaultValueFactory = _ => 60 };
        var dataDir = new Option<DirectoryInfo?>("--data-dir") { Description = "Where the demo database goes (default: a fresh temporary folder)." };
        var command = new RootCommand("EdgeAnomaly zero-install demo: embedded broker, simulated ESP32 fleet with injected faults, the gateway and a central subscriber in one process. The daemon is `edgeanomaly`.")
        {
            duration, dataDir,
        };
        command.SetAction(async (parse, ct) =>
        {
            var seconds = parse.GetValue(duration);
            if (seconds <= 0)
            {
                Console.Error.WriteLine("demo: --duration must be positive");
                return 2;
            }
            var dir = parse.GetValue(dataDir)?.FullName ?? Path.Combine(Path.GetTempPath(), "edgeanomaly-demo-" + Guid.NewGuid().ToString("N")[..8]);
            var summary = await RunAsync(TimeSpan.FromSeconds(seconds), dir, ct).ConfigureAwait(false);
            Console.WriteLine(JsonSerializer.Serialize(summary.ToDictionary(), DemoJson.Default.DictionaryStringInt64));
            return 0;
        });
        return command;
    }

    public static async Task<DemoSummary> RunAsync(TimeSpan duration, string dataDir, CancellationToken ct)
    {
        Directory.CreateDirectory(dataDir);
        var port = FreePort();
        var serverOptions = new MqttServerOptionsBuilder()
            .WithDefaultEndpoint()
            .WithDefaultEndpointBoundIPAddress(IPAddress.Loopback)
            .WithDefaultEndpointPort(port)
            .Build();
        using var broker = new MqttServerFactory().CreateMqttServer(serverOptions);
        await broker.StartAsync().ConfigureAwait(false);
        Say($"in-process MQTT broker on 127.0.0.1:{port}; data in {dataDir}");

        var fleet = FleetSpec.Default(nodes: 4, assetsPerNode: 1);
        var config = BuildConfig(fleet, port, dataDir);
        var central = new CentralSubscriber();
        await central.StartAsync(port, config.Central.TopicPrefix, ct).ConfigureAwait(false);

        var observer = new LiveView();
        using var host = GatewayHost.Build(config, new GatewayHostOptions
        {
            Observer = observer,
            MinimumLogLevel = Environment.GetEnvironmentVariable("EDGEANOMALY_DEMO_DEBUG") is null ? LogLevel.Error : LogLevel.Debug,
            AlarmOutput = new DisabledAlarmOutput(),
        });
        await host.StartAsync(ct).ConfigureAwait(false);
        var counters = host.Services.GetRequiredService<GatewayCounters>();
        var store = host.Services.GetRequiredService<IStoreQueries>();
        Say($"gateway '{config.Gateway.Id}' running: {config.Assets.Count} assets, rules in {config.Rules.Path}");

        var faults = DemoFaults(fleet, duration);
        // Ground truth as the simulator CLI writes it (--labels): one JSON line per fault, appended as it ends.
        var labelPath = Path.Combine(dataDir, "faults.jsonl");
        using var labelFile = new StreamWriter(labelPath, append: false);
        var publisher = new FleetPublisher(fleet, new FleetPublisherOptions
        {
            Host = "127.0.0.1",
            Port = port,
            Duration = duration,
            Seed = 7,
            BadInputShare = 0.01,
        }, TimeProvider.System, NullLogger<FleetPublisher>.Instance, faults, new LabelWriter(labelFile));
        Say($"simulating {fleet.Nodes.Count} ESP32 nodes for {duration.TotalSeconds:0} s with {faults.Faults.Count} injected faults");

        using (var status = new CancellationTokenSource())
        {
            var statusLoop = StatusLoopAsync(counters, store, central, status.Token);
            try
            {
                await publisher.RunAsync(ct).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
            }
            await status.CancelAsync().ConfigureAwait(false);
            await statusLoop.ConfigureAwait(false);
        }

        // Stop the gateway (ingest first; the pipeline commits what it has), then drain the outbox with a fresh
        // uplink, the way a restarted gateway would after an outage.
        await host.StopAsync(CancellationToken.None).ConfigureAwait(false);
        await DrainAsync(config, store, host.Services.GetRequiredService<IEventOutbox>(), counters).ConfigureAwait(false);
        var events = store.GetStats().Events;
        await WaitUntil(() => central.DistinctEvents >= events, TimeSpan.FromSeconds(10)).ConfigureAwait(false);
        await central.DisposeAsync().ConfigureAwait(false);
        await broker.StopAsync().ConfigureAwait(false);

        Say($"published {publisher.Counters.ReadingsPublished} readings ({publisher.Counters.BadInputPublished.Total} deliberately bad)");
        await labelFile.FlushAsync(CancellationToken.None).ConfigureAwait(false);
        var scorecard = Scorecard(labelPath, store);
        foreach (var line in scorecard.Describe())
        {
            Say(line);
        }
        Say($"ground truth in {labelPath}; events: edgeanomaly events list --db {config.Store.Path}");
        return new DemoSummary(counters.ReadingsAccepted, events, central.DistinctEvents, store.PendingCount, counters.RejectedTotal) { Scorecard = scorecard };
    }

    private static FaultScorecard Scorecard(string labelPath, IStoreQueries store)
    {
        var labels = new List<FaultLabel>();
        foreach (var line in File.ReadLines(labelPath))
        {
            if (line.Length > 0)
            {
                labels.Add(FaultLabel.ParseJsonLine(line));
            }
        }
        var events = new List<GatewayEvent>();
        foreach (var stored in store.ListEvents(10_000))
        {
            events.Add(stored.Event);
        }
        return FaultScorecard.Score(labels, events, FaultScorecard.DefaultGrace);
    }

    private static async Task DrainAsync(GatewayConfig config, IStoreQueries store, IEventOutbox outbox, GatewayCounters counters)
    {
        if (store.PendingCount == 0)
        {
            return;
        }
        await using var uplink = new UplinkClient(config.Central, counters, TimeProvider.System, NullLogger<UplinkClient>.Instance);
        var forwarder = new EventForwarder(outbox, uplink, counters, TimeProvider.System, NullLogger<EventForwarder>.Instance);
        using var stop = new CancellationTokenSource();
        var loops = Task.WhenAll(uplink.RunAsync(stop.Token), forwarder.RunAsync(stop.Token));
        forwarder.Notify();
        await WaitUntil(() => store.PendingCount == 0, TimeSpan.FromSeconds(20)).ConfigureAwait(false);
        await stop.CancelAsync().ConfigureAwait(false);
        try
        {
            await loops.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
    }

    internal static GatewayConfig BuildConfig(FleetSpec fleet, int port, string dataDir)
    {
        var config = new GatewayConfig();
        config.Gateway.Id = "demo-gw";
        config.Gateway.DataDir = dataDir;
        config.LocalBroker.Port = port;
        config.LocalBroker.ClientId = "demo-gw-ingest";
        config.Central.Host = "127.0.0.1";
        config.Central.Port = port;
        config.Central.GatewayId = "demo-gw";
        config.Central.ClientId = "demo-gw-uplink";
        config.Store.Path = Path.Combine(dataDir, "edgeanomaly.db");
        config.Store.ReadingsFlushInterval = TimeSpan.FromSeconds(5);
        config.Rules.Path = Path.Combine(dataDir, "rules.yaml");
        config.Models.BundleDirectory = Path.Combine(dataDir, "models");
        if (!File.Exists(config.Rules.Path))
        {
            File.WriteAllText(config.Rules.Path, DemoRules.Yaml);
        }
        // A 30-second demo cannot wait for a minute of warm-up per tag.
        config.Statistics.ZScore.WarmupSamples = 20;
        config.Statistics.RobustZ.WarmupSamples = 20;
        config.Statistics.Iqr.WarmupSamples = 20;
        config.Statistics.Ewma.WarmupSamples = 20;
        // Likewise a stuck sensor is called after 8 identical readings, not 60.
        config.DataQuality.Flatline.MinRepeats = 8;
        foreach (var asset in fleet.Assets)
        {
            var a = new AssetConfig { Name = asset.Name, Type = asset.Type };
            foreach (var tag in asset.Tags)
            {
                a.Tags.Add(new TagConfig { Name = tag.Name, Unit = tag.Unit, IntervalSeconds = tag.IntervalSeconds });
            }
            config.Assets.Add(a);
        }
        var errors = ConfigLoader.Validate(config);
        if (errors.Count > 0)
        {
            throw new ConfigException(errors);
        }
        return config;
    }

    /// <summary>One fault of each kind, spread over the run, so every detector family has something to find.</summary>
    private static FaultSchedule DemoFaults(FleetSpec fleet, TimeSpan duration)
    {
        var s = duration.TotalSeconds;
        TimeSpan At(double share) => TimeSpan.FromSeconds(Math.Max(1, s * share));
        var list = new List<FaultSpec>();
        foreach (var asset in fleet.Assets)
        {
            switch (asset.Type)
            {
                case "pump" when list.Count == 0:
                    list.Add(new FaultSpec(asset.Name, "current.a", FaultKind.Step, At(0.3), At(0.3), 80));
                    break;
                case "pump":
                    list.Add(new FaultSpec(asset.Name, "flow.m3h", FaultKind.Stuck, At(0.25), At(0.5)));
                    break;
                case "motor":
                    list.Add(new FaultSpec(asset.Name, "vibration.mms", FaultKind.Spike, At(0.4), TimeSpan.FromSeconds(1), 40));
                    list.Add(new FaultSpec(asset.Name, "temperature.c", FaultKind.Drift, At(0.2), At(0.6), 60));
                    break;
                case "compressor":
                    list.Add(new FaultSpec(asset.Name, "pressure.bar", FaultKind.Dropout, At(0.35), At(0.4)));
                    break;
            }
        }
        var schedule = new FaultSchedule(list);
        schedule.Validate(fleet);
        return schedule;
    }

    private static async Task StatusLoopAsync(GatewayCounters counters, IStoreQueries store, CentralSubscriber central, CancellationToken ct)
    {
        try
        {
            while (true)
            {
                await Task.Delay(TimeSpan.FromSeconds(5), ct).ConfigureAwait(false);
                Say($"readings {counters.ReadingsAccepted,8}   rejected {counters.RejectedTotal,4}   events opened {counters.EventsOpened,3}   " +
                    $"uplinked (seen by central) {central.DistinctEvents,3}   backlog {store.PendingCount,3}");
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private static async Task WaitUntil(Func<bool> condition, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!condition() && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50).ConfigureAwait(false);
        }
    }

    internal static void Say(string text) =>
        Console.Error.WriteLine($"{DateTime.Now.ToString("HH:mm:ss", CultureInfo.InvariantCulture)}  {text}");

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var p = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return p;
    }

    /// <summary>Prints event revisions as they are committed.</summary>
    private sealed class LiveView : IEventObserver
    {
        public void OnCommitted(IReadOnlyList<GatewayEvent> revisions)
        {
            foreach (var e in revisions)
            {
                var verb = e.State == EventState.Open ? (e.Revision == 1 ? "OPEN " : "AGAIN") : "CLOSE";
                Say($"{verb} {e.Severity.ToWire(),-8} {e.Kind.ToWire(),-12} {e.Asset,-14} {e.Source,-26} {e.Message}");
            }
        }
    }

    /// <summary>Stands in for the central server: counts distinct event ids it actually received.</summary>
    private sealed class CentralSubscriber : IAsyncDisposable
    {
        private readonly ConcurrentDictionary<string, int> _ids = new(StringComparer.Ordinal);
        private IMqttClient? _client;

        public long DistinctEvents => _ids.Count;

        public async Task StartAsync(int port, string prefix, CancellationToken ct)
        {
            _client = new MqttClientFactory().CreateMqttClient();
            _client.ApplicationMessageReceivedAsync += e =>
            {
                // Read as a central service would: through the contract's event reader.
                var id = EventJson.Deserialize(System.Buffers.BuffersExtensions.ToArray(e.ApplicationMessage.Payload)).Id;
                _ids.AddOrUpdate(id, 1, static (_, n) => n + 1);
                return Task.CompletedTask;
            };
            var options = new MqttClientOptionsBuilder().WithTcpServer("127.0.0.1", port).WithClientId("demo-central").Build();
            await _client.ConnectAsync(options, ct).ConfigureAwait(false);
            await _client.SubscribeAsync(new MqttClientSubscribeOptionsBuilder()
                .WithTopicFilter(GatewayTopics.EventsFilter(prefix), MqttQualityOfServiceLevel.AtLeastOnce).Build(), ct).ConfigureAwait(false);
        }

        public async ValueTask DisposeAsync()
        {
            if (_client is not null)
            {
                if (_client.IsConnected)
                {
                    await _client.DisconnectAsync().ConfigureAwait(false);
                }
                _client.Dispose();
            }
        }
    }
}

/// <summary>The demo's final line; events_uplinked is counted by the central subscriber.</summary>
public sealed record DemoSummary(long Readings, long Events, long EventsUplinked, long EventsPending, long RejectedInputs)
{
    /// <summary>The injected faults against the events raised (printed before the summary line, not part of it).</summary>
    public FaultScorecard? Scorecard { get; init; }

    public Dictionary<string, long> ToDictionary() => new()
    {
        ["readings"] = Readings,
        ["events"] = Events,
        ["events_uplinked"] = EventsUplinked,
        ["events_pending"] = EventsPending,
        ["rejected_inputs"] = RejectedInputs,
    };
}

[System.Text.Json.Serialization.JsonSerializable(typeof(Dictionary<string, long>))]
internal sealed partial class DemoJson : System.Text.Json.Serialization.JsonSerializerContext;
