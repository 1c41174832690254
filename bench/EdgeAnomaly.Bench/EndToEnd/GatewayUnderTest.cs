using System.Globalization;
using System.Text.Json.Nodes;
using EdgeAnomaly.TestSupport;

namespace EdgeAnomaly.Bench.EndToEnd;

/// <summary>What the gateway under test is configured with.</summary>
internal sealed record GatewaySetup(
    int LocalPort,
    int CentralPort,
    int Assets,
    int TagsPerAsset,
    double IntervalSeconds,
    bool Statistics = true,
    bool DataQuality = true,
    string HealthInterval = "00:00:01",
    string? ReadingsFlushInterval = null,
    string? CentralCaFile = null);

/// <summary>
/// The real `edgeanomaly run` process (the edgeanomaly.dll built next to this benchmark), with a generated config:
/// assets m01..mNN of type "machine", tags t00..tNN, and a rules file whose rule x-high trips on t00 &gt; 1000.
/// </summary>
internal sealed class GatewayUnderTest : IAsyncDisposable
{
    public const string GatewayId = "gw-bench";
    public const string TripRuleSource = "rule:x-high";

    private GatewayProcess? _gateway;

    private GatewayUnderTest(string directory, string configPath)
    {
        Directory = directory;
        ConfigPath = configPath;
    }

    public string Directory { get; }

    public string ConfigPath { get; }

    public string DatabasePath => Path.Combine(Directory, "data", "edgeanomaly.db");

    public int Pid => _gateway?.Pid ?? throw new InvalidOperationException("not started");

    public static string AssetName(int index) => $"m{index + 1:00}";

    public static string TagName(int index) => $"t{index:00}";

    public static GatewayUnderTest Create(GatewaySetup setup)
    {
        var dir = Path.Combine(Path.GetTempPath(), "ea-bench-" + Guid.NewGuid().ToString("N")[..8]);
        System.IO.Directory.CreateDirectory(dir);
        var rules = Path.Combine(dir, "rules.yaml");
        // Three rules over every asset: a threshold (the latency probe), a delta over a window and a cross-tag
        // expression, so the rules engine does representative work on t00..t03 without tripping on normal values.
        File.WriteAllText(rules, """
            version: 1
            rules:
              - id: x-high
                select: { asset: "*" }
                when: "t00 > 1000"
                cooldown: 0s
                severity: warning
                message: "{asset}: t00 is high ({t00})"
              - id: t01-jump
                select: { asset: "*" }
                when: "delta(t01, 10s) > 500"
                cooldown: 0s
              - id: t02-t03-gap
                select: { asset: "*" }
                when: "t02 - t03 > 400 and t02 > 0"
                sustain: 2s
            """);
        var assets = new JsonArray();
        for (var a = 0; a < setup.Assets; a++)
        {
            var tags = new JsonArray();
            for (var t = 0; t < setup.TagsPerAsset; t++)
            {
                tags.Add(new JsonObject { ["Name"] = TagName(t), ["Unit"] = "", ["IntervalSeconds"] = setup.IntervalSeconds });
            }
            assets.Add(new JsonObject { ["Name"] = AssetName(a), ["Type"] = "machine", ["Tags"] = tags });
        }
        var config = new JsonObject
        {
            ["Gateway"] = new JsonObject { ["Id"] = GatewayId, ["DataDir"] = Path.Combine(dir, "data") },
            ["LocalBroker"] = new JsonObject { ["Host"] = "127.0.0.1", ["Port"] = setup.LocalPort, ["ClientId"] = "gw-bench-ingest" },
            ["Central"] = new JsonObject
            {
                ["Host"] = "127.0.0.1",
                ["Port"] = setup.CentralPort,
                ["ReconnectInitial"] = "00:00:00.200",
                ["ReconnectMax"] = "00:00:01",
                ["HealthInterval"] = setup.HealthInterval,
            },
            ["Store"] = setup.ReadingsFlushInterval is { } flush
                ? new JsonObject { ["Path"] = Path.Combine(dir, "data", "edgeanomaly.db"), ["ReadingsFlushInterval"] = flush }
                : new JsonObject { ["Path"] = Path.Combine(dir, "data", "edgeanomaly.db") },
            ["Rules"] = new JsonObject { ["Path"] = rules },
            ["Statistics"] = new JsonObject { ["Enabled"] = setup.Statistics },
            ["DataQuality"] = new JsonObject { ["Enabled"] = setup.DataQuality },
            ["Assets"] = assets,
        };
        if (setup.CentralCaFile is { } caFile)
        {
            var central = (JsonObject)config["Central"]!;
            central["UseTls"] = true;
            central["CaFile"] = caFile;
        }
        var path = Path.Combine(dir, "edgeanomaly.json");
        File.WriteAllText(path, config.ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true }));
        return new GatewayUnderTest(dir, path);
    }

    public void Start()
    {
        // BENCH_GATEWAY=path/to/edgeanomaly runs a published binary (publish.sh: trimmed, self-contained, with the
        // runtimeconfig the user gets) instead of the framework-dependent edgeanomaly.dll built next to this benchmark.
        var published = Environment.GetEnvironmentVariable("BENCH_GATEWAY");
        var gateway = new GatewayProcess(ConfigPath, string.IsNullOrEmpty(published) ? null : published, outputLimit: 4_000_000);
        Command = gateway.Command;
        // BENCH_UNIT=path/to/edgeanomaly.service applies the unit's Environment= lines (runtime and allocator knobs),
        // as systemd would; the gateway's own EDGEANOMALY_ settings stay the benchmark's.
        var unit = Environment.GetEnvironmentVariable("BENCH_UNIT");
        if (!string.IsNullOrEmpty(unit))
        {
            foreach (var line in File.ReadLines(unit))
            {
                const string prefix = "Environment=";
                var eq = line.StartsWith(prefix, StringComparison.Ordinal) ? line.IndexOf('=', prefix.Length) : -1;
                if (eq > 0 && !line.AsSpan(prefix.Length).StartsWith("EDGEANOMALY_", StringComparison.Ordinal))
                {
                    var key = line[prefix.Length..eq];
                    gateway.Environment[key] = line[(eq + 1)..].Trim();
                    Command += " " + key + "=" + gateway.Environment[key];
                }
            }
        }
        gateway.Start();
        _gateway = gateway;
    }

    /// <summary>What was started: `dotnet edgeanomaly.dll` or the published binary's path.</summary>
    public string Command { get; private set; } = "";

    public bool HasExited => _gateway is { HasExited: true };

    public string Output => _gateway?.Output ?? "";

    /// <summary>Resident set size from /proc (the `dotnet edgeanomaly.dll` host runs the app in its own process).</summary>
    public long RssBytes() => ProcField("status", "VmRSS:") * 1024;

    /// <summary>
    /// The end-of-run breakdown from /proc/PID/status: anonymous (heaps, stacks, JIT'd code) vs file-backed
    /// (mapped assemblies and native libraries) resident memory, and the thread count.
    /// </summary>
    public string MemoryBreakdown()
    {
        var parts = new List<string>();
        foreach (var line in File.ReadLines($"/proc/{Pid}/status"))
        {
            if (line.StartsWith("RssAnon:", StringComparison.Ordinal) || line.StartsWith("RssFile:", StringComparison.Ordinal)
                || line.StartsWith("RssShmem:", StringComparison.Ordinal) || line.StartsWith("Threads:", StringComparison.Ordinal))
            {
                parts.Add(string.Join(' ', line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries)));
            }
        }
        return string.Join(", ", parts);
    }

    /// <summary>Bytes this process caused to be sent to the storage layer (/proc/PID/io write_bytes).</summary>
    public long WriteBytes() => ProcField("io", "write_bytes:");

    private long ProcField(string file, string key)
    {
        foreach (var line in File.ReadLines($"/proc/{Pid}/{file}"))
        {
            if (line.StartsWith(key, StringComparison.Ordinal))
            {
                var digits = line[key.Length..].Trim().Split(' ')[0];
                return long.Parse(digits, CultureInfo.InvariantCulture);
            }
        }
        throw new InvalidOperationException($"/proc/{Pid}/{file} has no {key}");
    }

    /// <summary>SIGTERM, as systemd stops it; SIGKILL if it has not exited within 30 s.</summary>
    public async Task StopAsync()
    {
        if (_gateway is { } gateway)
        {
            await gateway.StopOrKillAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        if (_gateway is { } gateway)
        {
            await gateway.DisposeAsync();
        }
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
