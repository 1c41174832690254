using System.CommandLine;
using EdgeAnomaly.Gateway.Configuration;
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
            GatewayConfig loaded;
            try
            {
                loaded = ConfigLoader.Load(parse.GetValue(config)!.FullName);
            }
            catch (ConfigException ex)
            {
                PrintErrors(ex);
                return 2;
            }
            var registry = ConfigLoader.BuildRegistry(loaded);
            var ruleCount = 0;
            if (!string.IsNullOrWhiteSpace(loaded.Rules.Path))
            {
                try
                {
                    var text = File.ReadAllText(loaded.Rules.Path);
                    var set = RuleFile.Parse(text, Path.GetFileName(loaded.Rules.Path));
                    var engine = RuleEngine.Compile(set, registry, new Core.Readings.TagValues(registry.TagCount));
                    ruleCount = engine.InstanceCount;
                    foreach (var warning in engine.Warnings)
                    {
                        Console.Error.WriteLine($"warning: {warning}");
                    }
                }
                catch (RuleFileException ex)
                {
                    Console.Error.WriteLine($"config error: Rules:Path: {ex.Message}");
                    return 2;
                }
                catch (IOException ex)
                {
                    Console.Error.WriteLine($"config error: Rules:Path: cannot read '{loaded.Rules.Path}': {ex.Message}");
                    return 2;
                }
            }
            Console.WriteLine($"config ok: gateway '{loaded.Gateway.Id}', {registry.AssetCount} assets, {registry.TagCount} tags, {ruleCount} rule instances");
            return 0;
        });
        var command = new Command("config", "Configuration tools.") { check };
        return command;
    }

    public static void PrintErrors(ConfigException ex)
    {
        foreach (var error in ex.Errors)
        {
            Console.Error.WriteLine($"config error: {error}");
        }
    }
}
