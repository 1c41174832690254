using System.Text.Json.Nodes;

namespace EdgeAnomaly.Gateway.Tests.Integration;

/// <summary>Writes a gateway config + rules file for integration tests (assets a01..aNN with tags x and y).</summary>
internal static class GatewayFixtureConfig
{
    public static string[] AssetNames(int count) => [.. Enumerable.Range(1, count).Select(i => $"a{i:00}")];

    public static string Write(string dir, int localPort, int centralPort, string[] assets, long? maxDiskBytes = null)
    {
        var rules = Path.Combine(dir, "rules.yaml");
        File.WriteAllText(rules, """
            version: 1
            rules:
              - id: x-high
                select: { asset: "*" }
                when: "x > 0.5"
                severity: warning
                cooldown: 0s
                message: "{asset}: x is high ({x})"
            """);
        var assetArray = new JsonArray();
        foreach (var a in assets)
        {
            assetArray.Add(new JsonObject
            {
                ["Name"] = a,
                ["Type"] = "machine",
                ["Tags"] = new JsonArray(
                    new JsonObject { ["Name"] = "x", ["Unit"] = "", ["IntervalSeconds"] = 0 },
                    new JsonObject { ["Name"] = "y", ["Unit"] = "", ["IntervalSeconds"] = 0 }),
            });
        }
        var store = new JsonObject { ["Path"] = Path.Combine(dir, "data", "edgeanomaly.db"), ["ReadingsFlushInterval"] = "00:00:01" };
        if (maxDiskBytes is { } cap)
        {
            store["MaxDiskBytes"] = cap;
        }
        var config = new JsonObject
        {
            ["Gateway"] = new JsonObject { ["Id"] = "gw-test", ["DataDir"] = Path.Combine(dir, "data") },
            ["LocalBroker"] = new JsonObject { ["Host"] = "127.0.0.1", ["Port"] = localPort, ["ClientId"] = "gw-test-ingest" },
            ["Central"] = new JsonObject { ["Host"] = "127.0.0.1", ["Port"] = centralPort, ["ReconnectMax"] = "00:00:01", ["HealthInterval"] = "00:00:02" },
            ["Store"] = store,
            ["Rules"] = new JsonObject { ["Path"] = rules },
            ["Statistics"] = new JsonObject { ["Enabled"] = false },
            ["DataQuality"] = new JsonObject { ["Enabled"] = false },
            ["Assets"] = assetArray,
        };
        var path = Path.Combine(dir, "edgeanomaly.json");
        File.WriteAllText(path, config.ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true }));
        return path;
    }
}
