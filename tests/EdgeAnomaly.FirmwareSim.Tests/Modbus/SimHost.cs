using System.Net;
using EdgeAnomaly.FirmwareSim.Modbus;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace EdgeAnomaly.FirmwareSim.Tests.Modbus;

/// <summary>
/// A simulator whose model clock is a <see cref="FakeTimeProvider"/> (tests step it, so faults start and end
/// exactly when told) behind real servers on loopback or a pty, which run on the system clock.
/// </summary>
internal sealed class SimHost : IAsyncDisposable
{
    public static readonly DateTimeOffset Epoch = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);

    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _running = [];

    private SimHost(ModbusSimulator simulator, FakeTimeProvider clock, StringWriter labels)
    {
        Simulator = simulator;
        Clock = clock;
        Labels = labels;
    }

    public ModbusSimulator Simulator { get; }

    public FakeTimeProvider Clock { get; }

    public List<ModbusTcpServer> TcpServers { get; } = [];

    public ModbusRtuServer? RtuServer { get; private set; }

    public int Port => TcpServers[0].LocalEndpoint.Port;

    /// <summary>Label lines written so far.</summary>
    public StringWriter Labels { get; }

    public static SimHost Create(ModbusSimulatorOptions options)
    {
        var clock = new FakeTimeProvider(Epoch);
        var labels = new StringWriter();
        return new SimHost(new ModbusSimulator(options, clock, NullLogger.Instance, new ModbusLabelWriter(labels)), clock, labels);
    }

    public static SimHost Frozen(params byte[] units) => Create(new ModbusSimulatorOptions { Units = units, Freeze = true });

    public PumpUnit Unit(byte id) => Simulator.Find(id) ?? throw new ArgumentException($"unit {id} not simulated");

    /// <summary>Moves the model clock forward and ticks the simulation up to it.</summary>
    public void Advance(TimeSpan by)
    {
        Clock.Advance(by);
        Simulator.AdvanceTo(Clock.GetUtcNow().ToUnixTimeMilliseconds());
    }

    public ModbusTcpServer StartTcp(byte? onlyUnit = null, bool answerUnknownUnit = false)
    {
        var server = new ModbusTcpServer(Simulator, new ModbusTcpServerOptions
        {
            Endpoint = new IPEndPoint(IPAddress.Loopback, 0),
            OnlyUnit = onlyUnit,
            AnswerUnknownUnit = answerUnknownUnit,
        }, TimeProvider.System, NullLogger.Instance);
        server.Start();
        TcpServers.Add(server);
        _running.Add(server.RunAsync(_stop.Token));
        return server;
    }

    public async Task<ModbusRtuServer> StartRtuAsync(string device, bool preferSerialPort = true)
    {
        var options = new SerialLineOptions { Device = device };
        var server = new ModbusRtuServer(Simulator, options, TimeProvider.System, NullLogger.Instance,
            () => SerialLine.Open(options, NullLogger.Instance, preferSerialPort));
        RtuServer = server;
        _running.Add(server.RunAsync(_stop.Token));
        await server.Opened.WaitAsync(TimeSpan.FromSeconds(30));
        return server;
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await Task.WhenAll(_running).WaitAsync(TimeSpan.FromSeconds(30));
        foreach (var server in TcpServers)
        {
            await server.DisposeAsync();
        }
        _stop.Dispose();
    }
}
