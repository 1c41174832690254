using System.CommandLine;
using System.CommandLine.Invocation;
using System.Diagnostics;
using System.Globalization;
using System.IO.Ports;
using System.Text;
using System.Text.Json;
using EdgeAnomaly.Devices.Modbus;
using EdgeAnomaly.Modbus;

namespace EdgeAnomaly.Gateway.Cli;

/// <summary>
/// `edgeanomaly modbus read | probe | write`: commissioning a Modbus device from the gateway's shell, with the same
/// master the daemon polls with. Exit codes: 0 ok, 1 Modbus error (the slave's exception with its meaning, a
/// timeout, a bad frame, a failed link), 2 usage (bad or missing options; a write without --yes).
/// </summary>
public static class ModbusCommands
{
    public const int ExitOk = 0;
    public const int ExitModbusError = 1;
    public const int ExitUsage = 2;

    /// <summary>Options every subcommand shares: the link, the unit and the block of registers or bits.</summary>
    private sealed class CommonOptions
    {
        public Option<string?> Tcp { get; } = new("--tcp") { Description = "Modbus TCP slave HOST:PORT (port defaults to 502)" };
        public Option<string?> Rtu { get; } = new("--rtu") { Description = "Modbus RTU on this serial device, e.g. /dev/ttyUSB0" };
        public Option<string?> RtuOverTcp { get; } = new("--rtu-over-tcp") { Description = "RTU frames over TCP (serial device server) HOST:PORT" };
        public Option<int> Baud { get; } = new("--baud") { Description = "RTU baud rate", DefaultValueFactory = _ => 19200 };
        public Option<string> Parity { get; } = new("--parity") { Description = "RTU parity N, E or O (Modbus default E)", DefaultValueFactory = _ => "E" };
        public Option<int> StopBits { get; } = new("--stop-bits") { Description = "RTU stop bits 1 or 2", DefaultValueFactory = _ => 1 };
        public Option<int> Unit { get; } = new("--unit") { Description = "Unit id (slave address)", DefaultValueFactory = _ => 1 };
        public Option<string?> Table { get; } = new("--table") { Description = "holding, input, coil or discrete (may be omitted with a Modicon --address such as 40001)" };
        public Option<string?> Address { get; } = new("--address") { Description = "First register or bit: a number (0x.. hex) in --address-base, or a Modicon reference (40001 = holding 0)" };
        public Option<int> AddressBase { get; } = new("--address-base") { Description = "0: protocol addresses; 1: one-based as in many device manuals", DefaultValueFactory = _ => 0 };
        public Option<int?> Count { get; } = new("--count") { Description = "Registers or bits to read (default: what --type needs, else 1)" };
        public Option<string?> Type { get; } = new("--type") { Description = ModbusNames.TypeChoices };
        public Option<string> Order { get; } = new("--order") { Description = "Byte order of multi-register values: " + ModbusNames.ByteOrderChoices, DefaultValueFactory = _ => "ABCD" };
        public Option<int> Bit { get; } = new("--bit") { Description = "For --type bit: which bit of the register (0 = least significant)", DefaultValueFactory = _ => 0 };
        public Option<int> TimeoutMs { get; } = new("--timeout") { Description = "Answer timeout in milliseconds", DefaultValueFactory = _ => 1000 };
        public Option<bool> Json { get; } = new("--json") { Description = "One JSON object instead of tables" };

        public void AddTo(Command command)
        {
            foreach (var option in new Option[] { Tcp, Rtu, RtuOverTcp, Baud, Parity, StopBits, Unit, Table, Address, AddressBase, Count, Type, Order, Bit, TimeoutMs, Json })
            {
                command.Options.Add(option);
            }
        }
    }

    /// <summary>What the options resolved to.</summary>
    private sealed record Request(string LinkText, Func<IModbusMaster> Open, byte Unit, ModbusTable Table, ushort Address, int Count,
        ModbusDataType? Type, ByteOrder Order, int Bit, bool Json);

    private sealed class UsageException(string message) : Exception(message);

    /// <summary>Runs the action only when the command line parsed; otherwise prints the errors and exits 2 (usage), not 1.</summary>
    private sealed class UsageCheckedAction(Func<ParseResult, CancellationToken, Task<int>> run) : AsynchronousCommandLineAction
    {
        public override bool ClearsParseErrors => true;

        public override async Task<int> InvokeAsync(ParseResult parseResult, CancellationToken cancellationToken = default)
        {
            var error = parseResult.InvocationConfiguration.Error;
            if (parseResult.Errors.Count > 0)
            {
                foreach (var e in parseResult.Errors)
                {
                    await error.WriteLineAsync($"modbus: {e.Message}").ConfigureAwait(false);
                }
                return ExitUsage;
            }
            try
            {
                return await run(parseResult, cancellationToken).ConfigureAwait(false);
            }
            catch (UsageException ex)
            {
                await error.WriteLineAsync($"modbus: {ex.Message}").ConfigureAwait(false);
                return ExitUsage;
            }
            catch (ModbusException ex)
            {
                await error.WriteLineAsync(Describe(ex)).ConfigureAwait(false);
                return ExitModbusError;
            }
        }
    }

    public static Command Create()
    {
        var command = new Command("modbus", "Commissioning: read, probe and (with --yes) write a Modbus device over TCP or RTU.");
        command.Subcommands.Add(CreateRead());
        command.Subcommands.Add(CreateProbe());
        command.Subcommands.Add(CreateWrite());
        return command;
    }

    /// <summary>The line printed for a Modbus failure: for an exception response, its code and what it means.</summary>
    public static string Describe(ModbusException ex) => ex switch
    {
        ModbusSlaveException s =>
            $"modbus: exception {(byte)s.Code:X2} {ModbusExceptionCodes.Describe(s.Code)} (unit {s.UnitId}, function {(byte)s.Function:X2} {s.Function})",
        ModbusTimeoutException t => $"modbus: timeout: {t.Message}",
        ModbusFrameException f => $"modbus: bad answer: {f.Message}",
        _ => $"modbus: link failed: {ex.Message}{(ex.InnerException is { } inner ? " (" + inner.Message + ")" : "")}",
    };

    private static Command CreateRead()
    {
        var o = new CommonOptions();
        var read = new Command("read", "Read registers or bits; prints them in hex and decimal, and decoded with --type/--order.");
        o.AddTo(read);
        read.Action = new UsageCheckedAction(async (parse, ct) =>
        {
            var request = Resolve(parse, o, forWrite: false);
            var output = parse.InvocationConfiguration.Output;
            await using var master = request.Open();
            var stopwatch = Stopwatch.StartNew();
            if (ModbusNames.IsBitTable(request.Table))
            {
                var bits = new bool[request.Count];
                await master.ReadBitsAsync(request.Unit, request.Table, request.Address, bits, ct).ConfigureAwait(false);
                await output.WriteAsync(request.Json ? BitsJson(request, bits) : Header(request, stopwatch) + BitsText(request, bits)).ConfigureAwait(false);
                return ExitOk;
            }
            var registers = new ushort[request.Count];
            await master.ReadRegistersAsync(request.Unit, request.Table, request.Address, registers, ct).ConfigureAwait(false);
            await output.WriteAsync(request.Json ? RegistersJson(request, registers, probe: false) : Header(request, stopwatch) + RegistersText(request, registers)).ConfigureAwait(false);
            return ExitOk;
        });
        return read;
    }

    private static Command CreateProbe()
    {
        var o = new CommonOptions();
        var probe = new Command("probe",
            "Read registers and print them decoded as every 16/32/64-bit type in all four byte orders side by side (when a float reads as garbage).");
        o.AddTo(probe);
        probe.Action = new UsageCheckedAction(async (parse, ct) =>
        {
            var request = Resolve(parse, o, forWrite: false, defaultCount: 4);
            if (ModbusNames.IsBitTable(request.Table))
            {
                throw new UsageException("probe decodes registers: use --table holding or input");
            }
            var output = parse.InvocationConfiguration.Output;
            await using var master = request.Open();
            var stopwatch = Stopwatch.StartNew();
            var registers = new ushort[request.Count];
            await master.ReadRegistersAsync(request.Unit, request.Table, request.Address, registers, ct).ConfigureAwait(false);
            await output.WriteAsync(request.Json
                ? RegistersJson(request, registers, probe: true)
                : Header(request, stopwatch) + ModbusCliFormat.ProbeTable(ModbusNames.TableName(request.Table), request.Address, registers)).ConfigureAwait(false);
            return ExitOk;
        });
        return probe;
    }

    private static Command CreateWrite()
    {
        var o = new CommonOptions();
        var value = new Option<string?>("--value") { Description = "Value to write (a number; 0/1/true/false for coils and bits; text for --type string)" };
        var yes = new Option<bool>("--yes") { Description = "Required: confirms that this changes the state of a live device" };
        var write = new Command("write", "Write one value to a holding register block or a coil; refuses without --yes. Reads it back afterwards.");
        o.AddTo(write);
        write.Options.Add(value);
        write.Options.Add(yes);
        write.Action = new UsageCheckedAction(async (parse, ct) =>
        {
            var request = Resolve(parse, o, forWrite: true);
            var text = parse.GetValue(value) ?? throw new UsageException("write needs --value");
            var output = parse.InvocationConfiguration.Output;
            if (request.Table == ModbusTable.Coil)
            {
                var on = ParseBool(text) ?? throw new UsageException($"--value '{text}' is not 0, 1, true or false (coil)");
                RequireYes(parse.GetValue(yes), request, on ? "1" : "0");
                await using var coilMaster = request.Open();
                await coilMaster.WriteSingleCoilAsync(request.Unit, request.Address, on, ct).ConfigureAwait(false);
                var back = new bool[1];
                await coilMaster.ReadBitsAsync(request.Unit, ModbusTable.Coil, request.Address, back, ct).ConfigureAwait(false);
                await output.WriteLineAsync(FormattableString.Invariant($"wrote coil {request.Address} = {(on ? 1 : 0)} on unit {request.Unit}; reads back {(back[0] ? 1 : 0)}")).ConfigureAwait(false);
                return ExitOk;
            }
            var type = request.Type ?? ModbusDataType.UInt16;
            var registers = new ushort[request.Count];
            await using var master = request.Open();
            if (type == ModbusDataType.Bit)
            {
                var on = ParseBool(text) ?? throw new UsageException($"--value '{text}' is not 0, 1, true or false (bit {request.Bit})");
                RequireYes(parse.GetValue(yes), request, $"bit {request.Bit} = {(on ? 1 : 0)}");
                // Read-modify-write: the other 15 bits keep what the device holds.
                await master.ReadRegistersAsync(request.Unit, request.Table, request.Address, registers, ct).ConfigureAwait(false);
                ModbusValueCodec.EncodeNumber(on ? 1 : 0, type, request.Order, registers, request.Bit);
            }
            else
            {
                Encode(text, type, request, registers);
                RequireYes(parse.GetValue(yes), request, $"{text} as {ModbusCliFormat.ModbusNameText(type)} {request.Order}");
            }
            if (registers.Length == 1)
            {
                await master.WriteSingleRegisterAsync(request.Unit, request.Address, registers[0], ct).ConfigureAwait(false);
            }
            else
            {
                await master.WriteMultipleRegistersAsync(request.Unit, request.Address, registers, ct).ConfigureAwait(false);
            }
            var readBack = new ushort[registers.Length];
            await master.ReadRegistersAsync(request.Unit, request.Table, request.Address, readBack, ct).ConfigureAwait(false);
            var decoded = type == ModbusDataType.String
                ? ModbusValueCodec.DecodeString(readBack, request.Order)
                : DecodedValue.Decode(readBack, type, request.Order, request.Bit).Text;
            var raw = string.Join(' ', registers.Select(ModbusCliFormat.Hex));
            await output.WriteLineAsync(FormattableString.Invariant(
                $"wrote holding {request.Address}..{request.Address + registers.Length - 1} = {raw} on unit {request.Unit}; reads back {decoded}")).ConfigureAwait(false);
            return ExitOk;
        });
        return write;
    }

    private static void RequireYes(bool yes, Request request, string what)
    {
        if (!yes)
        {
            throw new UsageException(FormattableString.Invariant(
                $"refusing to write without --yes: this would set {ModbusNames.TableName(request.Table)} {request.Address} of unit {request.Unit} on {request.LinkText} to {what}"));
        }
    }

    private static void Encode(string text, ModbusDataType type, Request request, ushort[] registers)
    {
        if (type == ModbusDataType.String)
        {
            try
            {
                ModbusValueCodec.EncodeString(text, request.Order, registers);
            }
            catch (ArgumentException ex)
            {
                throw new UsageException($"--value: {ex.Message} (--count sets the registers of the string)");
            }
            return;
        }
        try
        {
            switch (type)
            {
                case ModbusDataType.Int64 when long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var l):
                    ModbusValueCodec.EncodeInt64(l, request.Order, registers);
                    return;
                case ModbusDataType.UInt64 when ulong.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var u):
                    ModbusValueCodec.EncodeUInt64(u, request.Order, registers);
                    return;
            }
            if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var v))
            {
                throw new UsageException($"--value '{text}' is not a number");
            }
            ModbusValueCodec.EncodeNumber(v, type, request.Order, registers);
        }
        catch (ArgumentOutOfRangeException)
        {
            throw new UsageException($"--value '{text}' does not fit {ModbusCliFormat.ModbusNameText(type)}");
        }
    }

    private static bool? ParseBool(string text) => text.Trim().ToLowerInvariant() switch
    {
        "1" or "true" or "on" => true,
        "0" or "false" or "off" => false,
        _ => null,
    };

    private static Request Resolve(ParseResult parse, CommonOptions o, bool forWrite, int defaultCount = 1)
    {
        var links = new[] { parse.GetValue(o.Tcp), parse.GetValue(o.Rtu), parse.GetValue(o.RtuOverTcp) }.Count(l => l is not null);
        if (links != 1)
        {
            throw new UsageException("give exactly one of --tcp HOST:PORT, --rtu DEVICE or --rtu-over-tcp HOST:PORT");
        }
        var unit = parse.GetValue(o.Unit);
        if (unit is < 0 or > 255)
        {
            throw new UsageException($"--unit {unit} is outside 0..255");
        }
        var timeoutMs = parse.GetValue(o.TimeoutMs);
        if (timeoutMs is < 1 or > 300_000)
        {
            throw new UsageException($"--timeout {timeoutMs} ms is outside 1..300000");
        }
        var addressBase = parse.GetValue(o.AddressBase);
        if (addressBase is not (0 or 1))
        {
            throw new UsageException("--address-base must be 0 or 1");
        }
        ModbusTable? table = null;
        if (parse.GetValue(o.Table) is { } tableText)
        {
            table = ModbusNames.TryParseTable(tableText, out var t) ? t : throw new UsageException($"--table '{tableText}' is not one of {ModbusNames.TableChoices}");
        }
        var addressText = parse.GetValue(o.Address) ?? throw new UsageException("--address is required");
        if (!ModbusNames.TryParseAddress(addressText, addressBase, table, out var resolvedTable, out var address, out var addressError))
        {
            throw new UsageException($"--address {addressError}");
        }
        if (forWrite && resolvedTable is ModbusTable.InputRegister or ModbusTable.DiscreteInput)
        {
            throw new UsageException($"{ModbusNames.TableName(resolvedTable)} is read-only: write to holding registers or coils");
        }
        ModbusDataType? type = null;
        if (parse.GetValue(o.Type) is { } typeText)
        {
            type = ModbusNames.TryParseType(typeText, out var ty) ? ty : throw new UsageException($"--type '{typeText}' is not one of {ModbusNames.TypeChoices}");
        }
        var orderText = parse.GetValue(o.Order)!;
        if (!ModbusNames.TryParseByteOrder(orderText, out var order))
        {
            throw new UsageException($"--order '{orderText}' is not one of {ModbusNames.ByteOrderChoices}");
        }
        var bit = parse.GetValue(o.Bit);
        if (bit is < 0 or > 15)
        {
            throw new UsageException("--bit must be 0..15");
        }
        var bits = ModbusNames.IsBitTable(resolvedTable);
        var typeWidth = type is { } ty2 && ty2 != ModbusDataType.String && !bits ? ModbusValueCodec.RegisterCount(ty2) : 1;
        var count = parse.GetValue(o.Count) ?? Math.Max(typeWidth, defaultCount);
        var max = bits ? ModbusLimits.MaxReadBits : forWrite ? ModbusLimits.MaxWriteRegisters : ModbusLimits.MaxReadRegisters;
        if (count < 1 || count > max)
        {
            throw new UsageException($"--count {count} is outside 1..{max}");
        }
        if (forWrite)
        {
            // A write sets one value: its width decides the registers (a string's length comes from --count).
            var writeType = type ?? ModbusDataType.UInt16;
            if (bits || writeType != ModbusDataType.String)
            {
                count = bits ? 1 : ModbusValueCodec.RegisterCount(writeType);
            }
        }
        if (count < typeWidth)
        {
            throw new UsageException($"--count {count} is less than the {typeWidth} registers of {ModbusCliFormat.ModbusNameText(type!.Value)}");
        }
        if (address + count - 1 > ushort.MaxValue)
        {
            throw new UsageException($"--address {address} + --count {count} runs past address 65535");
        }

        var linkOptions = new ModbusLinkOptions { Timeout = TimeSpan.FromMilliseconds(timeoutMs) };
        string linkText;
        Func<IModbusMaster> open;
        if (parse.GetValue(o.Tcp) is { } tcp)
        {
            var (host, port) = ParseEndpoint(tcp, "--tcp", 502);
            linkText = $"tcp {host}:{port}";
            open = () => ModbusMasters.CreateTcp(host, port, linkOptions, TimeProvider.System);
        }
        else if (parse.GetValue(o.RtuOverTcp) is { } rtuTcp)
        {
            var (host, port) = ParseEndpoint(rtuTcp, "--rtu-over-tcp", 502);
            linkText = $"rtu-over-tcp {host}:{port}";
            open = () => ModbusMasters.CreateRtuOverTcp(host, port, linkOptions, TimeProvider.System);
        }
        else
        {
            var device = parse.GetValue(o.Rtu)!;
            var parity = parse.GetValue(o.Parity)!.Trim().ToUpperInvariant() switch
            {
                "N" or "NONE" => Parity.None,
                "E" or "EVEN" => Parity.Even,
                "O" or "ODD" => Parity.Odd,
                var p => throw new UsageException($"--parity '{p}' is not N, E or O"),
            };
            var stopBits = parse.GetValue(o.StopBits) switch
            {
                1 => System.IO.Ports.StopBits.One,
                2 => System.IO.Ports.StopBits.Two,
                var s => throw new UsageException($"--stop-bits {s} is not 1 or 2"),
            };
            var baud = parse.GetValue(o.Baud);
            var settings = new SerialLinkSettings(device, baud, parity, 8, stopBits);
            try
            {
                settings.Validate("--rtu");
            }
            catch (ArgumentException ex)
            {
                throw new UsageException(ex.Message);
            }
            if (unit is 0 or > 247)
            {
                throw new UsageException($"--unit {unit}: serial lines address units 1..247");
            }
            linkText = FormattableString.Invariant($"rtu {device} {baud} {ParityLetter(parity)}8{(stopBits == System.IO.Ports.StopBits.Two ? 2 : 1)}");
            linkOptions.MinimumFrameGap = ModbusBusOptions.DefaultMinimumFrameGap;
            open = () => ModbusMasters.CreateRtu(settings, linkOptions, TimeProvider.System);
        }
        return new Request(linkText, open, (byte)unit, resolvedTable, address, count, type, order, bit, parse.GetValue(o.Json));
    }

    private static char ParityLetter(Parity parity) => parity switch
    {
        Parity.Even => 'E',
        Parity.Odd => 'O',
        _ => 'N',
    };

    private static (string Host, int Port) ParseEndpoint(string text, string option, int defaultPort)
    {
        var s = text.Trim();
        var colon = s.LastIndexOf(':');
        // "[::1]:502" or "host:502"; a bare IPv6 address has more than one colon and no brackets.
        if (colon > 0 && (s.IndexOf(':') == colon || s.StartsWith('[')))
        {
            var host = s[..colon].Trim('[', ']');
            if (!int.TryParse(s[(colon + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port is < 1 or > 65535)
            {
                throw new UsageException($"{option} '{text}': the port must be 1..65535");
            }
            return (host, port);
        }
        if (s.Length == 0)
        {
            throw new UsageException($"{option} needs HOST:PORT");
        }
        return (s.Trim('[', ']'), defaultPort);
    }

    private static string Header(Request request, Stopwatch stopwatch) => FormattableString.Invariant(
        $"{request.LinkText}, unit {request.Unit}, {ModbusNames.TableName(request.Table)} {request.Address}..{request.Address + request.Count - 1} ({request.Count}), {stopwatch.Elapsed.TotalMilliseconds:0.0} ms\n");

    private static string BitsText(Request request, bool[] bits)
    {
        var sb = new StringBuilder();
        ModbusCliFormat.WriteBits(sb, request.Address, bits);
        return sb.ToString();
    }

    private static string RegistersText(Request request, ushort[] registers)
    {
        var sb = new StringBuilder();
        ModbusCliFormat.WriteRegisters(sb, request.Address, registers);
        if (request.Type is { } type)
        {
            sb.AppendLine();
            var orderText = type is ModbusDataType.Bool or ModbusDataType.Bit ? "" : " " + request.Order;
            var bitText = type == ModbusDataType.Bit ? FormattableString.Invariant($" {request.Bit}") : "";
            foreach (var (offset, value) in ModbusCliFormat.DecodeSeries(registers, type, request.Order, request.Bit))
            {
                sb.Append(CultureInfo.InvariantCulture, $"{ModbusCliFormat.ModbusNameText(type)}{bitText}{orderText} at {request.Address + offset}: {value.Text}").AppendLine();
            }
        }
        return sb.ToString();
    }

    private static string RegistersJson(Request request, ushort[] registers, bool probe)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            WriteJsonHeader(w, request);
            w.WriteStartArray("registers");
            foreach (var r in registers)
            {
                w.WriteNumberValue(r);
            }
            w.WriteEndArray();
            if (probe)
            {
                ModbusCliFormat.WriteProbeJson(w, request.Address, registers);
            }
            else if (request.Type is { } type)
            {
                w.WriteString("type", ModbusCliFormat.ModbusNameText(type));
                w.WriteString("order", request.Order.ToString());
                w.WriteStartArray("values");
                foreach (var (offset, value) in ModbusCliFormat.DecodeSeries(registers, type, request.Order, request.Bit))
                {
                    w.WriteStartObject();
                    w.WriteNumber("address", request.Address + offset);
                    value.WriteTo(w, "value");
                    w.WriteEndObject();
                }
                w.WriteEndArray();
            }
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.ToArray()) + "\n";
    }

    private static string BitsJson(Request request, bool[] bits)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            WriteJsonHeader(w, request);
            w.WriteStartArray("bits");
            foreach (var b in bits)
            {
                w.WriteNumberValue(b ? 1 : 0);
            }
            w.WriteEndArray();
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.ToArray()) + "\n";
    }

    private static void WriteJsonHeader(Utf8JsonWriter w, Request request)
    {
        w.WriteStartObject();
        w.WriteString("link", request.LinkText);
        w.WriteNumber("unit", request.Unit);
        w.WriteString("table", ModbusNames.TableName(request.Table));
        w.WriteNumber("address", request.Address);
        w.WriteNumber("count", request.Count);
    }
}
