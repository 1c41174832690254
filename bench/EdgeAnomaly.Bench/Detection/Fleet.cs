using EdgeAnomaly.Core.Readings;
using EdgeAnomaly.Core.Tags;
using EdgeAnomaly.Detectors;
using EdgeAnomaly.Runtime.Configuration;
using EdgeAnomaly.Rules;
using Microsoft.Extensions.Configuration;

namespace EdgeAnomaly.Bench.Detection;

/// <summary>
/// The detector workload: the shipped config's asset shapes (pump, motor, compressor) repeated until about 100 tags,
/// the shipped rules file, and a time-ordered stream of noisy readings at each tag's configured interval, with rare
/// excursions so rules, statistics and data-quality checks all see some anomalies.
/// </summary>
internal sealed class Fleet
{
    private Fleet(GatewayConfig config, TagRegistry registry, RuleSet rules, Reading[] readings, long spanMs)
    {
        Config = config;
        Registry = registry;
        Rules = rules;
        Readings = readings;
        SpanMs = spanMs;
    }

    public GatewayConfig Config { get; }

    public TagRegistry Registry { get; }

    public RuleSet Rules { get; }

    public Reading[] Readings { get; }

    /// <summary>Time covered by <see cref="Readings"/>; repeated passes shift timestamps by this much so time only moves forward.</summary>
    public long SpanMs { get; }

    /// <summary>Loads configs/edgeanomaly.json and configs/rules.yaml (embedded) and repeats the assets <paramref name="copies"/> times.</summary>
    public static Fleet Create(int copies, int readingCount, int seed = 42)
    {
        var config = LoadShippedConfig();
        var shapes = config.Assets.ToList();
        config.Assets.Clear();
        for (var c = 1; c <= copies; c++)
        {
            foreach (var shape in shapes)
            {
                // pump-01 -> pump-01..pump-NN: keeps the "motor-*" selector and asset types of the shipped rules meaningful.
                var baseName = shape.Name[..shape.Name.LastIndexOf('-')];
                config.Assets.Add(new AssetConfig
                {
                    Name = $"{baseName}-{c:00}",
                    Type = shape.Type,
                    Tags = shape.Tags,
                });
            }
        }
        var registry = ConfigLoader.BuildRegistry(config);
        var rules = RuleFile.Parse(ReadResource("rules.yaml"), "rules.yaml");
        var (readings, span) = Generate(registry, config, readingCount, seed);
        return new Fleet(config, registry, rules, readings, span);
    }

    /// <summary>Per-tag overrides the way the gateway host derives them from the config (sensitivity, statistics off).</summary>
    public TagDetectorOverrides? Overrides(TagInfo tag)
    {
        var asset = Config.Assets[tag.AssetId];
        foreach (var t in asset.Tags)
        {
            if (t.Name == tag.Name)
            {
                return new TagDetectorOverrides { Sensitivity = t.Sensitivity, StatisticsEnabled = t.Statistics ? null : false };
            }
        }
        return null;
    }

    public static string ReadResource(string name)
    {
        using var stream = typeof(Fleet).Assembly.GetManifestResourceStream(name)
            ?? throw new InvalidOperationException($"embedded resource {name} is missing");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    private static GatewayConfig LoadShippedConfig()
    {
        using var stream = new MemoryStream(System.Text.Encoding.UTF8.GetBytes(ReadResource("edgeanomaly.json")));
        var root = new ConfigurationBuilder().AddJsonStream(stream).Build();
        return ConfigLoader.Bind(root, Path.GetTempPath());
    }

    private static (Reading[] Readings, long SpanMs) Generate(TagRegistry registry, GatewayConfig config, int count, int seed)
    {
        const long stepMs = 100;
        var rng = new Random(seed);
        var tags = registry.Tags.ToArray();
        var everySteps = new long[tags.Length];
        for (var i = 0; i < tags.Length; i++)
        {
            everySteps[i] = Math.Max(1, (long)Math.Round(tags[i].ExpectedIntervalSeconds * 1000 / stepMs));
        }
        var readings = new Reading[count];
        var n = 0;
        const long t0 = 1_767_225_600_000; // 2026-01-01T00:00:00Z
        long step = 0;
        while (n < count)
        {
            var ts = t0 + (step * stepMs);
            for (var i = 0; i < tags.Length && n < count; i++)
            {
                if (step % everySteps[i] != 0)
                {
                    continue;
                }
                var tag = tags[i];
                readings[n++] = new Reading(tag.Id, ts, Signal(tag, config.Assets[tag.AssetId].Type, (ts - t0) / 1000.0, rng));
            }
            step++;
        }
        return (readings, (step * stepMs) + stepMs);
    }

    /// <summary>Plausible values per tag name: a slow daily-ish wave, gaussian noise, and rare faults.</summary>
    private static double Signal(TagInfo tag, string assetType, double seconds, Random rng)
    {
        var noise = Gaussian(rng);
        var wave = Math.Sin(2 * Math.PI * seconds / 900.0);
        // A fault window every ~20 min per asset, phase-shifted by asset id: lasts 60 s.
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
        return Math.Round(v, 3);
    }

    private static double Gaussian(Random rng)
    {
        var u1 = 1.0 - rng.NextDouble();
        var u2 = rng.NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2);
    }
}
