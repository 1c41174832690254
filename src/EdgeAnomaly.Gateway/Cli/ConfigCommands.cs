using System.CommandLine;
using EdgeAnomaly.Core.Tags;
using EdgeAnomaly.Runtime.Configuration;
using EdgeAnomaly.Rules;

namespace EdgeAnomaly.Gateway.Cli;

/// <summary>`edgeanomaly config check --config PATH`: validates the config and the rules file without starting.</summary>
public static class ConfigCommands
{
    public static Command Create()
    {
        var config = new Option<FileInfo>("--config", "-c") { Description = "Path to the gateway configuration (JSON).", Required = true };
        var check = new Command("check", "Validate a configuration and its rules file; exit 0 when valid, 2 otherwise.") { config };
        check.SetAction(parse =>
        {
            var output = parse.InvocationConfiguration.Output;
            var error = parse.InvocationConfiguration.Error;
            GatewayConfig loaded;
            TagRegistry registry;
            RuleEngine? engine;
            try
            {
                loaded = ConfigLoader.Load(parse.GetValue(config)!.FullName);
                registry = ConfigLoader.BuildRegistry(loaded);
                engine = ConfigLoader.LoadRules(loaded, registry);
            }
            catch (ConfigException ex)
            {
                PrintErrors(ex, error);
                return 2;
            }
            foreach (var warning in engine?.Warnings ?? [])
            {
                error.WriteLine($"warning: {warning}");
            }
            output.WriteLine($"config ok: gateway '{loaded.Gateway.Id}', {registry.AssetCount} assets, {registry.TagCount} tags, {engine?.InstanceCount ?? 0} rule instances");
            return 0;
        });
        var command = new Command("config", "Configuration tools.") { check };
        return command;
    }

    public static void PrintErrors(ConfigException ex, TextWriter? to = null)
    {
        ArgumentNullException.ThrowIfNull(ex);
        to ??= Console.Error;
        foreach (var error in ex.Errors)
        {
            to.WriteLine($"config error: {error}");
        }
    }
}
