using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using EdgeAnomaly.Devices;
using EdgeAnomaly.Devices.Modbus;
using EdgeAnomaly.TestSupport;

namespace EdgeAnomaly.Bench.Modbus;

/// <summary>
/// Modbus polling benchmarks against the real gateway process and the real firmware-sim slave process
/// (docs/benchmarks.md, "Modbus polling"; bench/run-modbus.sh).
/// </summary>
internal static class ModbusScenarios
{
    private const string Rules = """
        version: 1
        rules:
          - id: t00-high
            select: { asset: "*" }
            when: "t00 > 1000"
            severity: warning
            message: "{asset}: t00 {t00}"
        """;

    /// <summary>One tag of the benchmark register map: where it is and how it is read.</summary>
    /// <param name="Analog">A measurement: statistics and every data-quality check on. Otherwise (counters, status
    /// words, one word of a wider register, bits) statistics, the flatline and the spike check are off, as a real map
    /// would have them; dropout still applies.</param>
    private sealed record BenchTag(string Name, string Table, int Address, string Type, bool Analog);

    /// <summary>
    /// Up to 50 tags per device laid out so the minimal plan is known and every value decodes (a float32 over
    /// registers that hold something else can be NaN, which the scheduler rightly counts as a decode error):
    /// request 1: 5 float32 (input 0..9, the pump's measurements) and 30 uint16 (input 10..39); request 2: 5 uint16
    /// at input 60..64 (a 20-register gap, more than MaxRegisterGap 10); request 3: 5 float32 in the simulator's
    /// read-only holding mirror (holding 1000..1009); request 4: 5 discrete inputs.
    /// </summary>
    private static List<BenchTag> TagLayout(int count)
    {
        var tags = new List<BenchTag>();
        void Add(string table, int address, string type, bool analog) => tags.Add(new($"t{tags.Count:00}", table, address, type, analog));
        for (var i = 0; i < 5; i++)
        {
            Add("input", i * 2, "float32", true);
        }
        // Counters, status words and single words of 32/64-bit values: not analog.
        for (var i = 10; i < 40; i++)
        {
            Add("input", i, "uint16", false);
        }
        for (var i = 60; i < 65; i++)
        {
            Add("input", i, "uint16", false);
        }
        for (var i = 0; i < 5; i++)
        {
            Add("holding", 1000 + (i * 2), "float32", true);
        }
        for (var i = 0; i < 5; i++)
        {
            Add("discrete", i, "bool", false);
        }
        return tags.GetRange(0, Math.Min(count, tags.Count));
    }

    private static JsonObject AssetJson(string name, IEnumerable<BenchTag> tags, double intervalSeconds)
    {
        var array = new JsonArray();
        foreach (var t in tags)
        {
            array.Add(new JsonObject
            {
                ["Name"] = t.Name,
                ["IntervalSeconds"] = intervalSeconds,
                ["Statistics"] = t.Analog,
                ["Flatline"] = t.Analog,
                ["Spike"] = t.Analog,
            });
        }
        return new JsonObject { ["Name"] = name, ["Type"] = "pump", ["Tags"] = array };
    }

    private static JsonArray DeviceTagsJson(IEnumerable<BenchTag> tags, string group)
    {
        var array = new JsonArray();
        foreach (var t in tags)
        {
            array.Add(new JsonObject { ["Name"] = t.Name, ["Table"] = t.Table, ["Address"] = t.Address.ToString(CultureInfo.InvariantCulture), ["Type"] = t.Type, ["PollGroup"] = group });
        }
        return array;
    }

    private static readonly JsonSerializerOptions ReadOptions = new() { PropertyNameCaseInsensitive = true };

    /// <summary>The planner's request count for one cycle of every device, from the same config the gateway reads.</summary>
    private static int PlannedRequests(JsonObject devices)
    {
        var options = devices.Deserialize<DevicesOptions>(ReadOptions)!;
        var errors = new List<string>();
        var compiled = options.CompileModbus(null, errors);
        if (errors.Count > 0)
        {
            throw new InvalidOperationException("benchmark config invalid: " + string.Join("; ", errors));
        }
        return compiled.Sum(d => d.RequestsPerCycle);
    }

    /// <summary>(a) Many TCP devices at 1 s: gateway CPU and requests per cycle against the planner's minimum.</summary>
    public static async Task<int> TcpFleetAsync(string simDll, int deviceCount, int tagsPerDevice, int seconds, int warmupSeconds, bool detectors = true, bool statisticsOnAll = false,
        int healthSeconds = 1, int spikeWindow = 0)
    {
        Stamp($"modbus-tcp: {deviceCount} devices x {tagsPerDevice} tags at 1 s, detectors {(detectors ? statisticsOnAll ? "on, every register tag treated as analog" : "on, 10 analog tags per device (statistics, flatline, spike), 40 not" : "off")}, " +
            $"health every {healthSeconds} s, spike window {(spikeWindow > 0 ? spikeWindow.ToString(CultureInfo.InvariantCulture) : "default")}, {seconds} s measured after {warmupSeconds} s warm-up");
        await using var local = await MosquittoBroker.StartAsync();
        await using var central = await MosquittoBroker.StartAsync();
        await using var sim = await SimProcess.StartAsync(simDll, ["--tcp-per-unit", "127.0.0.1:0", "--units", $"1-{deviceCount}"]);
        var ports = sim.PerUnitPorts();
        var layout = TagLayout(tagsPerDevice);
        if (statisticsOnAll)
        {
            layout = [.. layout.Select(t => t with { Analog = t.Table != "discrete" })];
        }
        var assets = new JsonArray();
        var modbus = new JsonArray();
        for (var unit = 1; unit <= deviceCount; unit++)
        {
            var asset = $"dev-{unit:000}";
            assets.Add(AssetJson(asset, layout, 1));
            modbus.Add(new JsonObject
            {
                ["Name"] = $"{asset}-plc",
                ["Asset"] = asset,
                ["Tcp"] = $"127.0.0.1:{ports[unit]}",
                ["UnitId"] = unit,
                ["Tags"] = DeviceTagsJson(layout, "default"),
            });
        }
        var devices = new JsonObject { ["Modbus"] = modbus };
        var planned = PlannedRequests(devices);
        await using var gateway = await ModbusGateway.StartAsync(local.Port, central.Port, assets, devices, Rules, detectors, TimeSpan.FromSeconds(healthSeconds), spikeWindow);

        var warm = await gateway.NextHealthAsync(0, TimeSpan.FromSeconds(60));
        var warmUntil = DateTime.UtcNow.AddSeconds(warmupSeconds);
        while (DateTime.UtcNow < warmUntil || ModbusGateway.DeviceSum(warm, "requests") == 0)
        {
            warm = await gateway.NextHealthAsync(warm.GetProperty("ts").GetInt64(), TimeSpan.FromSeconds(30));
        }
        var h0 = await gateway.NextHealthAsync(warm.GetProperty("ts").GetInt64(), TimeSpan.FromSeconds(30));
        var cpu0 = ProcCpu.CpuTime(gateway.Pid);
        var threads0 = ProcCpu.ByThreadName(gateway.Pid);
        var switches0 = ProcCpu.Wakeups(gateway.Pid);
        var simCpu0 = ProcCpu.CpuTime(sim.Pid);
        var wall = Stopwatch.StartNew();
        await Task.Delay(TimeSpan.FromSeconds(seconds));
        var h1 = await gateway.NextHealthAsync(h0.GetProperty("ts").GetInt64() + (seconds * 1000L) - 500, TimeSpan.FromSeconds(30));
        var cpu1 = ProcCpu.CpuTime(gateway.Pid);
        var threads1 = ProcCpu.ByThreadName(gateway.Pid);
        var switches1 = ProcCpu.Wakeups(gateway.Pid);
        var simCpu1 = ProcCpu.CpuTime(sim.Pid);
        var elapsed = wall.Elapsed.TotalSeconds;

        var spanSeconds = (h1.GetProperty("ts").GetInt64() - h0.GetProperty("ts").GetInt64()) / 1000.0;
        var requests = ModbusGateway.DeviceSum(h1, "requests") - ModbusGateway.DeviceSum(h0, "requests");
        var timeouts = ModbusGateway.DeviceSum(h1, "timeouts") - ModbusGateway.DeviceSum(h0, "timeouts");
        var errors = ModbusGateway.DeviceSum(h1, "errors") - ModbusGateway.DeviceSum(h0, "errors");
        var readings = ReadingsOf(h1) - ReadingsOf(h0);
        var events = h1.GetProperty("events_opened").GetInt64() - h0.GetProperty("events_opened").GetInt64();
        var cpuPercent = (cpu1 - cpu0).TotalSeconds / elapsed * 100;
        var perCycle = requests / spanSeconds; // 1 s poll interval: cycles = seconds
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"RESULT modbus-tcp: gateway CPU {cpuPercent:F2} % of one core over {elapsed:F0} s ({(cpu1 - cpu0).TotalSeconds:F2} s CPU); " +
            $"requests per 1 s cycle {perCycle:F1} measured vs {planned} planned (minimal coalesced); {readings / spanSeconds:F0} readings/s, {events} events opened; " +
            $"timeouts {timeouts}, errors {errors}, degraded devices {ModbusGateway.Degraded(h1)}; simulator CPU {(simCpu1 - simCpu0).TotalSeconds / elapsed * 100:F2} %"));
        Console.WriteLine("  gateway CPU by thread: " + ThreadShares(threads0, threads1, cpu1 - cpu0, elapsed) +
            string.Create(CultureInfo.InvariantCulture, $"; voluntary context switches {(switches1 - switches0) / elapsed:F0}/s (live threads)"));
        ShowFaults(gateway, timeouts + errors);
        if (events > 0)
        {
            Console.WriteLine("  events opened by detector (whole run): " + EventSources(gateway.Output));
        }
        return 0;
    }

    /// <summary>
    /// Percent of one core per thread name over the window, largest first. The JIT's tiering thread shows how far
    /// from steady state the window still is; "ended threads" is CPU of threads that exited within it.
    /// </summary>
    private static string ThreadShares(Dictionary<string, TimeSpan> before, Dictionary<string, TimeSpan> after, TimeSpan total, double seconds)
    {
        var shares = new List<(string Name, double Seconds)>();
        var counted = 0.0;
        foreach (var (name, time) in after)
        {
            var delta = (time - before.GetValueOrDefault(name)).TotalSeconds;
            if (delta > 0)
            {
                shares.Add((name, delta));
                counted += delta;
            }
        }
        var ended = total.TotalSeconds - counted;
        if (ended > 0.005)
        {
            shares.Add(("ended threads", ended));
        }
        return string.Join(", ", shares.OrderByDescending(s => s.Seconds).Take(6)
            .Select(s => string.Create(CultureInfo.InvariantCulture, $"{s.Name.Trim()} {s.Seconds / seconds * 100:F2} %")));
    }

    /// <summary>Counts "Event ... open ... source=KIND:tag" log lines by KIND (rule, stat, dq-flatline, ...).</summary>
    private static string EventSources(string output)
    {
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var line in output.Split('\n'))
        {
            var at = line.IndexOf(" open asset=", StringComparison.Ordinal);
            var source = line.IndexOf(" source=", StringComparison.Ordinal);
            if (at < 0 || source < 0)
            {
                continue;
            }
            var text = line[(source + 8)..];
            var end = text.IndexOfAny([':', ' ']);
            var kind = end < 0 ? text : text[..end];
            counts[kind] = counts.GetValueOrDefault(kind) + 1;
        }
        return string.Join(", ", counts.OrderByDescending(c => c.Value).Select(c => $"{c.Key} {c.Value}"));
    }

    /// <summary>
    /// (b) One RTU bus kept busy (poll interval shorter than a cycle): achieved time per poll cycle against the
    /// time the same frames need on a real line. With <paramref name="paced"/> the bytes cross a UART emulator
    /// (<see cref="UartWire"/>) that delivers them at the baud rate; without it the pty delivers them at once.
    /// </summary>
    public static async Task<int> RtuBusAsync(string simDll, int units, int registers, int baud, int seconds, bool paced, double? simGapMs, int gapMs)
    {
        Stamp($"modbus-rtu: {units} units on one bus at {baud} baud, {registers} input registers (uint16 tags) each, {(paced ? "paced at the baud rate" : "unpaced pty")}, " +
            $"frame gap {gapMs} ms, simulator end-of-frame silence {(simGapMs is { } g ? g.ToString(CultureInfo.InvariantCulture) + " ms" : "default")}, {seconds} s");
        await using var local = await MosquittoBroker.StartAsync();
        await using var central = await MosquittoBroker.StartAsync();
        await using var gatewaySide = await SocatPty.StartAsync();
        await using var simSide = paced ? await SocatPty.StartAsync() : null;
        using var wire = paced ? new UartWire(gatewaySide.DeviceEnd, simSide!.HostEnd, baud) : null;
        var simEnd = paced ? simSide!.DeviceEnd : gatewaySide.DeviceEnd;
        List<string> simArgs = ["--rtu", simEnd, "--baud", baud.ToString(CultureInfo.InvariantCulture), "--parity", "N", "--units", $"1-{units}"];
        if (simGapMs is { } simGap)
        {
            simArgs.AddRange(["--rtu-gap-ms", simGap.ToString(CultureInfo.InvariantCulture)]);
        }
        await using var sim = await SimProcess.StartAsync(simDll, simArgs);

        var tags = new List<BenchTag>();
        for (var i = 0; i < registers; i++)
        {
            tags.Add(new($"t{i:00}", "input", i, "uint16", false));
        }
        var assets = new JsonArray();
        var modbus = new JsonArray();
        for (var unit = 1; unit <= units; unit++)
        {
            var asset = $"rtu-{unit:00}";
            assets.Add(AssetJson(asset, tags, 0));
            modbus.Add(new JsonObject
            {
                ["Name"] = $"{asset}-drive",
                ["Asset"] = asset,
                ["Rtu"] = new JsonObject { ["Port"] = gatewaySide.HostEnd, ["BaudRate"] = baud, ["Parity"] = "None", ["StopBits"] = 1 },
                ["UnitId"] = unit,
                ["Tags"] = DeviceTagsJson(tags, "busy"),
            });
        }
        var devices = new JsonObject
        {
            // Shorter than any cycle: the bus never idles, so requests/s measures the achieved cycle time.
            ["PollGroups"] = new JsonArray(new JsonObject { ["Name"] = "busy", ["Interval"] = "00:00:00.010" }),
            ["ModbusBuses"] = new JsonArray(new JsonObject { ["Port"] = gatewaySide.HostEnd, ["MinimumFrameGap"] = TimeSpan.FromMilliseconds(gapMs).ToString("c", CultureInfo.InvariantCulture) }),
            ["Modbus"] = modbus,
        };
        var planned = PlannedRequests(devices);
        await using var gateway = await ModbusGateway.StartAsync(local.Port, central.Port, assets, devices, Rules, detectors: false);

        var h = await gateway.NextHealthAsync(0, TimeSpan.FromSeconds(60));
        var warmUntil = DateTime.UtcNow.AddSeconds(10);
        while (DateTime.UtcNow < warmUntil || ModbusGateway.DeviceSum(h, "requests") == 0)
        {
            h = await gateway.NextHealthAsync(h.GetProperty("ts").GetInt64(), TimeSpan.FromSeconds(30));
        }
        var h0 = await gateway.NextHealthAsync(h.GetProperty("ts").GetInt64(), TimeSpan.FromSeconds(30));
        await Task.Delay(TimeSpan.FromSeconds(seconds));
        var h1 = await gateway.NextHealthAsync(h0.GetProperty("ts").GetInt64() + (seconds * 1000L) - 500, TimeSpan.FromSeconds(30));

        var spanMs = h1.GetProperty("ts").GetInt64() - h0.GetProperty("ts").GetInt64();
        var requests = ModbusGateway.DeviceSum(h1, "requests") - ModbusGateway.DeviceSum(h0, "requests");
        var timeouts = ModbusGateway.DeviceSum(h1, "timeouts") - ModbusGateway.DeviceSum(h0, "timeouts");
        var errors = ModbusGateway.DeviceSum(h1, "errors") - ModbusGateway.DeviceSum(h0, "errors");
        var perDevice = string.Join(" ", h1.GetProperty("devices").EnumerateArray().Zip(h0.GetProperty("devices").EnumerateArray(),
            (b, a) => (b.GetProperty("requests").GetInt64() - a.GetProperty("requests").GetInt64()).ToString(CultureInfo.InvariantCulture)));

        // One transaction on a real line: request (8 bytes) and answer (5 + 2 x registers bytes) at 11 bits per
        // character, the slave's 3.5-character end-of-frame silence before it may answer, and the master's quiet time
        // before the next request (the larger of the configured gap and 3.5 characters).
        var character = 11.0 / baud * 1000;
        var requestBytes = 8;
        var answerBytes = 5 + (2 * registers);
        var physicalMs = ((requestBytes + answerBytes) * character) + (3.5 * character) + Math.Max(gapMs, 3.5 * character);
        var achievedMs = (double)spanMs / requests;
        var cycleRequests = planned; // one request per device per cycle
        var relayed = wire is null ? "" : $"; wire relayed {wire.BytesRelayed} bytes";
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"RESULT modbus-rtu: cycle of {cycleRequests} requests achieved {achievedMs * cycleRequests:F1} ms vs physical {physicalMs * cycleRequests:F1} ms " +
            $"(per transaction {achievedMs:F2} ms vs {physicalMs:F2} ms: {(requestBytes + answerBytes) * character:F2} ms of bytes, {3.5 * character:F2} ms silence, {Math.Max(gapMs, 3.5 * character):F2} ms gap); " +
            $"ratio physical/achieved {physicalMs / achievedMs:F3}; {requests} requests in {spanMs / 1000.0:F1} s (per device {perDevice}); timeouts {timeouts}, errors {errors}{relayed}"));
        ShowFaults(gateway, timeouts + errors);
        return 0;
    }

    /// <summary>When the run had faults, the gateway's warnings say which (rate-limited, so a few lines).</summary>
    private static void ShowFaults(ModbusGateway gateway, long faults)
    {
        if (faults == 0)
        {
            return;
        }
        foreach (var line in gateway.Output.Split('\n').Where(l => l.Contains("warn", StringComparison.Ordinal) && l.Contains("Modbus", StringComparison.Ordinal)).TakeLast(10))
        {
            Console.WriteLine("  gateway: " + line.TrimEnd());
        }
    }

    private static long ReadingsOf(JsonElement health) =>
        health.GetProperty("sources").GetProperty("modbus").GetProperty("readings").GetInt64();

    private static void Stamp(string what) =>
        Console.WriteLine($"== {what} | {DateTime.UtcNow:yyyy-MM-ddTHH:mm:ssZ} | load {File.ReadAllText("/proc/loadavg").Split(' ')[0]} | {Environment.ProcessorCount} cores");
}
