using System.Globalization;

namespace EdgeAnomaly.FirmwareSim.Fleet;

/// <summary>A tag as the gateway must configure it: name, unit and nominal sample interval.</summary>
public sealed record SimTag(string Name, string Unit, double IntervalSeconds);

/// <summary>An asset as the gateway must configure it. <see cref="NodeId"/> says which ESP32 publishes it.</summary>
public sealed record SimAsset(string Name, string Type, IReadOnlyList<SimTag> Tags)
{
    public string NodeId { get; init; } = "";
}

/// <summary>How a tag's clean value is derived from the asset's load and the time of day.</summary>
public enum SignalKind
{
    /// <summary>Base + gain * load + daily term: current, flow, pressure, vibration.</summary>
    Load,

    /// <summary>Like <see cref="Load"/> but 0 while the asset is stopped (load below 5 %): shaft speed.</summary>
    Running,

    /// <summary>A first-order lag towards base + gain * load + daily term: winding or discharge temperature.</summary>
    Thermal,

    /// <summary>Base + daily term only: ambient temperature.</summary>
    Ambient,
}

/// <summary>Duty cycle of an asset: alternating phases whose level and length are drawn from these ranges.</summary>
/// <param name="OnLevelMin">Load while running, lower bound (0..1).</param>
/// <param name="OnLevelMax">Load while running, upper bound.</param>
/// <param name="OffLevel">Load while idle (0 for a stopped pump, about 0.3 for an unloaded compressor).</param>
/// <param name="OnSecondsMin">Running phase length, lower bound.</param>
/// <param name="OnSecondsMax">Running phase length, upper bound.</param>
/// <param name="OffSecondsMin">Idle phase length, lower bound.</param>
/// <param name="OffSecondsMax">Idle phase length, upper bound.</param>
/// <param name="RampSeconds">Linear ramp between levels at each phase change.</param>
public sealed record LoadProfile(
    double OnLevelMin,
    double OnLevelMax,
    double OffLevel,
    double OnSecondsMin,
    double OnSecondsMax,
    double OffSecondsMin,
    double OffSecondsMax,
    double RampSeconds);

/// <summary>Signal model of one tag. Magnitudes of injected faults are expressed in <see cref="NoiseSigma"/>.</summary>
public sealed record TagSpec(
    string Name,
    string Unit,
    int IntervalMs,
    SignalKind Kind,
    double Base,
    double LoadGain,
    double NoiseSigma,
    double DailyAmplitude = 0,
    double ThermalTauSeconds = 0,
    int Decimals = 3);

public sealed record AssetSpec(string Name, string Type, LoadProfile Load, IReadOnlyList<TagSpec> Tags);

public sealed record NodeSpec(string NodeId, IReadOnlyList<AssetSpec> Assets);

/// <summary>
/// The simulated fleet: ESP32 nodes, each owning assets with tags and signal models.
/// Validated at construction so the generator can index without checks.
/// </summary>
public sealed class FleetSpec
{
    /// <summary>Resolution of the simulated clock; every tag interval is a multiple of it.</summary>
    public const int TickMs = 100;

    public FleetSpec(IReadOnlyList<NodeSpec> nodes)
    {
        ArgumentNullException.ThrowIfNull(nodes);
        if (nodes.Count == 0)
        {
            throw new ArgumentException("a fleet needs at least one node", nameof(nodes));
        }
        var nodeIds = new HashSet<string>(StringComparer.Ordinal);
        var assetNames = new HashSet<string>(StringComparer.Ordinal);
        var assets = new List<SimAsset>();
        foreach (var node in nodes)
        {
            if (!IsValidNodeId(node.NodeId))
            {
                throw new ArgumentException($"node id '{node.NodeId}' must match [A-Za-z0-9_-]{{1,64}}", nameof(nodes));
            }
            if (!nodeIds.Add(node.NodeId))
            {
                throw new ArgumentException($"duplicate node id '{node.NodeId}'", nameof(nodes));
            }
            if (node.Assets.Count == 0)
            {
                throw new ArgumentException($"node '{node.NodeId}' has no assets", nameof(nodes));
            }
            foreach (var asset in node.Assets)
            {
                if (!assetNames.Add(asset.Name))
                {
                    throw new ArgumentException($"duplicate asset '{asset.Name}'", nameof(nodes));
                }
                var tagNames = new HashSet<string>(StringComparer.Ordinal);
                var tags = new List<SimTag>(asset.Tags.Count);
                foreach (var tag in asset.Tags)
                {
                    if (!tagNames.Add(tag.Name))
                    {
                        throw new ArgumentException($"duplicate tag '{asset.Name}/{tag.Name}'", nameof(nodes));
                    }
                    if (tag.IntervalMs <= 0 || tag.IntervalMs % TickMs != 0)
                    {
                        throw new ArgumentException($"tag '{asset.Name}/{tag.Name}': interval {tag.IntervalMs} ms is not a positive multiple of {TickMs} ms", nameof(nodes));
                    }
                    if (tag.NoiseSigma <= 0)
                    {
                        throw new ArgumentException($"tag '{asset.Name}/{tag.Name}': noise sigma must be > 0 (fault magnitudes are in sigmas)", nameof(nodes));
                    }
                    tags.Add(new SimTag(tag.Name, tag.Unit, tag.IntervalMs / 1000.0));
                }
                assets.Add(new SimAsset(asset.Name, asset.Type, tags) { NodeId = node.NodeId });
            }
        }
        Nodes = nodes;
        Assets = assets;
    }

    public IReadOnlyList<NodeSpec> Nodes { get; }

    /// <summary>Every asset with its tags, in node order: what the gateway needs to configure itself.</summary>
    public IReadOnlyList<SimAsset> Assets { get; }

    /// <summary>Nominal readings per simulated second over the whole fleet (used to turn a target rate into a speed).</summary>
    public double ReadingsPerSecond
    {
        get
        {
            double sum = 0;
            foreach (var node in Nodes)
            {
                foreach (var asset in node.Assets)
                {
                    foreach (var tag in asset.Tags)
                    {
                        sum += 1000.0 / tag.IntervalMs;
                    }
                }
            }
            return sum;
        }
    }

    public static bool IsValidNodeId(string? nodeId)
    {
        if (string.IsNullOrEmpty(nodeId) || nodeId.Length > 64)
        {
            return false;
        }
        foreach (var c in nodeId)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c == '_' || c == '-'))
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>
    /// <paramref name="nodes"/> ESP32 nodes named esp32-01.., each with <paramref name="assetsPerNode"/> assets
    /// cycling pump, motor, compressor (pump-01, motor-01, compressor-01, pump-02, ...).
    /// </summary>
    public static FleetSpec Default(int nodes = 4, int assetsPerNode = 1)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(nodes, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(assetsPerNode, 1);
        var list = new List<NodeSpec>(nodes);
        var perType = new Dictionary<string, int>(StringComparer.Ordinal);
        var index = 0;
        for (var n = 0; n < nodes; n++)
        {
            var assets = new List<AssetSpec>(assetsPerNode);
            for (var a = 0; a < assetsPerNode; a++, index++)
            {
                var type = (index % 3) switch { 0 => "pump", 1 => "motor", _ => "compressor" };
                perType[type] = perType.GetValueOrDefault(type) + 1;
                var name = type + "-" + perType[type].ToString("00", CultureInfo.InvariantCulture);
                assets.Add(AssetTemplates.Create(name, type));
            }
            list.Add(new NodeSpec("esp32-" + (n + 1).ToString("00", CultureInfo.InvariantCulture), assets));
        }
        return new FleetSpec(list);
    }
}

/// <summary>Plausible signal models per asset type (values are typical for a 7.5 kW pump / motor / screw compressor).</summary>
public static class AssetTemplates
{
    public static AssetSpec Create(string name, string type) => type switch
    {
        "pump" => new AssetSpec(name, type,
            new LoadProfile(0.75, 0.95, 0.0, 480, 1500, 240, 720, 15),
            [
                new TagSpec("current.a", "A", 500, SignalKind.Load, 0.4, 15.0, 0.25),
                new TagSpec("flow.m3h", "m3/h", 1000, SignalKind.Load, 0.0, 42.0, 0.6),
                new TagSpec("pressure.bar", "bar", 1000, SignalKind.Load, 0.8, 3.2, 0.05),
                new TagSpec("vibration.mms", "mm/s", 1000, SignalKind.Load, 0.3, 2.4, 0.12),
                new TagSpec("temperature.c", "degC", 5000, SignalKind.Thermal, 22.0, 26.0, 0.1, DailyAmplitude: 4.0, ThermalTauSeconds: 900, Decimals: 2),
                new TagSpec("ambient.c", "degC", 10000, SignalKind.Ambient, 20.0, 0.0, 0.05, DailyAmplitude: 6.0, Decimals: 2),
            ]),
        "motor" => new AssetSpec(name, type,
            new LoadProfile(0.3, 1.0, 0.0, 180, 900, 60, 300, 30),
            [
                new TagSpec("current.a", "A", 500, SignalKind.Load, 0.6, 22.0, 0.3),
                new TagSpec("speed.rpm", "rpm", 1000, SignalKind.Running, 1497.0, -30.0, 1.5, Decimals: 1),
                new TagSpec("vibration.mms", "mm/s", 1000, SignalKind.Load, 0.2, 3.0, 0.15),
                new TagSpec("temperature.c", "degC", 5000, SignalKind.Thermal, 24.0, 45.0, 0.15, DailyAmplitude: 3.0, ThermalTauSeconds: 1200, Decimals: 2),
            ]),
        "compressor" => new AssetSpec(name, type,
            new LoadProfile(1.0, 1.0, 0.3, 60, 240, 60, 180, 5),
            [
                new TagSpec("current.a", "A", 500, SignalKind.Load, 2.0, 28.0, 0.35),
                new TagSpec("pressure.bar", "bar", 1000, SignalKind.Load, 6.2, 1.4, 0.04),
                new TagSpec("temperature.c", "degC", 5000, SignalKind.Thermal, 35.0, 50.0, 0.2, DailyAmplitude: 3.0, ThermalTauSeconds: 300, Decimals: 2),
                new TagSpec("vibration.mms", "mm/s", 1000, SignalKind.Load, 0.8, 2.0, 0.15),
            ]),
        _ => throw new ArgumentException($"unknown asset type '{type}' (pump | motor | compressor)", nameof(type)),
    };
}
