using System.Text.Json;
using System.Text.Json.Nodes;
using EdgeAnomaly.FirmwareSim.Modbus;
using EdgeAnomaly.Gateway.Tests.Modbus;
using EdgeAnomaly.TestSupport;
using Xunit.Abstractions;

namespace EdgeAnomaly.Gateway.Tests.Integration;

/// <summary>
/// The real `edgeanomaly run` polling the firmware-sim pump slave over Modbus TCP (unit 1) and over RTU on a socat
/// pty pair (units 2 and 3 on one line), with real mosquitto brokers: an injected process fault raises rule and
/// statistical events that are stored and uplinked; a comms fault degrades a device, which then recovers.
/// </summary>
[Collection("gateway-process")]
public sealed class ModbusEndToEndTests(ITestOutputHelper output) : TwoBrokerTest
{
    private const string GatewayId = "gw-modbus";

    private string DbPath => Path.Combine(Dir.Path, "data", "edgeanomaly.db");

    [Fact]
    public async Task PollingTcpAndRtu_OvercurrentRaisesRuleAndStatisticalEvents_DroppedUnitDegradesAndRecovers()
    {
        await using var pty = await SocatPty.StartAsync();
        await using var sim = await SimSlave.StartAsync([1, 2, 3], tcp: true, rtuDevice: pty.DeviceEnd);
        var configPath = WriteConfig(sim.TcpPort, pty.HostEnd);
        await using var central = new CentralRecorder();
        await central.StartAsync(Central.Host, Central.Port);
        await using var health = new HealthRecorder();
        await health.StartAsync(Central.Host, Central.Port, GatewayId);
        await using var gateway = new GatewayProcess(configPath);
        gateway.Start();

        // Statistics need their warm-up (20 samples at 250 ms) on every unit before the fault.
        await Eventually.True(() => health.Readings("modbus") >= 3 * 3 * 30, TimeSpan.FromSeconds(60),
            $"the gateway polls all three units (health: {health.Last})\n{gateway.Output}");
        Assert.Equal("ok", health.DeviceStatus("pump-03-drive"));
        Assert.Empty(GatewayDb.Events(DbPath));

        // Faults from now on, in the sim's --fault syntax: +8 A on unit 1 for 12 s; unit 3 silent for 5 s.
        var now = (DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() - sim.Simulator.StartMs) / 1000.0;
        sim.Simulator.Inject(ModbusFaultSpec.Parse(FormattableString.Invariant($"overcurrent:1@{now:0.0}+12:8")));
        sim.Simulator.Inject(ModbusFaultSpec.Parse(FormattableString.Invariant($"drop:3@{now:0.0}+5")));

        await Eventually.True(() => StoredEvents().Any(e => IsEvent(e, "pump-01", "rule", "rule:pump-overcurrent"))
                && StoredEvents().Any(e => IsEvent(e, "pump-01", "statistic", "stat:current.a")),
            TimeSpan.FromSeconds(30), $"the overcurrent raises the rule and a statistical event for current.a\n{Describe()}\n{gateway.Output}");
        await Eventually.True(() => health.Snapshot().Any(h => HealthRecorder.DeviceStatus(h, "pump-03-drive") == "degraded"), TimeSpan.FromSeconds(30),
            $"the silent unit is reported degraded in health\n{gateway.Output}");
        var degradedAt = health.Snapshot().Count;
        await Eventually.True(() => health.Snapshot().Skip(degradedAt).Any(h => HealthRecorder.DeviceStatus(h, "pump-03-drive") == "ok"),
            TimeSpan.FromSeconds(30), $"the unit recovers once it answers again\n{gateway.Output}");

        var stored = GatewayDb.Events(DbPath);
        await Eventually.True(() => central.DistinctIds().IsSupersetOf(stored.Keys), TimeSpan.FromSeconds(30), "central receives every stored event");
        var last = health.Last!.Value;
        var device2 = last.GetProperty("devices").EnumerateArray().First(d => d.GetProperty("name").GetString() == "pump-02-drive");
        var device3 = last.GetProperty("devices").EnumerateArray().First(d => d.GetProperty("name").GetString() == "pump-03-drive");
        output.WriteLine($"events: {Describe()}");
        output.WriteLine($"health devices: {last.GetProperty("devices")}");
        output.WriteLine($"health sources: {last.GetProperty("sources")}");
        await gateway.StopAsync();

        // The unfaulted unit on the same bus raised nothing and kept being polled; the dropped one counted timeouts.
        Assert.DoesNotContain(StoredEvents(), e => e.GetProperty("asset").GetString() == "pump-02");
        Assert.True(device2.GetProperty("requests").GetInt64() > 50);
        Assert.True(device3.GetProperty("timeouts").GetInt64() >= 2);
        Assert.True(last.GetProperty("sources").GetProperty("modbus").GetProperty("not_good").GetInt64() > 0,
            "the dropped unit's tags were stored with bad quality");
    }

    private static bool IsEvent(JsonElement e, string asset, string kind, string source) =>
        e.GetProperty("asset").GetString() == asset && e.GetProperty("kind").GetString() == kind && e.GetProperty("source").GetString() == source;

    private List<JsonElement> StoredEvents()
    {
        if (!File.Exists(DbPath))
        {
            return [];
        }
        return [.. GatewayDb.Events(DbPath).Values.Select(v => JsonDocument.Parse(v.Payload).RootElement.Clone())];
    }

    private string Describe() => string.Join("\n", StoredEvents().Select(e =>
        $"{e.GetProperty("asset").GetString()} {e.GetProperty("kind").GetString()} {e.GetProperty("source").GetString()} {e.GetProperty("state").GetString()}"));

    private string WriteConfig(int tcpPort, string rtuPort)
    {
        var rules = Path.Combine(Dir.Path, "rules.yaml");
        File.WriteAllText(rules, """
            version: 1
            rules:
              - id: pump-overcurrent
                select: { assetType: pump }
                when: "current.a > 18"
                sustain: 1s
                severity: critical
                cooldown: 0s
                message: "{asset}: current {current.a} A"
            """);
        static JsonArray AssetTags() => new(
            new JsonObject { ["Name"] = "current.a", ["Unit"] = "A", ["IntervalSeconds"] = 0.25 },
            new JsonObject { ["Name"] = "pressure.bar", ["Unit"] = "bar", ["IntervalSeconds"] = 0.25, ["Statistics"] = false },
            new JsonObject { ["Name"] = "running", ["IntervalSeconds"] = 0.25, ["Statistics"] = false });
        static JsonArray DeviceTags() => new(
            new JsonObject { ["Name"] = "current.a", ["Table"] = "input", ["Address"] = "0", ["Type"] = "float32", ["PollGroup"] = "fast" },
            new JsonObject { ["Name"] = "pressure.bar", ["Table"] = "input", ["Address"] = "2", ["Type"] = "float32", ["PollGroup"] = "fast" },
            new JsonObject { ["Name"] = "running", ["Table"] = "input", ["Address"] = "11", ["Type"] = "bit", ["Bit"] = 0, ["PollGroup"] = "fast" });
        JsonObject Device(string name, string asset, int unit, bool tcp)
        {
            var d = new JsonObject
            {
                ["Name"] = name,
                ["Asset"] = asset,
                ["UnitId"] = unit,
                ["Timeout"] = "00:00:00.300",
                ["Retries"] = 1,
                ["FailuresBeforeDegraded"] = 2,
                ["DegradedRetry"] = new JsonObject { ["Initial"] = "00:00:01", ["Max"] = "00:00:02" },
                ["Tags"] = DeviceTags(),
            };
            if (tcp)
            {
                d["Tcp"] = $"127.0.0.1:{tcpPort}";
            }
            else
            {
                d["Rtu"] = new JsonObject { ["Port"] = rtuPort, ["BaudRate"] = 19200, ["Parity"] = "None", ["StopBits"] = 1 };
            }
            return d;
        }
        var warmup = new JsonObject { ["WarmupSamples"] = 20 };
        var config = new JsonObject
        {
            ["Gateway"] = new JsonObject { ["Id"] = GatewayId, ["DataDir"] = Path.Combine(Dir.Path, "data") },
            ["LocalBroker"] = new JsonObject { ["Host"] = "127.0.0.1", ["Port"] = Local.Port, ["ClientId"] = "gw-modbus-ingest" },
            ["Central"] = new JsonObject { ["Host"] = "127.0.0.1", ["Port"] = Central.Port, ["ReconnectMax"] = "00:00:01", ["HealthInterval"] = "00:00:01" },
            ["Store"] = new JsonObject { ["ReadingsFlushInterval"] = "00:00:01" },
            ["Rules"] = new JsonObject { ["Path"] = rules },
            ["Statistics"] = new JsonObject
            {
                ["Enabled"] = true,
                ["ZScore"] = warmup.DeepClone(),
                ["RobustZ"] = warmup.DeepClone(),
                ["Iqr"] = warmup.DeepClone(),
                ["Ewma"] = warmup.DeepClone(),
            },
            ["DataQuality"] = new JsonObject { ["Enabled"] = false },
            ["Assets"] = new JsonArray(
                new JsonObject { ["Name"] = "pump-01", ["Type"] = "pump", ["Tags"] = AssetTags() },
                new JsonObject { ["Name"] = "pump-02", ["Type"] = "pump", ["Tags"] = AssetTags() },
                new JsonObject { ["Name"] = "pump-03", ["Type"] = "pump", ["Tags"] = AssetTags() }),
            ["Devices"] = new JsonObject
            {
                ["PollGroups"] = new JsonArray(new JsonObject { ["Name"] = "fast", ["Interval"] = "00:00:00.250" }),
                ["Modbus"] = new JsonArray(
                    Device("pump-01-plc", "pump-01", 1, tcp: true),
                    Device("pump-02-drive", "pump-02", 2, tcp: false),
                    Device("pump-03-drive", "pump-03", 3, tcp: false)),
            },
        };
        var path = Path.Combine(Dir.Path, "edgeanomaly.json");
        File.WriteAllText(path, config.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        return path;
    }
}
