using System.CommandLine;
using EdgeAnomaly.Gateway.Cli;
using EdgeAnomaly.Runtime.Hosting;

namespace EdgeAnomaly.Gateway;

public static class Program
{
    public static async Task<int> Main(string[] args)
    {
        if (NativeDependencyCheck.FindMissing() is { } missing)
        {
            await Console.Error.WriteLineAsync(missing).ConfigureAwait(false);
            return 1;
        }
        var root = new RootCommand("EdgeAnomaly edge gateway: ingest, on-gateway anomaly detection, store-and-forward.");
        root.Subcommands.Add(RunCommand.Create());
        root.Subcommands.Add(ConfigCommands.Create());
        root.Subcommands.Add(EventsCommands.Create());
        foreach (var command in ModelCommands.Create()) { root.Subcommands.Add(command); }
        root.Subcommands.Add(ModbusCommands.Create());
        return await root.Parse(args).InvokeAsync().ConfigureAwait(false);
    }
}
