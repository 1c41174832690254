using System.Net;
using EdgeAnomaly.FirmwareSim.Modbus;
using Microsoft.Extensions.Logging.Abstractions;

namespace EdgeAnomaly.Gateway.Tests.Modbus;

/// <summary>
/// The firmware-sim pump slave in the test process on the system clock, as `edgeanomaly-sim modbus` runs it:
/// Modbus TCP on a free loopback port and/or RTU on one end of a pty pair, faults scheduled from its start.
/// </summary>
internal sealed class SimSlave : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _running = [];
    private readonly List<ModbusTcpServer> _tcp = [];

    private SimSlave(ModbusSimulator simulator) => Simulator = simulator;

    public ModbusSimulator Simulator { get; }

    /// <summary>"127.0.0.1:PORT" of the first TCP listener.</summary>
    public string TcpEndpoint => $"127.0.0.1:{_tcp[0].LocalEndpoint.Port}";

    public int TcpPort => _tcp[0].LocalEndpoint.Port;

    /// <param name="faults">KIND:UNIT@START+DURATION[:MAGNITUDE] as the sim's --fault takes them.</param>
    public static async Task<SimSlave> StartAsync(byte[] units, bool tcp = true, string? rtuDevice = null, bool freeze = false,
        int baud = 19200, params string[] faults)
    {
        var options = new ModbusSimulatorOptions
        {
            Units = units,
            Freeze = freeze,
            Faults = [.. faults.Select(ModbusFaultSpec.Parse)],
        };
        options.Validate();
        var slave = new SimSlave(new ModbusSimulator(options, TimeProvider.System, NullLogger.Instance));
        try
        {
            slave._running.Add(slave.Simulator.RunAsync(slave._stop.Token));
            if (tcp)
            {
                var server = new ModbusTcpServer(slave.Simulator, new ModbusTcpServerOptions { Endpoint = new IPEndPoint(IPAddress.Loopback, 0) },
                    TimeProvider.System, NullLogger.Instance);
                server.Start();
                slave._tcp.Add(server);
                slave._running.Add(server.RunAsync(slave._stop.Token));
            }
            if (rtuDevice is not null)
            {
                var line = new SerialLineOptions { Device = rtuDevice, Baud = baud };
                var rtu = new ModbusRtuServer(slave.Simulator, line, TimeProvider.System, NullLogger.Instance);
                slave._running.Add(rtu.RunAsync(slave._stop.Token));
                await rtu.Opened.WaitAsync(TimeSpan.FromSeconds(30));
            }
        }
        catch
        {
            await slave.DisposeAsync();
            throw;
        }
        return slave;
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        try
        {
            await Task.WhenAll(_running).WaitAsync(TimeSpan.FromSeconds(30));
        }
        catch (OperationCanceledException)
        {
        }
        foreach (var server in _tcp)
        {
            await server.DisposeAsync();
        }
        _stop.Dispose();
    }
}
