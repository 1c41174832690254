using System.Net;
using EdgeAnomaly.Devices.Modbus;
using EdgeAnomaly.FirmwareSim.Modbus;
using Microsoft.Extensions.Logging.Abstractions;

namespace EdgeAnomaly.Devices.Tests.Integration;

/// <summary>
/// The firmware-sim pump slave (helper m2's simulator) in this process on the system clock: Modbus TCP on a free
/// loopback port and/or RTU on one end of a socat pty pair, frozen values so readings compare exactly.
/// </summary>
internal sealed class PumpSim : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _running = [];
    private ModbusTcpServer? _tcp;

    private PumpSim(ModbusSimulator simulator) => Simulator = simulator;

    public ModbusSimulator Simulator { get; }

    public string TcpEndpoint => $"127.0.0.1:{_tcp!.LocalEndpoint.Port}";

    public static async Task<PumpSim> StartAsync(byte[] units, bool tcp, string? rtuDevice = null)
    {
        var options = new ModbusSimulatorOptions { Units = units, Freeze = true };
        var sim = new PumpSim(new ModbusSimulator(options, TimeProvider.System, NullLogger.Instance));
        try
        {
            sim._running.Add(sim.Simulator.RunAsync(sim._stop.Token));
            if (tcp)
            {
                sim._tcp = new ModbusTcpServer(sim.Simulator, new ModbusTcpServerOptions { Endpoint = new IPEndPoint(IPAddress.Loopback, 0) },
                    TimeProvider.System, NullLogger.Instance);
                sim._tcp.Start();
                sim._running.Add(sim._tcp.RunAsync(sim._stop.Token));
            }
            if (rtuDevice is not null)
            {
                var rtu = new ModbusRtuServer(sim.Simulator, new SerialLineOptions { Device = rtuDevice, Baud = 19200 }, TimeProvider.System, NullLogger.Instance);
                sim._running.Add(rtu.RunAsync(sim._stop.Token));
                await rtu.Opened.WaitAsync(TimeSpan.FromSeconds(30));
            }
        }
        catch
        {
            await sim.DisposeAsync();
            throw;
        }
        return sim;
    }

    /// <summary>Drops (never answers) <paramref name="unit"/> from now for <paramref name="duration"/>.</summary>
    public void Drop(byte unit, TimeSpan duration)
    {
        var from = TimeSpan.FromMilliseconds(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() - Simulator.StartMs);
        Simulator.Inject(new ModbusFaultSpec(ModbusFaultKind.Drop, unit, from, duration));
    }

    /// <summary>Makes <paramref name="unit"/> answer <paramref name="delay"/> late from now for <paramref name="duration"/>.</summary>
    public void Delay(byte unit, TimeSpan delay, TimeSpan duration)
    {
        var from = TimeSpan.FromMilliseconds(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() - Simulator.StartMs);
        Simulator.Inject(new ModbusFaultSpec(ModbusFaultKind.Delay, unit, from, duration, delay.TotalMilliseconds));
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
        if (_tcp is not null)
        {
            await _tcp.DisposeAsync();
        }
        _stop.Dispose();
    }

    /// <summary>
    /// A register map of the pump in the gateway's configuration words: every type and byte order, bits of a
    /// register, the holding mirror and a discrete input in Modicon form, coils. Name -> expected value for a frozen unit.
    /// </summary>
    public static (List<ModbusTagOptions> Tags, Dictionary<string, double> Expected) Map(byte unit)
    {
        var frozen = PumpReadings.Frozen(unit);
        var tags = new List<ModbusTagOptions>();
        var expected = new Dictionary<string, double>();
        void Add(string name, string? table, string address, string type, double value, string? order = null, double scale = 1, int? bit = null)
        {
            tags.Add(new ModbusTagOptions { Name = name, Table = table, Address = address, Type = type, ByteOrder = order, Scale = scale, Bit = bit });
            expected[name] = value;
        }
        Add("current", "input", "0", "float32", frozen.CurrentA);
        Add("current_cdab", "input", "34", "float32", frozen.CurrentA, "CDAB");
        Add("current_badc", "input", "36", "float32", frozen.CurrentA, "BADC");
        Add("current_dcba", "input", "38", "float32", frozen.CurrentA, "DCBA");
        Add("current_x100", "input", "32", "uint16", frozen.CurrentA, scale: 0.01);
        Add("pressure", "input", "2", "float32", frozen.PressureBar);
        Add("temperature", "input", "4", "float32", frozen.TemperatureC);
        Add("temperature_mc", "input", "26", "int32", frozen.TemperatureC, scale: 0.001);
        Add("temperature_x10", "input", "30", "int16", frozen.TemperatureC, scale: 0.1);
        Add("flow", "input", "8", "float32", frozen.FlowM3h);
        Add("speed", "input", "10", "uint16", frozen.SpeedRpm);
        Add("running_bit", "input", "11", "bit", 1, bit: 0);
        Add("simulated_bit", "input", "11", "bit", 1, bit: 15);
        Add("run_time", "input", "12", "uint32", frozen.RunTimeSeconds);
        Add("run_time_cdab", "input", "40", "uint32", frozen.RunTimeSeconds, "CDAB");
        Add("run_time_badc", "input", "42", "uint32", frozen.RunTimeSeconds, "BADC");
        Add("run_time_dcba", "input", "44", "uint32", frozen.RunTimeSeconds, "DCBA");
        Add("volume", "input", "14", "float64", frozen.VolumeM3);
        Add("volume_cdab", "input", "76", "float64", frozen.VolumeM3, "CDAB");
        Add("volume_badc", "input", "80", "float64", frozen.VolumeM3, "BADC");
        Add("volume_dcba", "input", "84", "float64", frozen.VolumeM3, "DCBA");
        Add("energy", "input", "18", "uint64", frozen.EnergyJ);
        Add("energy_cdab", "input", "52", "uint64", frozen.EnergyJ, "CDAB");
        Add("energy_badc", "input", "56", "uint64", frozen.EnergyJ, "BADC");
        Add("energy_dcba", "input", "60", "uint64", frozen.EnergyJ, "DCBA");
        Add("current_mirror", null, "41001", "float32", frozen.CurrentA); // holding 1000, Modicon form
        Add("power_ok", null, "10008", "bool", 1); // discrete input 7
        Add("running", "discrete", "0", "bool", 1);
        Add("run_command", "coil", "0", "bool", 1);
        Add("remote", "coil", "2", "bool", 1);
        return (tags, expected);
    }

    /// <summary>
    /// Requests one cycle of <see cref="Map"/> needs with the default MaxRegisterGap 10: input 0..63 and 76..87 (12
    /// unread registers between them), holding 1000..1001, discrete 0..7, coils 0..2.
    /// </summary>
    public const int MapRequests = 5;
}
