using System.Text.Json;
using EdgeAnomaly.FirmwareSim.Generation;

namespace EdgeAnomaly.FirmwareSim.Tests;

/// <summary>A reading as a gateway would read it from a contract v1 payload.</summary>
public sealed record ParsedReading(string Node, uint? Seq, string Asset, string Tag, long Ts, double Value);

/// <summary>
/// Reads payloads the way the contract defines them (batch defaults for asset and ts, reading overrides),
/// with JsonDocument, independently of the simulator's writer.
/// </summary>
public static class ContractReader
{
    public static List<ParsedReading> Parse(string node, byte[] payload)
    {
        using var doc = JsonDocument.Parse(payload);
        var root = doc.RootElement;
        Assert.Equal(1, root.GetProperty("v").GetInt32());
        uint? seq = root.TryGetProperty("seq", out var s) ? s.GetUInt32() : null;
        var list = new List<ParsedReading>();
        if (root.TryGetProperty("readings", out var readings))
        {
            var batchAsset = root.GetProperty("asset").GetString()!;
            long? batchTs = root.TryGetProperty("ts", out var bts) ? bts.GetInt64() : null;
            foreach (var r in readings.EnumerateArray())
            {
                var asset = r.TryGetProperty("asset", out var a) ? a.GetString()! : batchAsset;
                var ts = r.TryGetProperty("ts", out var t) ? t.GetInt64() : batchTs ?? throw new InvalidDataException("no ts");
                list.Add(new ParsedReading(node, seq, asset, r.GetProperty("tag").GetString()!, ts, r.GetProperty("value").GetDouble()));
            }
        }
        else
        {
            list.Add(new ParsedReading(node, seq, root.GetProperty("asset").GetString()!, root.GetProperty("tag").GetString()!,
                root.GetProperty("ts").GetInt64(), root.GetProperty("value").GetDouble()));
        }
        return list;
    }

    /// <summary>All good readings of a recording (bad-input messages skipped).</summary>
    public static List<ParsedReading> Readings(SimulationRecording recording) =>
        [.. recording.Messages.Where(m => m.BadInput is null).SelectMany(m => Parse(m.NodeId, m.Payload))];

    public static Dictionary<(string Asset, string Tag, long Ts), double> ByKey(IEnumerable<ParsedReading> readings) =>
        readings.ToDictionary(r => (r.Asset, r.Tag, r.Ts), r => r.Value);
}
