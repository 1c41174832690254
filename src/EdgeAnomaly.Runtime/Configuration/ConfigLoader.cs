using EdgeAnomaly.Core.Tags;
using EdgeAnomaly.Rules;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace EdgeAnomaly.Runtime.Configuration;

/// <summary>A configuration that does not bind or validate; the message names the key.</summary>
public sealed class ConfigException(IReadOnlyList<string> errors)
    : Exception("invalid configuration: " + string.Join("; ", errors))
{
    public IReadOnlyList<string> Errors { get; } = errors;
}

/// <summary>
/// Loads the JSON file, applies EDGEANOMALY_* environment overrides (EDGEANOMALY_Central__Host=...),
/// binds strictly (an unknown key is an error, so a typo is not silently ignored) and validates every section
/// (<see cref="GatewayValidators"/>). `config check` and `run` both load through here.
/// </summary>
public static class ConfigLoader
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

    /// <summary>
    /// Binds the sections as options (<see cref="GatewayOptionsServiceCollectionExtensions.AddGatewayOptions"/>) and runs
    /// their start-up validation, collecting every section's errors; relative paths resolve against
    /// <paramref name="baseDirectory"/> (the config file's folder).
    /// </summary>
    public static GatewayConfig Bind(IConfiguration configuration, string baseDirectory)
    {
        // Durations first: the binder would read a bare number as days and cannot read "10s".
        configuration = ConfigDurations.Normalize(configuration);
        var unknown = UnknownSections(configuration);
        if (unknown.Count > 0)
        {
            throw new ConfigException(unknown);
        }
        var services = new ServiceCollection().AddGatewayOptions(configuration, baseDirectory);
        using var provider = services.BuildServiceProvider();
        try
        {
            // What the host does for ValidateOnStart: every section is bound, completed and validated.
            provider.GetRequiredService<IStartupValidator>().Validate();
            return provider.GetGatewayConfig();
        }
        catch (OptionsValidationException ex)
        {
            throw new ConfigException([.. ex.Failures]);
        }
        catch (AggregateException ex) when (ex.InnerExceptions.All(e => e is OptionsValidationException))
        {
            throw new ConfigException([.. ex.InnerExceptions.SelectMany(e => ((OptionsValidationException)e).Failures)]);
        }
        catch (InvalidOperationException ex)
        {
            // The strict binder: an unknown key or a value that does not convert, named by the binder.
            throw new ConfigException([ex.Message]);
        }
    }

    /// <summary>A misspelt section name ("Centrl") would otherwise be ignored: the sections are bound one by one.</summary>
    private static List<string> UnknownSections(IConfiguration configuration)
    {
        var errors = new List<string>();
        foreach (var child in configuration.GetChildren())
        {
            if (!GatewayOptionsServiceCollectionExtensions.Sections.Contains(child.Key, StringComparer.OrdinalIgnoreCase))
            {
                errors.Add($"'{child.Key}' is not a configuration section (known: {string.Join(", ", GatewayOptionsServiceCollectionExtensions.Sections)})");
            }
        }
        return errors;
    }

    /// <summary>Every problem of a configuration built in code (the demo): the validators the loader runs.</summary>
    public static List<string> Validate(GatewayConfig config) => GatewayValidators.Validate(config);

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

}
