using System.Globalization;
using System.Text.Json;
using EdgeAnomaly.FirmwareSim.Fleet;
using EdgeAnomaly.FirmwareSim.Signals;

namespace EdgeAnomaly.FirmwareSim.Faults;

/// <summary>The faults of a run, sorted by start. Explicit, parsed from a file, or drawn at random from a seed.</summary>
public sealed class FaultSchedule
{
    public FaultSchedule(IEnumerable<FaultSpec> faults)
    {
        var list = new List<FaultSpec>(faults);
        foreach (var f in list)
        {
            if (f.Start < TimeSpan.Zero || f.Duration < TimeSpan.Zero)
            {
                throw new ArgumentException($"fault {f.Kind.ToWire()} on {f.Asset}/{f.Tag}: start and duration must be >= 0", nameof(faults));
            }
            if (f.Tag == FaultSpec.WholeNode && f.Kind != FaultKind.Dropout)
            {
                throw new ArgumentException($"fault {f.Kind.ToWire()} on {f.Asset}: tag '*' (whole node) is only valid for dropout", nameof(faults));
            }
            if (f.Kind == FaultKind.Decouple && !(f.Magnitude > 0 && f.Magnitude <= 1))
            {
                throw new ArgumentException($"fault decouple on {f.Asset}/{f.Tag}: magnitude is the fraction of load lost, in (0, 1]", nameof(faults));
            }
            if (f.Kind != FaultKind.Spike && f.Duration <= TimeSpan.Zero)
            {
                throw new ArgumentException($"fault {f.Kind.ToWire()} on {f.Asset}/{f.Tag}: needs a duration", nameof(faults));
            }
        }
        // Stable sort: equal starts keep the order they were given in.
        Faults = [.. list.Select((f, i) => (f, i)).OrderBy(p => p.f.Start).ThenBy(p => p.i).Select(p => p.f)];
    }

    public static FaultSchedule None { get; } = new([]);

    public IReadOnlyList<FaultSpec> Faults { get; }

    /// <summary>Throws if a fault names an asset or tag the fleet does not have.</summary>
    public void Validate(FleetSpec fleet)
    {
        foreach (var f in Faults)
        {
            var asset = fleet.Assets.FirstOrDefault(a => a.Name == f.Asset)
                ?? throw new ArgumentException($"fault on unknown asset '{f.Asset}'");
            if (f.Tag != FaultSpec.WholeNode && asset.Tags.All(t => t.Name != f.Tag))
            {
                throw new ArgumentException($"fault on unknown tag '{f.Asset}/{f.Tag}'");
            }
        }
    }

    /// <summary>
    /// Faults as a Poisson process of <paramref name="ratePerHour"/> over the fleet during <paramref name="duration"/>:
    /// asset, tag, kind, length and magnitude drawn from <paramref name="seed"/>. Faults never overlap on a tag,
    /// and a whole-node dropout overlaps no fault of that node, so every label has one unambiguous cause.
    /// </summary>
    public static FaultSchedule Random(FleetSpec fleet, long seed, double ratePerHour, TimeSpan duration)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(ratePerHour);
        if (ratePerHour == 0 || duration <= TimeSpan.Zero)
        {
            return None;
        }
        var random = SimRandom.For(seed, 0x0FA17);
        var meanGapSeconds = 3600.0 / ratePerHour;
        var busy = new Dictionary<string, List<(TimeSpan Start, TimeSpan End)>>(StringComparer.Ordinal);
        var faults = new List<FaultSpec>();
        var t = TimeSpan.FromSeconds(random.NextExponential(meanGapSeconds));
        while (t < duration)
        {
            var asset = fleet.Assets[random.NextInt(fleet.Assets.Count)];
            var kind = (FaultKind)random.NextInt(5);
            var wholeNode = kind == FaultKind.Dropout && random.NextDouble() < 0.25;
            var tag = wholeNode ? FaultSpec.WholeNode : asset.Tags[random.NextInt(asset.Tags.Count)].Name;
            var sign = random.NextDouble() < 0.5 ? -1.0 : 1.0;
            var (length, magnitude) = kind switch
            {
                FaultKind.Spike => (TimeSpan.Zero, sign * Math.Round(random.Uniform(6, 10), 2)),
                FaultKind.Drift => (TimeSpan.FromSeconds(Math.Round(random.Uniform(600, 1800))), sign * Math.Round(random.Uniform(8, 15), 2)),
                FaultKind.Stuck => (TimeSpan.FromSeconds(Math.Round(random.Uniform(120, 600))), 0.0),
                FaultKind.Dropout => (TimeSpan.FromSeconds(Math.Round(random.Uniform(60, 300))), 0.0),
                _ => (TimeSpan.FromSeconds(Math.Round(random.Uniform(300, 1200))), sign * Math.Round(random.Uniform(5, 10), 2)),
            };
            var start = TimeSpan.FromSeconds(Math.Round(t.TotalSeconds));
            // A spike occupies its tag for one sample; reserve a second so two spikes do not land on one sample.
            var end = start + (length > TimeSpan.Zero ? length : TimeSpan.FromSeconds(1));
            if (TryReserve(busy, fleet, asset, tag, start, end))
            {
                faults.Add(new FaultSpec(asset.Name, tag, kind, start, length, magnitude));
            }
            t += TimeSpan.FromSeconds(random.NextExponential(meanGapSeconds));
        }
        return new FaultSchedule(faults);
    }

    private static bool TryReserve(Dictionary<string, List<(TimeSpan Start, TimeSpan End)>> busy, FleetSpec fleet, SimAsset asset, string tag, TimeSpan start, TimeSpan end)
    {
        // Keys: "node:<id>" for node-wide windows, "<asset>/<tag>" for tag windows; a node dropout checks every tag of its node.
        var nodeKey = "node:" + asset.NodeId;
        var keys = new List<string>();
        if (tag == FaultSpec.WholeNode)
        {
            keys.Add(nodeKey);
            foreach (var a in fleet.Assets.Where(a => a.NodeId == asset.NodeId))
            {
                keys.AddRange(a.Tags.Select(x => a.Name + "/" + x.Name));
            }
        }
        else
        {
            keys.Add(nodeKey);
            keys.Add(asset.Name + "/" + tag);
        }
        foreach (var key in keys)
        {
            if (busy.TryGetValue(key, out var windows) && windows.Any(w => w.Start < end && start < w.End))
            {
                return false;
            }
        }
        // The node key records only node-wide windows; tag faults just check it.
        var reserve = tag == FaultSpec.WholeNode ? keys : [asset.Name + "/" + tag];
        foreach (var key in reserve)
        {
            if (!busy.TryGetValue(key, out var windows))
            {
                busy[key] = windows = [];
            }
            windows.Add((start, end));
        }
        return true;
    }

    /// <summary>
    /// Parses a fault file: a JSON array (or {"faults":[...]}) of
    /// {"asset":"pump-01","tag":"current.a","fault":"spike","start_s":600,"duration_s":0,"magnitude":8}.
    /// </summary>
    public static FaultSchedule Parse(string json)
    {
        using var doc = JsonDocument.Parse(json, new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        var root = doc.RootElement;
        if (root.ValueKind == JsonValueKind.Object && root.TryGetProperty("faults", out var inner))
        {
            root = inner;
        }
        if (root.ValueKind != JsonValueKind.Array)
        {
            throw new FormatException("fault file: expected a JSON array of faults or {\"faults\":[...]}");
        }
        var faults = new List<FaultSpec>();
        var index = 0;
        foreach (var item in root.EnumerateArray())
        {
            var where = "fault file entry " + index.ToString(CultureInfo.InvariantCulture);
            var asset = RequiredString(item, "asset", where);
            var tag = item.TryGetProperty("tag", out var tagElement) && tagElement.ValueKind == JsonValueKind.String
                ? tagElement.GetString()!
                : FaultSpec.WholeNode;
            var kindText = RequiredString(item, "fault", where);
            if (!FaultKinds.TryParse(kindText, out var kind))
            {
                throw new FormatException($"{where}: unknown fault '{kindText}' (spike | drift | stuck | dropout | step | decouple)");
            }
            var start = OptionalNumber(item, "start_s", where);
            var duration = OptionalNumber(item, "duration_s", where);
            var magnitude = OptionalNumber(item, "magnitude", where);
            faults.Add(new FaultSpec(asset, tag, kind, TimeSpan.FromSeconds(start), TimeSpan.FromSeconds(duration), magnitude));
            index++;
        }
        return new FaultSchedule(faults);
    }

    private static string RequiredString(JsonElement item, string name, string where) =>
        item.TryGetProperty(name, out var e) && e.ValueKind == JsonValueKind.String
            ? e.GetString()!
            : throw new FormatException($"{where}: \"{name}\" (string) is required");

    private static double OptionalNumber(JsonElement item, string name, string where)
    {
        if (!item.TryGetProperty(name, out var e))
        {
            return 0;
        }
        return e.ValueKind == JsonValueKind.Number ? e.GetDouble() : throw new FormatException($"{where}: \"{name}\" must be a number");
    }
}
