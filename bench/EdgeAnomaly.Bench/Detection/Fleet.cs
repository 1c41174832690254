using EdgeAnomaly.Core.Readings;
using EdgeAnomaly.Bench.Detection.CpuAb;
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
        var (readings, span) = FleetReadings.Generate(registry, config.Assets.Select(a => a.Type).ToList(), readingCount, seed, coarseEverySeventhTag: false);
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
}
