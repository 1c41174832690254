using System.CommandLine;
using EdgeAnomaly.Gateway.Configuration;
using EdgeAnomaly.Gateway.Hosting;
using Microsoft.Extensions.Hosting;

namespace EdgeAnomaly.Gateway.Cli;

/// <summary>`edgeanomaly run --config PATH`: the daemon (systemd runs this).</summary>
public static class RunCommand
{
    public static Command Create()
    {
        var config = new Option<FileInfo>("--config", "-c")
        {
            Description = "Path to the gateway configuration (JSON).",
            Required = true,
        };
        var command = new Command("run", "Run the gateway daemon.") { config };
        command.SetAction(async (parse, ct) =>
        {
            GatewayConfig loaded;
            try
            {
                loaded = ConfigLoader.Load(parse.GetValue(config)!.FullName);
                // The rules file too (syntax, unknown tags): an invalid one refuses to start, named, like the config.
                ConfigLoader.LoadRules(loaded, ConfigLoader.BuildRegistry(loaded));
            }
            catch (ConfigException ex)
            {
                ConfigCommands.PrintErrors(ex);
                return 2;
            }
            using var host = GatewayHost.Build(loaded, new GatewayHostOptions());
            await host.RunAsync(ct).ConfigureAwait(false);
            return 0;
        });
        return command;
    }
}
