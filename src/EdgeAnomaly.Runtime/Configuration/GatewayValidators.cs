using System.Text.RegularExpressions;
using EdgeAnomaly.Detectors;
using EdgeAnomaly.Devices;
using EdgeAnomaly.Ingest;
using EdgeAnomaly.Runtime.Alarm;
using EdgeAnomaly.Runtime.Models;
using EdgeAnomaly.Storage;
using EdgeAnomaly.Uplink;
using Microsoft.Extensions.Options;

namespace EdgeAnomaly.Runtime.Configuration;

/// <summary>
/// The one validator of each configuration section. The host's options (ValidateOnStart), `edgeanomaly config check`,
/// `edgeanomaly run` and configurations built in code (<see cref="Validate(GatewayConfig)"/>) all run these.
/// Every message names the bad key ("Central:TopicPrefix must be ...").
/// </summary>
public static partial class GatewayValidators
{
    public static readonly IValidateOptions<GatewaySection> Gateway = new SectionValidator<GatewaySection>("Gateway", ValidateGateway);
    public static readonly IValidateOptions<RulesSection> Rules = new SectionValidator<RulesSection>("Rules", ValidateRules);
    public static readonly IValidateOptions<MqttIngestOptions> LocalBroker = new SectionValidator<MqttIngestOptions>(MqttIngestOptions.Section, o => o.Validate());
    public static readonly IValidateOptions<IngestOptions> Ingest = new SectionValidator<IngestOptions>(IngestOptions.Section, o => o.Validate());
    public static readonly IValidateOptions<UplinkOptions> Central = new SectionValidator<UplinkOptions>("Central", o => o.Validate());
    public static readonly IValidateOptions<StoreOptions> Store = new SectionValidator<StoreOptions>("Store", o => o.Validate());
    public static readonly IValidateOptions<StatisticsOptions> Statistics = new SectionValidator<StatisticsOptions>("Statistics", o => o.Validate());
    public static readonly IValidateOptions<DataQualityOptions> DataQuality = new SectionValidator<DataQualityOptions>("DataQuality", o => o.Validate());
    public static readonly IValidateOptions<AlarmOptions> Alarm = new SectionValidator<AlarmOptions>("Alarm", o => o.Validate());
    public static readonly IValidateOptions<AssetsSection> Assets = new SectionValidator<AssetsSection>("Assets", a => ValidateAssets(a.Items));

    /// <summary>Every problem of a configuration built in code (the demo), in file order; empty when usable.</summary>
    public static List<string> Validate(GatewayConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        var errors = new List<string>();
        Collect(errors, Gateway.Validate(null, config.Gateway));
        Collect(errors, Rules.Validate(null, config.Rules));
        Collect(errors, LocalBroker.Validate(null, config.LocalBroker));
        Collect(errors, Ingest.Validate(null, config.Ingest));
        Collect(errors, Central.Validate(null, config.Central));
        Collect(errors, Store.Validate(null, config.Store));
        Collect(errors, Statistics.Validate(null, config.Statistics));
        Collect(errors, DataQuality.Validate(null, config.DataQuality));
        Collect(errors, Alarm.Validate(null, config.Alarm));
        Collect(errors, Assets.Validate(null, new AssetsSection { Items = config.Assets }));
        Collect(errors, new DevicesValidator(() => config.Assets).Validate(null, config.Devices));
        Collect(errors, new ModelsValidator(() => config.Assets).Validate(null, config.Models));
        return errors;
    }

    private static void Collect(List<string> errors, ValidateOptionsResult result)
    {
        if (result.Failed)
        {
            errors.AddRange(result.Failures);
        }
    }

    /// <summary>Section validators name keys relative to their section unless they already name it.</summary>
    internal static string Prefix(string section, string error) =>
        error.StartsWith(section + ":", StringComparison.Ordinal) ? error : section + ":" + error;

    private static IEnumerable<string> ValidateGateway(GatewaySection gateway)
    {
        if (!IdPattern().IsMatch(gateway.Id))
        {
            yield return "Gateway:Id must be 1..64 characters of [A-Za-z0-9_-]";
        }
        if (string.IsNullOrWhiteSpace(gateway.DataDir))
        {
            yield return "Gateway:DataDir must not be empty";
        }
    }

    private static IEnumerable<string> ValidateRules(RulesSection rules)
    {
        if (rules.OrphanGrace < TimeSpan.Zero)
        {
            yield return "Rules:OrphanGrace must not be negative";
        }
    }

    private static List<string> ValidateAssets(List<AssetConfig> assets)
    {
        var errors = new List<string>();
        if (assets.Count == 0)
        {
            errors.Add("Assets must list at least one asset");
        }
        var assetNames = new HashSet<string>(StringComparer.Ordinal);
        for (var a = 0; a < assets.Count; a++)
        {
            var asset = assets[a];
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
        return errors;
    }

    /// <summary>Declared tag names per asset; the first declaration of an asset name counts (a second is an error).</summary>
    internal static Dictionary<string, HashSet<string>> DeclaredTags(IReadOnlyList<AssetConfig> assets)
    {
        var declared = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
        foreach (var asset in assets)
        {
            if (!declared.TryGetValue(asset.Name, out var tags))
            {
                declared.Add(asset.Name, tags = new HashSet<string>(StringComparer.Ordinal));
                foreach (var tag in asset.Tags)
                {
                    if (TagPattern().IsMatch(tag.Name))
                    {
                        tags.Add(tag.Name);
                    }
                }
            }
        }
        return declared;
    }

    [GeneratedRegex("^[A-Za-z0-9_-]{1,64}$")]
    private static partial Regex IdPattern();

    [GeneratedRegex("^[A-Za-z][A-Za-z0-9_.-]{0,63}$")]
    private static partial Regex TagPattern();
}

/// <summary>A section's rules as an <see cref="IValidateOptions{TOptions}"/>: each message is prefixed with the section's key.</summary>
public sealed class SectionValidator<TOptions>(string section, Func<TOptions, IEnumerable<string>> rules) : IValidateOptions<TOptions>
    where TOptions : class
{
    public ValidateOptionsResult Validate(string? name, TOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        List<string>? errors = null;
        foreach (var error in rules(options))
        {
            (errors ??= []).Add(GatewayValidators.Prefix(section, error));
        }
        return errors is null ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}

/// <summary>
/// The rule for device tags: every tag a Modbus device, serial sensor or GPIO input reads must be declared under
/// Assets (that is where its interval, sensitivity and statistics switch live); nothing is registered implicitly.
/// A device naming an undeclared asset gets one error for the asset rather than one per tag.
/// </summary>
public sealed class DevicesValidator(Func<IReadOnlyList<AssetConfig>> assets) : IValidateOptions<DevicesOptions>
{
    public ValidateOptionsResult Validate(string? name, DevicesOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var declared = GatewayValidators.DeclaredTags(assets());
        var errors = new List<string>();
        void CheckAsset(string asset, string key)
        {
            if (!string.IsNullOrWhiteSpace(asset) && !declared.ContainsKey(asset))
            {
                errors.Add($"{key}:Asset '{asset}' is not declared under Assets");
            }
        }
        for (var i = 0; i < options.Modbus.Count; i++)
        {
            CheckAsset(options.Modbus[i]?.Asset ?? "", $"{DevicesOptions.Section}:Modbus:{i}");
        }
        for (var i = 0; i < options.Serial.Count; i++)
        {
            CheckAsset(options.Serial[i]?.Asset ?? "", $"{DevicesOptions.Section}:Serial:{i}");
        }
        for (var i = 0; i < options.Gpio.Count; i++)
        {
            CheckAsset(options.Gpio[i]?.Asset ?? "", $"{DevicesOptions.Section}:Gpio:{i}");
        }
        // Ids here are placeholders (the registry is built after validation); only "declared or not" matters.
        // An undeclared asset already has its error above: its tags resolve so it is not repeated per tag.
        int? Resolve(string asset, string tag) =>
            !declared.TryGetValue(asset, out var tags) || tags.Contains(tag) ? 0 : null;
        errors.AddRange(options.Validate(Resolve, DevicesOptions.Section));
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}

/// <summary>The Models section against the declared assets (<see cref="ModelsConfig.Validate"/>).</summary>
public sealed class ModelsValidator(Func<IReadOnlyList<AssetConfig>> assets) : IValidateOptions<ModelsSection>
{
    public ValidateOptionsResult Validate(string? name, ModelsSection options)
    {
        var errors = ModelsConfig.Validate(options, assets());
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
