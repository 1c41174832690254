using EdgeAnomaly.Core.Diagnostics;
using EdgeAnomaly.Core.Events;
using EdgeAnomaly.Core.Readings;
using EdgeAnomaly.Core.Tags;
using EdgeAnomaly.Detectors;
using EdgeAnomaly.Devices.Gpio;
using EdgeAnomaly.Devices.Modbus;
using EdgeAnomaly.Devices.Serial;
using EdgeAnomaly.Runtime.Alarm;
using EdgeAnomaly.Runtime.Configuration;
using EdgeAnomaly.Runtime.Health;
using EdgeAnomaly.Runtime.Models;
using EdgeAnomaly.Runtime.Pipeline;
using EdgeAnomaly.Runtime.Sources;
using EdgeAnomaly.Ingest;
using EdgeAnomaly.Rules;
using EdgeAnomaly.Storage;
using EdgeAnomaly.Uplink;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting.Systemd;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace EdgeAnomaly.Runtime.Hosting;

/// <summary>What differs between the daemon, the demo and tests.</summary>
public sealed class GatewayHostOptions
{
    public TimeProvider Time { get; init; } = TimeProvider.System;

    public IEventObserver? Observer { get; init; }

    /// <summary>Minimum console log level (the demo keeps the terminal for its own live view).</summary>
    public LogLevel MinimumLogLevel { get; init; } = LogLevel.Information;

    /// <summary>Extra logging set-up (tests capture the log).</summary>
    public Action<ILoggingBuilder>? ConfigureLogging { get; init; }

    /// <summary>Used instead of the GPIO output (tests, the demo).</summary>
    public IAlarmOutput? AlarmOutput { get; init; }

    /// <summary>Used instead of System.Device.Gpio for the GPIO inputs of Devices:Gpio (tests).</summary>
    public IGpioInputPins? GpioInputs { get; init; }

    /// <summary>Told about every scored model step on the pipeline thread (tests compare live and replayed scores).</summary>
    public IModelStepObserver? ModelObserver { get; init; }
}

/// <summary>Composes the gateway from its parts. Wiring only: no logic lives here.</summary>
public static class GatewayHost
{
    public static IHost Build(GatewayConfig config, GatewayHostOptions options)
    {
        Directory.CreateDirectory(config.Gateway.DataDir);
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Services.AddSystemd();
        // AddSystemd registers the notifier only under systemd; the watchdog asks for it everywhere.
        builder.Services.TryAddSingleton<ISystemdNotifier, SystemdNotifier>();
        builder.Logging.AddSimpleConsole(o =>
        {
            o.SingleLine = true;
            o.TimestampFormat = "HH:mm:ss.fff ";
        });
        builder.Logging.SetMinimumLevel(options.MinimumLogLevel);
        options.ConfigureLogging?.Invoke(builder.Logging);
        builder.Services.Configure<HostOptions>(o =>
        {
            o.ShutdownTimeout = TimeSpan.FromSeconds(20);
            o.BackgroundServiceExceptionBehavior = BackgroundServiceExceptionBehavior.StopHost;
        });

        var services = builder.Services;
        var registry = ConfigLoader.BuildRegistry(config);
        var values = new TagValues(registry.TagCount);
        var counters = new GatewayCounters();
        services.AddGatewaySections(config);
        services.AddSingleton(options.Time);
        services.AddSingleton(registry);
        services.AddSingleton(values);
        services.AddSingleton(counters);
        services.AddSingleton(new PipelineHeartbeat());
        var localReadings = new LocalReadingChannel(new LocalSourceCounters());
        services.AddSingleton(localReadings);
        services.AddSingleton(new PipelineSettings(config.Rules.OrphanGrace, config.Store.ReadingsFlushInterval));
        services.AddSingleton(sp => new ReadingDecoder(registry, config.Ingest, counters));
        services.AddSingleton(sp => new MqttIngestClient(config.LocalBroker, config.Ingest, options.Time,
            sp.GetRequiredService<ILogger<MqttIngestClient>>(), counters));
        services.AddSingleton(sp => sp.GetRequiredService<MqttIngestClient>().Messages);
        services.AddSingleton(sp => new TagDetectorBank(registry, config.Statistics, config.DataQuality, TagOverrides(config)));
        services.AddSingleton(sp => new EventTracker(config.Gateway.Id, registry, values));
        services.AddSingleton(sp =>
        {
            // The daemon's store is opened through the start-up check (damaged file moved aside, salvaged, reported).
            var store = StoreStartup.Open(config.Store, config.Gateway.Id, counters, options.Time,
                sp.GetRequiredService<ILoggerFactory>().CreateLogger("EdgeAnomaly.Storage"));
            store.RegisterTags(registry);
            return store;
        });
        // One store; each consumer resolves only the interface it needs. The container disposes the store once per
        // registration that handed it out (Dispose is idempotent), after every hosted service has stopped.
        services.AddSingleton<IEventCommitStore>(sp => sp.GetRequiredService<GatewayStore>());
        services.AddSingleton<IEventOutbox>(sp => sp.GetRequiredService<GatewayStore>());
        services.AddSingleton<IReadingsRecorder>(sp => sp.GetRequiredService<GatewayStore>());
        services.AddSingleton<IReadingsHistory>(sp => sp.GetRequiredService<GatewayStore>());
        services.AddSingleton<IStoreHousekeeping>(sp => sp.GetRequiredService<GatewayStore>());
        services.AddSingleton<IStoreQueries>(sp => sp.GetRequiredService<GatewayStore>());
        services.AddSingleton<ICommitTimings>(sp => sp.GetRequiredService<GatewayStore>());
        services.AddSingleton(sp => new UplinkClient(config.Central, counters, options.Time, sp.GetRequiredService<ILogger<UplinkClient>>()));
        services.AddSingleton(sp => new EventForwarder(sp.GetRequiredService<IEventOutbox>(), sp.GetRequiredService<UplinkClient>(),
            counters, options.Time, sp.GetRequiredService<ILogger<EventForwarder>>()));
        services.AddSingleton(sp => new AlarmController(options.AlarmOutput
            ?? GpioAlarmOutput.Open(config.Alarm, sp.GetRequiredService<ILoggerFactory>().CreateLogger("EdgeAnomaly.Alarm"))));
        services.AddSingleton(sp => CreateRuleSlot(config, registry, values, sp));
        if (options.Observer is not null)
        {
            services.AddSingleton(options.Observer);
        }
        services.AddSingleton<GatewayPipeline>();

        services.AddSingleton(sp => new HealthReporter(config, counters, sp.GetRequiredService<IStoreQueries>(), sp.GetRequiredService<ICommitTimings>(),
            sp.GetRequiredService<UplinkClient>(), sp.GetRequiredService<MqttIngestClient>(), sp.GetRequiredService<GatewayPipeline>(),
            localReadings, sp.GetServices<ILocalSourceStatus>(), options.Time, sp.GetRequiredService<ILogger<HealthReporter>>(),
            sp.GetService<ModelRuntime>()));
        AddModels(services, config, registry, options);
        AddLocalSources(services, config, registry, localReadings, options.Time, options.GpioInputs);
        // The stages are container singletons too, so the container disposes each once, after the host has stopped.
        services.AddSingleton<SystemdWatchdog>();
        services.AddSingleton(sp => new RulesWatcherService(sp.GetRequiredService<RuleEngineSlot>()));
        services.AddKeyedSingleton(IngestStage, (sp, _) => new LoopService(IngestStage, sp.GetRequiredService<MqttIngestClient>().RunAsync));
        services.AddKeyedSingleton(ForwarderStage, (sp, _) => new LoopService(ForwarderStage, sp.GetRequiredService<EventForwarder>().RunAsync));
        services.AddKeyedSingleton(UplinkStage, (sp, _) => new LoopService(UplinkStage, sp.GetRequiredService<UplinkClient>().RunAsync));
        services.AddSingleton(sp => new GatewayStages(StopOrder(sp), sp.GetRequiredService<IHostApplicationLifetime>(),
            sp.GetRequiredService<ILogger<GatewayStages>>()));
        // The only hosted service: the stages start and stop in the order StopOrder declares.
        services.AddHostedService(sp => sp.GetRequiredService<GatewayStages>());
        return builder.Build();
    }

    /// <summary>
    /// The order the gateway stops in (it starts in the reverse order). Sources stop first so nothing new arrives;
    /// the pipeline then drains what they wrote and commits it; the model runtime's background training stops after
    /// the pipeline (its bundles were loaded before the first reading); the forwarder stops after the pipeline's last
    /// commit; the uplink is last, because it publishes the retained offline state.
    /// </summary>
    private const string IngestStage = "ingest";
    private const string ForwarderStage = "forwarder";
    private const string UplinkStage = "uplink";

    internal static IReadOnlyList<GatewayStage> StopOrder(IServiceProvider sp)
    {
        List<GatewayStage> stages =
        [
            new("watchdog", sp.GetRequiredService<SystemdWatchdog>()),
            // Local device loops: peers, in no particular order among themselves.
            .. sp.GetServices<LocalSourceLoop>().Select(loop => new GatewayStage(loop.Name, loop)),
            new(IngestStage, sp.GetRequiredKeyedService<LoopService>(IngestStage)),
            new("rules-watcher", sp.GetRequiredService<RulesWatcherService>()),
            new("pipeline", sp.GetRequiredService<GatewayPipeline>()),
            new("health", sp.GetRequiredService<HealthReporter>()),
        ];
        if (sp.GetService<ModelRuntime>() is { } models)
        {
            stages.Add(new("models", models));
        }
        stages.Add(new(ForwarderStage, sp.GetRequiredKeyedService<LoopService>(ForwarderStage)));
        stages.Add(new(UplinkStage, sp.GetRequiredKeyedService<LoopService>(UplinkStage)));
        return stages;
    }

    /// <summary>
    /// The model runtime, when any asset is modelled (its place in the start and stop order: <see cref="StopOrder"/>).
    /// </summary>
    private static void AddModels(IServiceCollection services, GatewayConfig config, TagRegistry registry, GatewayHostOptions options)
    {
        var assets = ModelsConfig.ResolveAll(config.Models, config.Assets);
        if (assets.Count == 0)
        {
            return;
        }
        // Warm-up readings are read back from the readings history rather than held in memory; the wait covers one
        // flush pass (Store:ReadingsFlushInterval) with room for a slow one.
        var flushWait = (config.Store.ReadingsFlushInterval * 2) + TimeSpan.FromSeconds(10);
        services.AddSingleton(sp => new ModelRuntime(config.Models, assets, registry, sp.GetRequiredService<EventTracker>(), options.Time,
            sp.GetRequiredService<ILogger<ModelRuntime>>(), options.ModelObserver,
            new StoredTrainingReadings(sp.GetRequiredService<IReadingsHistory>(), flushWait)));
    }

    /// <summary>
    /// Device loops feed the local channel; they stop before the pipeline (<see cref="StopOrder"/>), which then drains
    /// what they wrote. Only configured kinds are started; the daemon only ever reads from devices.
    /// </summary>
    private static void AddLocalSources(IServiceCollection services, GatewayConfig config, TagRegistry registry,
        LocalReadingChannel localReadings, TimeProvider time, IGpioInputPins? gpioPins)
    {
        var sink = new LocalReadingSink(localReadings);
        int? ResolveTag(string asset, string tag) => registry.TryGetTag(asset, tag, out var id) ? id : null;
        if (config.Devices.Modbus.Count > 0)
        {
            services.AddSingleton(sp => ModbusPollScheduler.Create(config.Devices, ResolveTag,
                new GatewayModbusMasterFactory(time, sp.GetRequiredService<ILoggerFactory>()), sink, time,
                sp.GetRequiredService<ILoggerFactory>().CreateLogger("EdgeAnomaly.Devices.Modbus")));
            services.AddSingleton<ILocalSourceStatus>(sp => new ModbusSourceStatus(sp.GetRequiredService<ModbusPollScheduler>()));
            services.AddSingleton(sp => new LocalSourceLoop("modbus", sp.GetRequiredService<ModbusPollScheduler>().RunAsync));
        }
        if (config.Devices.Gpio.Count > 0)
        {
            services.AddSingleton(sp => new GpioInputReader(config.Devices.Gpio, ResolveTag, sink, time,
                sp.GetRequiredService<ILoggerFactory>().CreateLogger("EdgeAnomaly.Devices.Gpio"), gpioPins));
            services.AddSingleton<ILocalSourceStatus>(sp => new GpioSourceStatus(sp.GetRequiredService<GpioInputReader>()));
            services.AddSingleton(sp => new LocalSourceLoop("gpio", sp.GetRequiredService<GpioInputReader>().RunAsync));
        }
        if (config.Devices.Serial.Count > 0)
        {
            services.AddSingleton<IReadOnlyList<SerialSensorReader>>(sp => [.. config.Devices.Serial.Select(options =>
                new SerialSensorReader(options, ResolveTag, sink, time, sp.GetRequiredService<ILoggerFactory>().CreateLogger("EdgeAnomaly.Devices.Serial")))]);
            services.AddSingleton<ILocalSourceStatus>(sp => new SerialSourceStatus(sp.GetRequiredService<IReadOnlyList<SerialSensorReader>>()));
            for (var i = 0; i < config.Devices.Serial.Count; i++)
            {
                var index = i;
                services.AddSingleton(sp => new LocalSourceLoop("serial:" + config.Devices.Serial[index].Name,
                    sp.GetRequiredService<IReadOnlyList<SerialSensorReader>>()[index].RunAsync));
            }
        }
    }

    internal static Func<TagInfo, TagDetectorOverrides?> TagOverrides(GatewayConfig config)
    {
        var byKey = new Dictionary<string, TagConfig>(StringComparer.Ordinal);
        foreach (var asset in config.Assets)
        {
            foreach (var tag in asset.Tags)
            {
                byKey[asset.Name + "/" + tag.Name] = tag;
            }
        }
        return info => byKey.TryGetValue(info.Key, out var t)
            ? new TagDetectorOverrides
            {
                Sensitivity = t.Sensitivity,
                StatisticsEnabled = t.Statistics ? null : false,
                RobustZEnabled = t.RobustZ,
                IqrEnabled = t.Iqr,
                DataQualityEnabled = t.DataQuality ? null : false,
                FlatlineEnabled = t.Flatline ? null : false,
                SpikeEnabled = t.Spike ? null : false,
            }
            : null;
    }

    /// <summary>Compiles the rules at start (an invalid file refuses to start) and watches it for edits.</summary>
    private static RuleEngineSlot CreateRuleSlot(GatewayConfig config, TagRegistry registry, TagValues values, IServiceProvider sp)
    {
        var slot = new RuleEngineSlot();
        if (string.IsNullOrWhiteSpace(config.Rules.Path))
        {
            return slot;
        }
        var log = sp.GetRequiredService<ILoggerFactory>().CreateLogger("EdgeAnomaly.Rules");
        // RulesLoader refuses unknown tags, at start and on every reload (the watcher keeps the rules in force).
        var initial = RulesLoader.LoadFile(config.Rules.Path, registry, values);
        slot.Set(initial);
        slot.TakeSwapped();
        var counters = sp.GetRequiredService<GatewayCounters>();
        slot.Watcher = new RulesFileWatcher(config.Rules.Path, registry, values, slot.Set, log,
            sp.GetRequiredService<TimeProvider>(), counters.AddRulesReloadRefused);
        return slot;
    }
}

/// <summary>Runs a component's own loop as a hosted service; an unexpected fault stops the host (systemd restarts it).</summary>
internal class LoopService(string name, Func<CancellationToken, Task> run) : BackgroundService
{
    public string Name { get; } = name;

    protected override Task ExecuteAsync(CancellationToken stoppingToken) => run(stoppingToken);
}

/// <summary>A device loop (Modbus, GPIO, serial) feeding the local channel; stops before the pipeline.</summary>
internal sealed class LocalSourceLoop(string name, Func<CancellationToken, Task> run) : LoopService(name, run);

internal sealed class RulesWatcherService(RuleEngineSlot slot) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        slot.Watcher?.Start();
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        slot.Watcher?.Dispose();
        return Task.CompletedTask;
    }
}
