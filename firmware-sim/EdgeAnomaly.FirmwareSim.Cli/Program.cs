using System.CommandLine;
using EdgeAnomaly.FirmwareSim.Cli;

// Each device family is a subcommand of its own file; add e.g. `modbus` next to `esp32` here.
var root = new RootCommand("EdgeAnomaly device simulators: stand-ins for field devices that speak the gateway's contracts.")
{
    Esp32Command.Create(),
    ModbusCommand.Create(),
};
return await root.Parse(args).InvokeAsync();
