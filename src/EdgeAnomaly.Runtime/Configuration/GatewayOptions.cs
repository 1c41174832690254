using System.Diagnostics.CodeAnalysis;
using System.Reflection;
using EdgeAnomaly.Detectors;
using EdgeAnomaly.Devices;
using EdgeAnomaly.Ingest;
using EdgeAnomaly.Runtime.Alarm;
using EdgeAnomaly.Runtime.Models;
using EdgeAnomaly.Storage;
using EdgeAnomaly.Uplink;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace EdgeAnomaly.Runtime.Configuration;

/// <summary>The "Assets" list as an options type (a list cannot be one), so the sections that name assets can depend on it.</summary>
public sealed class AssetsSection
{
    public List<AssetConfig> Items { get; set; } = [];
}

/// <summary>
/// Binds every section of the configuration as options (<c>IOptions&lt;UplinkOptions&gt;</c> from "Central", ...),
/// strictly (an unknown key is an error), completes defaults and relative paths in <see cref="ConfigPaths"/>, and
/// validates each section once at start (<see cref="OptionsBuilderExtensions.ValidateOnStart{TOptions}"/>) with the
/// validators of <see cref="GatewayValidators"/>, whose messages name the bad key.
/// </summary>
public static class GatewayOptionsServiceCollectionExtensions
{
    /// <summary>Top-level keys of the configuration file, in the order their errors are reported.</summary>
    public static readonly IReadOnlyList<string> Sections =
        ["Gateway", "Rules", MqttIngestOptions.Section, IngestOptions.Section, "Central", "Store", "Statistics", "DataQuality",
         "Alarm", "Assets", DevicesOptions.Section, "Models"];

    public static IServiceCollection AddGatewayOptions(this IServiceCollection services, IConfiguration configuration, string configDirectory)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        static void Strict(BinderOptions o) => o.ErrorOnUnknownConfiguration = true;
        // Sections completed from Gateway (ids, paths) and validated against Assets read those raw, not through
        // IOptions: resolving IOptions<GatewaySection> would re-throw Gateway's own errors under their name.
        var gateway = new Lazy<GatewaySection>(() =>
        {
            var g = new GatewaySection();
            configuration.GetSection("Gateway").Bind(g);
            ConfigPaths.ResolveGateway(g, configDirectory);
            return g;
        });
        var assets = new Lazy<IReadOnlyList<AssetConfig>>(() =>
        {
            var a = new List<AssetConfig>();
            configuration.GetSection("Assets").Bind(a);
            return a;
        });

        services.AddOptions<GatewaySection>().Bind(configuration.GetSection("Gateway"), Strict)
            .PostConfigure(g => ConfigPaths.ResolveGateway(g, configDirectory)).ValidateOnStart();
        services.AddOptions<RulesSection>().Bind(configuration.GetSection("Rules"), Strict)
            .PostConfigure(r => ConfigPaths.ResolveRules(r, configDirectory)).ValidateOnStart();
        services.AddOptions<MqttIngestOptions>().Bind(configuration.GetSection(MqttIngestOptions.Section), Strict)
            .PostConfigure(o => ConfigPaths.CompleteLocalBroker(o, gateway.Value)).ValidateOnStart();
        services.AddOptions<IngestOptions>().Bind(configuration.GetSection(IngestOptions.Section), Strict).ValidateOnStart();
        services.AddOptions<UplinkOptions>().Bind(configuration.GetSection("Central"), Strict)
            .PostConfigure(o => ConfigPaths.CompleteCentral(o, gateway.Value)).ValidateOnStart();
        services.AddOptions<StoreOptions>().Bind(configuration.GetSection("Store"), Strict)
            .PostConfigure(o => ConfigPaths.ResolveStore(o, gateway.Value)).ValidateOnStart();
        services.AddOptions<StatisticsOptions>().Bind(configuration.GetSection("Statistics"), Strict).ValidateOnStart();
        services.AddOptions<DataQualityOptions>().Bind(configuration.GetSection("DataQuality"), Strict).ValidateOnStart();
        services.AddOptions<AlarmOptions>().Bind(configuration.GetSection("Alarm"), Strict).ValidateOnStart();
        services.AddOptions<AssetsSection>().Configure(a => configuration.GetSection("Assets").Bind(a.Items, Strict)).ValidateOnStart();
        services.AddOptions<DevicesOptions>().Bind(configuration.GetSection(DevicesOptions.Section), Strict).ValidateOnStart();
        services.AddOptions<ModelsSection>().Bind(configuration.GetSection("Models"), Strict)
            .PostConfigure(o => ConfigPaths.ResolveModels(o, gateway.Value)).ValidateOnStart();

        services.AddSingleton<IValidateOptions<GatewaySection>>(GatewayValidators.Gateway);
        services.AddSingleton<IValidateOptions<RulesSection>>(GatewayValidators.Rules);
        services.AddSingleton<IValidateOptions<MqttIngestOptions>>(GatewayValidators.LocalBroker);
        services.AddSingleton<IValidateOptions<IngestOptions>>(GatewayValidators.Ingest);
        services.AddSingleton<IValidateOptions<UplinkOptions>>(GatewayValidators.Central);
        services.AddSingleton<IValidateOptions<StoreOptions>>(GatewayValidators.Store);
        services.AddSingleton<IValidateOptions<StatisticsOptions>>(GatewayValidators.Statistics);
        services.AddSingleton<IValidateOptions<DataQualityOptions>>(GatewayValidators.DataQuality);
        services.AddSingleton<IValidateOptions<AlarmOptions>>(GatewayValidators.Alarm);
        services.AddSingleton<IValidateOptions<AssetsSection>>(GatewayValidators.Assets);
        services.AddSingleton<IValidateOptions<DevicesOptions>>(new DevicesValidator(() => assets.Value));
        services.AddSingleton<IValidateOptions<ModelsSection>>(new ModelsValidator(() => assets.Value));
        return services;
    }

    /// <summary>
    /// The bound, completed and validated sections as one <see cref="GatewayConfig"/> (the composition's input). Read
    /// through the monitor, whose instances the start-up validation created, so nothing is bound or validated twice.
    /// </summary>
    public static GatewayConfig GetGatewayConfig(this IServiceProvider services) => new()
    {
        Gateway = Section<GatewaySection>(services),
        Rules = Section<RulesSection>(services),
        LocalBroker = Section<MqttIngestOptions>(services),
        Ingest = Section<IngestOptions>(services),
        Central = Section<UplinkOptions>(services),
        Store = Section<StoreOptions>(services),
        Statistics = Section<StatisticsOptions>(services),
        DataQuality = Section<DataQualityOptions>(services),
        Alarm = Section<AlarmOptions>(services),
        Assets = Section<AssetsSection>(services).Items,
        Devices = Section<DevicesOptions>(services),
        Models = Section<ModelsSection>(services),
    };

    private static T Section<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicParameterlessConstructor)] T>(IServiceProvider services)
        where T : class =>
        services.GetRequiredService<IOptionsMonitor<T>>().CurrentValue;

    /// <summary>
    /// Registers the sections of an already bound and validated <paramref name="config"/> as options, so components
    /// and future services take <c>IOptions&lt;T&gt;</c> of their own section rather than the whole file.
    /// </summary>
    public static IServiceCollection AddGatewaySections(this IServiceCollection services, GatewayConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        services.AddSingleton(config);
        services.AddSingleton(Options.Create(config.Gateway));
        services.AddSingleton(Options.Create(config.Rules));
        services.AddSingleton(Options.Create(config.LocalBroker));
        services.AddSingleton(Options.Create(config.Ingest));
        services.AddSingleton(Options.Create(config.Central));
        services.AddSingleton(Options.Create(config.Store));
        services.AddSingleton(Options.Create(config.Statistics));
        services.AddSingleton(Options.Create(config.DataQuality));
        services.AddSingleton(Options.Create(config.Alarm));
        services.AddSingleton(Options.Create(new AssetsSection { Items = config.Assets }));
        services.AddSingleton(Options.Create(config.Devices));
        services.AddSingleton(Options.Create(config.Models));
        return services;
    }
}

/// <summary>
/// The one place relative paths and derived defaults are completed: the data directory and the rules file against
/// the config file's folder, the database and the model bundles against the data directory.
/// </summary>
public static class ConfigPaths
{
    public static void ResolveGateway(GatewaySection gateway, string configDirectory)
    {
        ArgumentNullException.ThrowIfNull(gateway);
        if (!string.IsNullOrWhiteSpace(gateway.DataDir))
        {
            gateway.DataDir = Path.GetFullPath(gateway.DataDir, configDirectory);
        }
    }

    public static void ResolveRules(RulesSection rules, string configDirectory)
    {
        ArgumentNullException.ThrowIfNull(rules);
        if (!string.IsNullOrWhiteSpace(rules.Path))
        {
            rules.Path = Path.GetFullPath(rules.Path, configDirectory);
        }
    }

    public static void ResolveStore(StoreOptions store, GatewaySection gateway)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(gateway);
        if (string.IsNullOrWhiteSpace(gateway.DataDir))
        {
            return; // Gateway:DataDir's own error names the problem.
        }
        store.Path = UnderDataDir(store.Path, gateway.DataDir, "edgeanomaly.db");
    }

    /// <summary>A configured path taken relative to the data folder, or the default name inside it.</summary>
    private static string UnderDataDir(string? configured, string dataDir, string defaultName) =>
        string.IsNullOrWhiteSpace(configured) ? Path.Combine(dataDir, defaultName) : Path.GetFullPath(configured, dataDir);

    public static void ResolveModels(ModelsSection models, GatewaySection gateway)
    {
        ArgumentNullException.ThrowIfNull(models);
        ArgumentNullException.ThrowIfNull(gateway);
        if (string.IsNullOrWhiteSpace(gateway.DataDir))
        {
            return;
        }
        models.BundleDirectory = UnderDataDir(models.BundleDirectory, gateway.DataDir, "models");
    }

    public static void CompleteCentral(UplinkOptions central, GatewaySection gateway)
    {
        ArgumentNullException.ThrowIfNull(central);
        ArgumentNullException.ThrowIfNull(gateway);
        if (string.IsNullOrWhiteSpace(central.GatewayId))
        {
            central.GatewayId = gateway.Id;
        }
        if (string.IsNullOrWhiteSpace(central.ClientId))
        {
            central.ClientId = "edgeanomaly-" + gateway.Id;
        }
        if (central.Version is "" or "0.0.0")
        {
            central.Version = typeof(ConfigPaths).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0.0.0";
        }
    }

    public static void CompleteLocalBroker(MqttIngestOptions localBroker, GatewaySection gateway)
    {
        ArgumentNullException.ThrowIfNull(localBroker);
        ArgumentNullException.ThrowIfNull(gateway);
        if (string.IsNullOrWhiteSpace(localBroker.ClientId) || localBroker.ClientId == "edgeanomaly-ingest")
        {
            localBroker.ClientId = "edgeanomaly-ingest-" + gateway.Id;
        }
    }
}
