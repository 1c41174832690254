using System.CommandLine;
using System.Globalization;
using System.IO.Ports;
using System.Net;
using System.Text;
using EdgeAnomaly.FirmwareSim.Modbus;
using Microsoft.Extensions.Logging;

namespace EdgeAnomaly.FirmwareSim.Cli;

/// <summary>
/// `edgeanomaly-sim modbus ...`: simulated pumps served over Modbus TCP and/or RTU, with fault injection and
/// ground-truth labels; `modbus map` prints the register map. Once every listener is up it prints one line
/// `listening tcp=... rtu=... units=...` on stdout; at the end one JSON line of counters. Logs go to stderr.
/// </summary>
internal static class ModbusCommand
{
    public static Command Create()
    {
        var tcp = new Option<string[]>("--tcp") { Description = "Listen for Modbus TCP on HOST:PORT (port 0 = any free port); repeatable; every listener serves every unit", AllowMultipleArgumentsPerToken = false };
        var tcpPerUnit = new Option<string?>("--tcp-per-unit") { Description = "One listener per unit from HOST:BASEPORT (unit k of --units on BASEPORT+k; BASEPORT 0 = free ports); a drop fault refuses connects" };
        var rtu = new Option<string?>("--rtu") { Description = "Serve Modbus RTU on this serial device (e.g. one end of a socat pty pair); all units share the line" };
        var baud = new Option<int>("--baud") { Description = "RTU baud rate", DefaultValueFactory = _ => 19200 };
        var parity = new Option<string>("--parity") { Description = "RTU parity: N, E or O", DefaultValueFactory = _ => "N" };
        var stopBits = new Option<int>("--stop-bits") { Description = "RTU stop bits: 1 or 2", DefaultValueFactory = _ => 1 };
        var gap = new Option<double?>("--rtu-gap-ms") { Description = "Silence that ends an RTU frame (default 3.5 characters, at least 10 ms)" };
        var units = new Option<string>("--units") { Description = "Unit ids: 1,2,3 or 1-100 or a mix", DefaultValueFactory = _ => "1" };
        var seed = new Option<long>("--seed") { Description = "Seed of the signals", DefaultValueFactory = _ => 1 };
        var freeze = new Option<bool>("--freeze") { Description = "Constant values (see docs/modbus-sim.md) so a master can compare exactly" };
        var duty = new Option<PumpDuty>("--duty") { Description = "Continuous (always running, default) or Cycle (running/idle phases)", DefaultValueFactory = _ => PumpDuty.Continuous };
        var tick = new Option<int>("--tick-ms") { Description = "Model time step", DefaultValueFactory = _ => 100 };
        var faults = new Option<string[]>("--fault") { Description = "KIND:UNIT@START+DURATION[:MAGNITUDE], seconds from start; KIND delay|bad-crc|corrupt|exception|drop|stuck|overcurrent|pressure-drop|overheat; UNIT * = all; repeatable", AllowMultipleArgumentsPerToken = false };
        var labels = new Option<FileInfo?>("--labels") { Description = "Ground-truth label file (JSON lines), appended as faults end" };
        var duration = new Option<double>("--duration") { Description = "Run time in seconds; 0 runs until SIGTERM or Ctrl+C", DefaultValueFactory = _ => 0 };
        var unknownUnit = new Option<string>("--unknown-unit") { Description = "TCP requests for unit ids not simulated: ignore (no answer) or exception (0x0B)", DefaultValueFactory = _ => "ignore" };
        var verbose = new Option<bool>("--verbose") { Description = "Log debug messages (connections, discarded RTU bytes)" };

        var json = new Option<bool>("--json") { Description = "JSON instead of a markdown table" };
        var map = new Command("map", "Print the pump register map (the same for every unit)") { json };
        map.SetAction(parse =>
        {
            parse.InvocationConfiguration.Output.Write(parse.GetValue(json) ? MapAsJson() : MapAsMarkdown());
            return 0;
        });

        var command = new Command("modbus", "Simulated pumps served as Modbus TCP and RTU slaves, with fault injection")
        {
            tcp, tcpPerUnit, rtu, baud, parity, stopBits, gap, units, seed, freeze, duty, tick, faults, labels, duration, unknownUnit, verbose,
            map,
        };
        command.SetAction(async (parse, ct) =>
        {
            var output = parse.InvocationConfiguration.Output;
            var error = parse.InvocationConfiguration.Error;
            using var loggerFactory = new StderrLoggerFactory(parse.GetValue(verbose) ? LogLevel.Debug : LogLevel.Information);
            var logger = loggerFactory.CreateLogger("modbus");
            ModbusSimulator simulator;
            List<ModbusTcpServer> tcpServers = [];
            ModbusRtuServer? rtuServer = null;
            StreamWriter? labelStream = null;
            try
            {
                var tcpEndpoints = (parse.GetValue(tcp) ?? []).Select(ParseEndpoint).ToList();
                var perUnit = parse.GetValue(tcpPerUnit) is { } p ? ParseEndpoint(p) : null;
                var rtuDevice = parse.GetValue(rtu);
                if (tcpEndpoints.Count == 0 && perUnit is null && rtuDevice is null)
                {
                    throw new ArgumentException("nothing to serve: give --tcp HOST:PORT, --tcp-per-unit HOST:BASEPORT and/or --rtu DEVICE");
                }
                var unknown = parse.GetValue(unknownUnit) switch
                {
                    "ignore" => false,
                    "exception" => true,
                    var other => throw new ArgumentException($"unknown-unit: '{other}' is not ignore or exception"),
                };
                var options = new ModbusSimulatorOptions
                {
                    Units = ModbusSimulatorOptions.ParseUnits(parse.GetValue(units)!),
                    Seed = parse.GetValue(seed),
                    Freeze = parse.GetValue(freeze),
                    Duty = parse.GetValue(duty),
                    TickMs = parse.GetValue(tick),
                    Faults = (parse.GetValue(faults) ?? []).Select(ModbusFaultSpec.Parse).ToList(),
                };
                options.Validate();
                SerialLineOptions? serial = null;
                if (rtuDevice is not null)
                {
                    serial = new SerialLineOptions
                    {
                        Device = rtuDevice,
                        Baud = parse.GetValue(baud),
                        Parity = ParseParity(parse.GetValue(parity)!),
                        StopBits = parse.GetValue(stopBits) switch
                        {
                            1 => StopBits.One,
                            2 => StopBits.Two,
                            var s => throw new ArgumentException($"stop-bits: {s} is not 1 or 2"),
                        },
                        FrameGap = parse.GetValue(gap) is { } ms ? TimeSpan.FromMilliseconds(ms) : null,
                    };
                    serial.Validate();
                    if (!File.Exists(serial.Device))
                    {
                        throw new ArgumentException($"rtu: device '{serial.Device}' does not exist");
                    }
                }
                var labelFile = parse.GetValue(labels);
                labelStream = labelFile is null ? null : new StreamWriter(labelFile.FullName, append: true);
                simulator = new ModbusSimulator(options, TimeProvider.System, logger, labelStream is null ? null : new ModbusLabelWriter(labelStream));
                foreach (var endpoint in tcpEndpoints)
                {
                    tcpServers.Add(new ModbusTcpServer(simulator, new ModbusTcpServerOptions { Endpoint = endpoint, AnswerUnknownUnit = unknown }, TimeProvider.System, logger));
                }
                if (perUnit is not null)
                {
                    for (var k = 0; k < simulator.Units.Count; k++)
                    {
                        var port = perUnit.Port == 0 ? 0 : perUnit.Port + k;
                        if (port > IPEndPoint.MaxPort)
                        {
                            throw new ArgumentException($"tcp-per-unit: port {port} for unit {simulator.Units[k].UnitId} is beyond {IPEndPoint.MaxPort}");
                        }
                        tcpServers.Add(new ModbusTcpServer(simulator, new ModbusTcpServerOptions
                        {
                            Endpoint = new IPEndPoint(perUnit.Address, port),
                            OnlyUnit = simulator.Units[k].UnitId,
                            AnswerUnknownUnit = unknown,
                        }, TimeProvider.System, logger));
                    }
                }
                foreach (var server in tcpServers)
                {
                    server.Start();
                }
                if (serial is not null)
                {
                    rtuServer = new ModbusRtuServer(simulator, serial, TimeProvider.System, logger);
                }
            }
            catch (Exception ex) when (ex is ArgumentException or FormatException or IOException or System.Net.Sockets.SocketException or UnauthorizedAccessException)
            {
                foreach (var server in tcpServers)
                {
                    await server.DisposeAsync();
                }
                labelStream?.Dispose();
                await error.WriteLineAsync("edgeanomaly-sim modbus: " + ex.Message);
                return 2;
            }

            await using (labelStream)
            {
                using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
                var seconds = parse.GetValue(duration);
                if (seconds > 0)
                {
                    stop.CancelAfter(TimeSpan.FromSeconds(seconds));
                }
                var tasks = new List<Task> { simulator.RunAsync(stop.Token) };
                tasks.AddRange(tcpServers.Select(s => s.RunAsync(stop.Token)));
                if (rtuServer is not null)
                {
                    tasks.Add(rtuServer.RunAsync(stop.Token));
                    try
                    {
                        await rtuServer.Opened.WaitAsync(TimeSpan.FromSeconds(30), stop.Token);
                    }
                    catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException or TimeoutException)
                    {
                        await stop.CancelAsync();
                        await Task.WhenAll(tasks);
                        await error.WriteLineAsync("edgeanomaly-sim modbus: rtu: " + ex.Message);
                        return 2;
                    }
                    catch (OperationCanceledException)
                    {
                    }
                }
                if (!stop.IsCancellationRequested)
                {
                    await output.WriteLineAsync(ReadyLine(tcpServers, parse.GetValue(rtu), simulator));
                    await output.FlushAsync(CancellationToken.None);
                }
                await Task.WhenAll(tasks);
                foreach (var server in tcpServers)
                {
                    await server.DisposeAsync();
                }
                await output.WriteLineAsync(simulator.Counters.ToString());
                return 0;
            }
        });
        return command;
    }

    /// <summary>`listening tcp=HOST:PORT[,HOST:PORT/UNIT...] rtu=DEVICE units=1,2,3` (none when absent).</summary>
    internal static string ReadyLine(IReadOnlyList<ModbusTcpServer> tcpServers, string? rtuDevice, ModbusSimulator simulator)
    {
        var tcp = tcpServers.Count == 0
            ? "none"
            : string.Join(',', tcpServers.Select(s => s.Options.OnlyUnit is { } u
                ? s.LocalEndpoint + "/" + u.ToString(CultureInfo.InvariantCulture)
                : s.LocalEndpoint.ToString()));
        var units = string.Join(',', simulator.Units.Select(u => u.UnitId.ToString(CultureInfo.InvariantCulture)));
        return $"listening tcp={tcp} rtu={rtuDevice ?? "none"} units={units}";
    }

    internal static IPEndPoint ParseEndpoint(string text)
    {
        var colon = text.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(text.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port > IPEndPoint.MaxPort)
        {
            throw new ArgumentException($"tcp: '{text}' is not HOST:PORT");
        }
        var host = text[..colon].Trim('[', ']');
        IPAddress address;
        if (host is "*" or "")
        {
            address = IPAddress.Any;
        }
        else if (host == "localhost")
        {
            address = IPAddress.Loopback;
        }
        else if (!IPAddress.TryParse(host, out address!))
        {
            address = Dns.GetHostAddresses(host).FirstOrDefault() ?? throw new ArgumentException($"tcp: cannot resolve '{host}'");
        }
        return new IPEndPoint(address, port);
    }

    private static Parity ParseParity(string text) => text.ToUpperInvariant() switch
    {
        "N" or "NONE" => Parity.None,
        "E" or "EVEN" => Parity.Even,
        "O" or "ODD" => Parity.Odd,
        _ => throw new ArgumentException($"parity: '{text}' is not N, E or O"),
    };

    private static string MapAsMarkdown()
    {
        var b = new StringBuilder();
        b.AppendLine("| table | address (0-based) | mbpoll -r | reference | count | name | type | order | scale | unit | writable | description |");
        b.AppendLine("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |");
        foreach (var p in PumpRegisterMap.Points)
        {
            var type = p.Type == PointType.BitInRegister ? "bit " + p.Bit.ToString(CultureInfo.InvariantCulture) + " of uint16" : TypeName(p.Type);
            var order = p.Count >= 2 && p.Type is not PointType.String ? p.Order.ToString() : "";
            var scale = p.Scale == 1 ? "" : p.Scale.ToString(CultureInfo.InvariantCulture);
            b.AppendLine(CultureInfo.InvariantCulture, $"| {TableName(p.Table)} | {p.Address} | {p.Reference} | {p.ClassicReference} | {p.Count} | `{p.Name}` | {type} | {order} | {scale} | {p.Unit} | {(p.Writable ? "yes" : "")} | {p.Description} |");
        }
        return b.ToString();
    }

    private static string MapAsJson()
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        using (var w = new System.Text.Json.Utf8JsonWriter(buffer, new System.Text.Json.JsonWriterOptions { Indented = true }))
        {
            w.WriteStartObject();
            w.WriteStartArray("points");
            foreach (var p in PumpRegisterMap.Points)
            {
                w.WriteStartObject();
                w.WriteString("name", p.Name);
                w.WriteString("table", TableName(p.Table));
                w.WriteNumber("address", p.Address);
                w.WriteNumber("count", p.Count);
                w.WriteString("type", TypeName(p.Type));
                if (p.Type == PointType.BitInRegister)
                {
                    w.WriteNumber("bit", p.Bit);
                }
                if (p.Count >= 2 && p.Type is not PointType.String)
                {
                    w.WriteString("byte_order", p.Order.ToString());
                }
                w.WriteNumber("scale", p.Scale);
                w.WriteString("tag", p.Tag);
                w.WriteString("unit", p.Unit);
                w.WriteBoolean("writable", p.Writable);
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.WrittenSpan) + "\n";
    }

    private static string TableName(ModbusTable table) => table switch
    {
        ModbusTable.Coils => "coil",
        ModbusTable.DiscreteInputs => "discrete_input",
        ModbusTable.HoldingRegisters => "holding",
        _ => "input",
    };

    private static string TypeName(PointType type) => type switch
    {
        PointType.Bit => "bit",
        PointType.BitInRegister => "bit_in_register",
        _ => type.ToString().ToLowerInvariant(),
    };
}
