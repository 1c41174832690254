using System.Text.RegularExpressions;
using EdgeAnomaly.Core.Tags;
using EdgeAnomaly.Devices;
using EdgeAnomaly.Runtime.Models;
using EdgeAnomaly.Ingest;
using EdgeAnomaly.Rules;
using Microsoft.Extensions.Configuration;

namespace EdgeAnomaly.Runtime.Configuration;

/// <summary>A configuration that does not bind or validate; the message names the key.</summary>
public sealed class ConfigException(IReadOnlyList<string> errors)
    : Exception("invalid configuration: " + string.Join("; ", errors))
{
    public IReadOnlyList<string> Errors { get; } = errors;
}

/// <summary>
/// Loads the JSON file, applies EDGEANOMALY_* environment overrides (EDGEANOMALY_Central__Host=...),
/// binds strictly (an unknown key is an error, so a typo is not silently ignored) and validates every section.
/// </summary>
public static partial class ConfigLoader
{
    public const string EnvironmentPrefix = "EDGEANOMALY_";

    public static GatewayConfig Load(string path, IEnumerable<KeyValuePair<string, string?>>? overrides = null)
    {
        var full = Path.GetFullPath(path);
        if (!File.Exists(full))
        {
            throw new ConfigException([$"config file '{path}' not found"]);
        }
        var builder = new ConfigurationBuilder()
            .AddJsonFile(full, optional: false, reloadOnChange: false)
            .AddEnvironmentVariables(EnvironmentPrefix);
        if (overrides is not null)
        {
            builder.AddInMemoryCollection(overrides);
        }
        IConfigurationRoot root;
        try
        {
            root = builder.Build();
        }
        catch (Exception ex) when (ex is FormatException or InvalidDataException or System.Text.Json.JsonException)
        {
            throw new ConfigException([$"config file '{path}' is not valid JSON: {ex.Message}"]);
        }
        return Bind(root, Path.GetDirectoryName(full) ?? ".");
    }

    public static GatewayConfig Bind(IConfiguration configuration, string baseDirectory)
    {
        // Durations first: the binder would read a bare number as days and cannot read "10s".
        configuration = ConfigDurations.Normalize(configuration);
        GatewayConfig config;
        try
        {
            config = configuration.Get<GatewayConfig>(o => o.ErrorOnUnknownConfiguration = true) ?? new GatewayConfig();
        }
        catch (InvalidOperationException ex)
        {
            throw new ConfigException([ex.Message]);
        }
        ResolvePaths(config, baseDirectory);
        var errors = Validate(config);
        if (errors.Count > 0)
        {
            throw new ConfigException(errors);
        }
        return config;
    }

    private static void ResolvePaths(GatewayConfig config, string baseDirectory)
    {
        config.Gateway.DataDir = Path.GetFullPath(config.Gateway.DataDir, baseDirectory);
        if (!string.IsNullOrWhiteSpace(config.Rules.Path))
        {
            config.Rules.Path = Path.GetFullPath(config.Rules.Path, baseDirectory);
        }
        if (string.IsNullOrWhiteSpace(config.Store.Path))
        {
            config.Store.Path = Path.Combine(config.Gateway.DataDir, "edgeanomaly.db");
        }
        else
        {
            config.Store.Path = Path.GetFullPath(config.Store.Path, config.Gateway.DataDir);
        }
        ModelsConfig.ResolvePaths(config.Models, config.Gateway.DataDir);
        if (string.IsNullOrWhiteSpace(config.Central.GatewayId))
        {
            config.Central.GatewayId = config.Gateway.Id;
        }
        if (string.IsNullOrWhiteSpace(config.Central.ClientId))
        {
            config.Central.ClientId = "edgeanomaly-" + config.Gateway.Id;
        }
        if (config.Central.Version is "" or "0.0.0")
        {
            config.Central.Version = typeof(ConfigLoader).Assembly
                .GetCustomAttributes(typeof(System.Reflection.AssemblyInformationalVersionAttribute), false)
                .OfType<System.Reflection.AssemblyInformationalVersionAttribute>().FirstOrDefault()?.InformationalVersion ?? "0.0.0";
        }
        if (string.IsNullOrWhiteSpace(config.LocalBroker.ClientId) || config.LocalBroker.ClientId == "edgeanomaly-ingest")
        {
            config.LocalBroker.ClientId = "edgeanomaly-ingest-" + config.Gateway.Id;
        }
    }

    public static List<string> Validate(GatewayConfig config)
    {
        var errors = new List<string>();
        if (!IdPattern().IsMatch(config.Gateway.Id))
        {
            errors.Add("Gateway:Id must be 1..64 characters of [A-Za-z0-9_-]");
        }
        if (string.IsNullOrWhiteSpace(config.Gateway.DataDir))
        {
            errors.Add("Gateway:DataDir must not be empty");
        }
        if (config.Rules.OrphanGrace < TimeSpan.Zero)
        {
            errors.Add("Rules:OrphanGrace must not be negative");
        }
        errors.AddRange(config.LocalBroker.Validate().Select(e => Prefix(MqttIngestOptions.Section, e)));
        errors.AddRange(config.Ingest.Validate().Select(e => Prefix("Ingest", e)));
        errors.AddRange(config.Central.Validate().Select(e => Prefix("Central", e)));
        errors.AddRange(config.Store.Validate().Select(e => Prefix("Store", e)));
        errors.AddRange(config.Statistics.Validate().Select(e => Prefix("Statistics", e)));
        errors.AddRange(config.DataQuality.Validate().Select(e => Prefix("DataQuality", e)));
        errors.AddRange(config.Alarm.Validate());
        if (config.Assets.Count == 0)
        {
            errors.Add("Assets must list at least one asset");
        }
        var declared = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
        var assetNames = new HashSet<string>(StringComparer.Ordinal);
        for (var a = 0; a < config.Assets.Count; a++)
        {
            var asset = config.Assets[a];
            var key = $"Assets:{a}";
            if (!IdPattern().IsMatch(asset.Name))
            {
                errors.Add($"{key}:Name must be 1..64 characters of [A-Za-z0-9_-]");
            }
            else if (!assetNames.Add(asset.Name))
            {
                errors.Add($"{key}:Name '{asset.Name}' is declared twice");
            }
            if (asset.Tags.Count == 0)
            {
                errors.Add($"{key}:Tags must list at least one tag");
            }
            var tagNames = new HashSet<string>(StringComparer.Ordinal);
            declared.TryAdd(asset.Name, tagNames);
            for (var t = 0; t < asset.Tags.Count; t++)
            {
                var tag = asset.Tags[t];
                var tkey = $"{key}:Tags:{t}";
                if (!TagPattern().IsMatch(tag.Name))
                {
                    errors.Add($"{tkey}:Name must be 1..64 characters of [A-Za-z0-9_.-] starting with a letter");
                }
                else if (!tagNames.Add(tag.Name))
                {
                    errors.Add($"{tkey}:Name '{tag.Name}' is declared twice in asset '{asset.Name}'");
                }
                if (tag.IntervalSeconds < 0 || double.IsNaN(tag.IntervalSeconds))
                {
                    errors.Add($"{tkey}:IntervalSeconds must be >= 0");
                }
                if (!(tag.Sensitivity > 0 && tag.Sensitivity <= 100))
                {
                    errors.Add($"{tkey}:Sensitivity must be in (0, 100]");
                }
            }
        }
        ValidateDevices(config.Devices, declared, errors);
        errors.AddRange(ModelsConfig.Validate(config.Models, config.Assets));
        return errors;
    }

    /// <summary>
    /// The rule for device tags: every tag a Modbus device, serial sensor or GPIO input reads must be declared under
    /// Assets (that is where its interval, sensitivity and statistics switch live); nothing is registered implicitly.
    /// A device naming an undeclared asset gets one error for the asset rather than one per tag.
    /// </summary>
    private static void ValidateDevices(DevicesOptions devices, Dictionary<string, HashSet<string>> declared, List<string> errors)
    {
        void CheckAsset(string asset, string key)
        {
            if (!string.IsNullOrWhiteSpace(asset) && !declared.ContainsKey(asset))
            {
                errors.Add($"{key}:Asset '{asset}' is not declared under Assets");
            }
        }
        for (var i = 0; i < devices.Modbus.Count; i++)
        {
            CheckAsset(devices.Modbus[i]?.Asset ?? "", $"{DevicesOptions.Section}:Modbus:{i}");
        }
        for (var i = 0; i < devices.Serial.Count; i++)
        {
            CheckAsset(devices.Serial[i]?.Asset ?? "", $"{DevicesOptions.Section}:Serial:{i}");
        }
        for (var i = 0; i < devices.Gpio.Count; i++)
        {
            CheckAsset(devices.Gpio[i]?.Asset ?? "", $"{DevicesOptions.Section}:Gpio:{i}");
        }
        // Ids here are placeholders (the registry is built after validation); only "declared or not" matters.
        // An undeclared asset already has its error above: its tags resolve so it is not repeated per tag.
        int? Resolve(string asset, string tag) =>
            !declared.TryGetValue(asset, out var tags) || tags.Contains(tag) ? 0 : null;
        errors.AddRange(devices.Validate(Resolve, DevicesOptions.Section));
    }

    /// <summary>Section validators name keys relative to their section unless they already name it.</summary>
    private static string Prefix(string section, string error) =>
        error.StartsWith(section + ":", StringComparison.Ordinal) ? error : section + ":" + error;

    /// <summary>
    /// Reads and compiles the rules file exactly as the gateway does at start (<see cref="RulesLoader"/>: syntax and
    /// unknown tags); null when no rules file is configured. Throws <see cref="ConfigException"/> naming Rules:Path.
    /// </summary>
    public static RuleEngine? LoadRules(GatewayConfig config, TagRegistry registry)
    {
        ArgumentNullException.ThrowIfNull(config);
        if (string.IsNullOrWhiteSpace(config.Rules.Path))
        {
            return null;
        }
        try
        {
            return RulesLoader.LoadFile(config.Rules.Path, registry, new Core.Readings.TagValues(registry.TagCount));
        }
        catch (RuleFileException ex)
        {
            throw new ConfigException([$"Rules:Path: {ex.Message}"]);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new ConfigException([$"Rules:Path: cannot read '{config.Rules.Path}': {ex.Message}"]);
        }
    }

    public static TagRegistry BuildRegistry(GatewayConfig config)
    {
        var builder = new TagRegistry.Builder();
        foreach (var asset in config.Assets)
        {
            builder.AddAsset(asset.Name, asset.Type);
            foreach (var tag in asset.Tags)
            {
                builder.AddTag(asset.Name, tag.Name, tag.Unit, tag.IntervalSeconds);
            }
        }
        return builder.Build();
    }

    [GeneratedRegex("^[A-Za-z0-9_-]{1,64}$")]
    private static partial Regex IdPattern();

    [GeneratedRegex("^[A-Za-z][A-Za-z0-9_.-]{0,63}$")]
    private static partial Regex TagPattern();
}
