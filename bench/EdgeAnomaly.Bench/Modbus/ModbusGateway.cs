using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using EdgeAnomaly.TestSupport;
using MQTTnet;
using MQTTnet.Protocol;

namespace EdgeAnomaly.Bench.Modbus;

/// <summary>
/// The real `edgeanomaly run` (edgeanomaly.dll next to this benchmark) with a generated Devices config, and a health
/// subscriber on the central broker: health carries every device's request and timeout counters.
/// </summary>
internal sealed class ModbusGateway : IAsyncDisposable
{
    public const string GatewayId = "gw-modbus-bench";

    private readonly List<JsonElement> _health = [];
    private readonly IMqttClient _healthClient = new MqttClientFactory().CreateMqttClient();
    private readonly GatewayProcess _gatewayProcess;

    private ModbusGateway(string directory, string configPath)
    {
        Directory = directory;
        _gatewayProcess = new GatewayProcess(configPath);
    }

    public string Directory { get; }

    public int Pid => _gatewayProcess.Pid;

    public string Output => _gatewayProcess.Output;

    /// <summary>Writes the config (assets + devices built by the caller) and starts the gateway.</summary>
    /// <param name="detectors">Statistics and data-quality checks on (a realistic daemon) or off (measuring the bus alone).</param>
    /// <param name="healthInterval">Health report period; 1 s lets short runs read counters often (production default 10 s).</param>
    /// <param name="spikeWindow">DataQuality:Spike:Window, or 0 for the product default.</param>
    public static async Task<ModbusGateway> StartAsync(int localPort, int centralPort, JsonArray assets, JsonObject devices, string rulesYaml, bool detectors = true,
        TimeSpan? healthInterval = null, int spikeWindow = 0)
    {
        var dataQuality = new JsonObject { ["Enabled"] = detectors };
        if (spikeWindow > 0)
        {
            dataQuality["Spike"] = new JsonObject { ["Window"] = spikeWindow };
        }
        var health = (healthInterval ?? TimeSpan.FromSeconds(1)).ToString("c", CultureInfo.InvariantCulture);
        var dir = Path.Combine(Path.GetTempPath(), "ea-modbus-bench-" + Guid.NewGuid().ToString("N")[..8]);
        System.IO.Directory.CreateDirectory(dir);
        var rules = Path.Combine(dir, "rules.yaml");
        await File.WriteAllTextAsync(rules, rulesYaml);
        var config = new JsonObject
        {
            ["Gateway"] = new JsonObject { ["Id"] = GatewayId, ["DataDir"] = Path.Combine(dir, "data") },
            ["LocalBroker"] = new JsonObject { ["Host"] = "127.0.0.1", ["Port"] = localPort },
            ["Central"] = new JsonObject { ["Host"] = "127.0.0.1", ["Port"] = centralPort, ["HealthInterval"] = health },
            ["Rules"] = new JsonObject { ["Path"] = rules },
            ["Statistics"] = new JsonObject { ["Enabled"] = detectors },
            ["DataQuality"] = dataQuality,
            ["Assets"] = assets,
            ["Devices"] = devices,
        };
        var path = Path.Combine(dir, "edgeanomaly.json");
        await File.WriteAllTextAsync(path, config.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));

        var gateway = new ModbusGateway(dir, path);
        gateway._healthClient.ApplicationMessageReceivedAsync += e =>
        {
            using var doc = JsonDocument.Parse(System.Buffers.BuffersExtensions.ToArray(e.ApplicationMessage.Payload));
            lock (gateway._health)
            {
                gateway._health.Add(doc.RootElement.Clone());
            }
            return Task.CompletedTask;
        };
        await gateway._healthClient.ConnectAsync(new MqttClientOptionsBuilder().WithTcpServer("127.0.0.1", centralPort).Build());
        await gateway._healthClient.SubscribeAsync($"ea/v1/gateways/{GatewayId}/health", MqttQualityOfServiceLevel.AtMostOnce);

        gateway._gatewayProcess.Start();
        return gateway;
    }

    /// <summary>The latest health report, after waiting for one newer than <paramref name="afterTs"/>.</summary>
    public async Task<JsonElement> NextHealthAsync(long afterTs, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            lock (_health)
            {
                if (_health.Count > 0 && _health[^1].GetProperty("ts").GetInt64() > afterTs)
                {
                    return _health[^1];
                }
            }
            if (_gatewayProcess.HasExited)
            {
                throw new InvalidOperationException("the gateway exited:\n" + Output);
            }
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"no health report within {timeout}:\n{Output}");
            }
            await Task.Delay(50);
        }
    }

    /// <summary>Sum of a device counter ("requests", "timeouts", "errors") over every device of a health report.</summary>
    public static long DeviceSum(JsonElement health, string counter)
    {
        long sum = 0;
        foreach (var d in health.GetProperty("devices").EnumerateArray())
        {
            sum += d.GetProperty(counter).GetInt64();
        }
        return sum;
    }

    public static int Degraded(JsonElement health) =>
        health.GetProperty("devices").EnumerateArray().Count(d => d.GetProperty("status").GetString() != "ok");

    public async ValueTask DisposeAsync()
    {
        await _gatewayProcess.StopOrKillAsync();
        await _gatewayProcess.DisposeAsync();
        if (_healthClient.IsConnected)
        {
            await _healthClient.DisconnectAsync();
        }
        _healthClient.Dispose();
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
