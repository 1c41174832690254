using System.CommandLine;
using EdgeAnomaly.Runtime.Configuration;
using EdgeAnomaly.Runtime.Hosting;

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
                return GatewayExitCodes.InvalidConfig;
            }
            using var host = GatewayHost.Build(loaded, new GatewayHostOptions());
            // Non-zero when a component failed: systemd's Restart=on-failure restarts only then.
            return await GatewayRun.RunAsync(host, ct).ConfigureAwait(false);
        });
        return command;
    }
}
