using EdgeAnomaly.Core.Readings;
using EdgeAnomaly.Core.Tags;

namespace EdgeAnomaly.Bench.Detection.CpuAb;

/// <summary>The same fleet shapes and signals as <c>Fleet</c>, built without the gateway's config loader.</summary>
internal static class CpuAbFleet
{
    private static readonly (string Asset, string Type, (string Name, double Interval)[] Tags)[] Shapes =
    [
        ("pump", "pump", [("current.a", 0.5), ("flow.m3h", 1), ("pressure.bar", 1), ("vibration.mms", 1), ("temperature.c", 5), ("ambient.c", 10)]),
        ("motor", "motor", [("current.a", 0.5), ("speed.rpm", 1), ("vibration.mms", 1), ("temperature.c", 5)]),
        ("compressor", "compressor", [("current.a", 0.5), ("pressure.bar", 1), ("temperature.c", 5), ("vibration.mms", 1)]),
    ];

    public static (TagRegistry Registry, Reading[] Readings, long SpanMs) Create(int copies, int count, int seed = 42)
    {
        var b = new TagRegistry.Builder();
        var types = new List<string>();
        for (var c = 1; c <= copies; c++)
        {
            foreach (var (asset, type, tags) in Shapes)
            {
                var name = $"{asset}-{c:00}";
                b.AddAsset(name, type);
                types.Add(type);
                foreach (var (tag, interval) in tags)
                {
                    b.AddTag(name, tag, "", interval);
                }
            }
        }
        var registry = b.Build();
        const long stepMs = 100;
        const long t0 = 1_767_225_600_000; // 2026-01-01T00:00:00Z
        var rng = new Random(seed);
        var all = registry.Tags.ToArray();
        var every = new long[all.Length];
        for (var i = 0; i < all.Length; i++)
        {
            every[i] = Math.Max(1, (long)Math.Round(all[i].ExpectedIntervalSeconds * 1000 / stepMs));
        }
        var readings = new Reading[count];
        var n = 0;
        long step = 0;
        while (n < count)
        {
            var ts = t0 + (step * stepMs);
            for (var i = 0; i < all.Length && n < count; i++)
            {
                if (step % every[i] == 0)
                {
                    readings[n++] = new Reading(all[i].Id, ts, Signal(all[i], types[all[i].AssetId], (ts - t0) / 1000.0, rng));
                }
            }
            step++;
        }
        return (registry, readings, (step * stepMs) + stepMs);
    }

    private static double Signal(TagInfo tag, string assetType, double seconds, Random rng)
    {
        var u1 = 1.0 - rng.NextDouble();
        var u2 = rng.NextDouble();
        var noise = Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2);
        var wave = Math.Sin(2 * Math.PI * seconds / 900.0);
        var phase = (seconds + (tag.AssetId * 97.0)) % 1200.0;
        var fault = phase is > 600 and < 660;
        var spike = rng.NextDouble() < 0.0005;
        var v = tag.Name switch
        {
            "current.a" => (fault ? 13.5 : 8 + (0.6 * wave)) + (0.15 * noise),
            "flow.m3h" => 20 + (1.0 * wave) + (0.4 * noise),
            "pressure.bar" => (fault ? 1.0 : 4 + (0.2 * wave)) + (0.05 * noise),
            "vibration.mms" => (fault ? 5.5 : 2 + (0.2 * wave)) + (0.1 * noise) + (spike ? 6 : 0),
            "temperature.c" => (assetType == "motor" ? 70 : 50) + (3 * wave) + (0.3 * noise) + (fault ? 30 : 0),
            "ambient.c" => 22 + (0.5 * wave) + (0.1 * noise),
            "speed.rpm" => (fault ? 40 : 1480) + (3 * noise),
            _ => 10 + noise,
        };
        // Every 7th tag quantised to 0.1 (ties and MAD = 0 paths), the rest to 3 decimals.
        return tag.Id % 7 == 3 ? Math.Round(v, 1) : Math.Round(v, 3);
    }
}
