using EdgeAnomaly.Core.Readings;
using EdgeAnomaly.Core.Tags;

namespace EdgeAnomaly.Bench.Detection.CpuAb;

/// <summary>The shipped config's fleet shapes as <c>Fleet</c> has them, built without the gateway's config loader; readings from <see cref="FleetReadings"/>.</summary>
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
        var (readings, span) = FleetReadings.Generate(registry, types, count, seed, coarseEverySeventhTag: true);
        return (registry, readings, span);
    }
}
