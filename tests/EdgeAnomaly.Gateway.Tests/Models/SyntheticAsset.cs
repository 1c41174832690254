using EdgeAnomaly.Runtime.Models;
using EdgeAnomaly.Scoring.Features;
using EdgeAnomaly.Scoring.Pipeline;

namespace EdgeAnomaly.Gateway.Tests.Models;

/// <summary>
/// A two-tag machine for model tests, shaped like the integration fixture's assets (tags x and y): both follow one
/// load, x = 0.1 + 0.3 load (always below the fixture rule's 0.5) and y = 2 + 6 load. The decouple fault makes y
/// respond to (1 - magnitude) of the load: every value stays in its normal range, only the relation breaks.
/// </summary>
internal static class SyntheticAsset
{
    public static readonly string[] Tags = ["x", "y"];

    /// <summary>A 2-minute cycle with a faster ripple, 0.1..0.9 (many cycles per warm-up, so drift monitors stay quiet).</summary>
    public static double Load(long tMs)
    {
        var t = tMs / 1000.0;
        return 0.5 + (0.3 * Math.Sin(2 * Math.PI * t / 120)) + (0.1 * Math.Sin(2 * Math.PI * t / 37));
    }

    /// <summary>Rows every second; readings in <c>[faultStartMs, faultEndMs)</c> carry the decouple fault.</summary>
    public static List<(long Ts, double X, double Y)> Rows(long startMs, int seconds, int seed, long faultStartMs = long.MaxValue,
        long faultEndMs = long.MaxValue, double magnitude = 0.5, Func<long, double>? load = null)
    {
        load ??= Load;
        var random = new Random(seed);
        var rows = new List<(long, double, double)>(seconds);
        for (var i = 0; i < seconds; i++)
        {
            var ts = startMs + (i * 1000L);
            var l = load(ts);
            var yLoad = ts >= faultStartMs && ts < faultEndMs ? l * (1 - magnitude) : l;
            var x = 0.1 + (0.3 * l) + (0.01 * Gaussian(random));
            var y = 2 + (6 * yLoad) + (0.1 * Gaussian(random));
            rows.Add((ts, Math.Round(x, 4), Math.Round(y, 3)));
        }
        return rows;
    }

    /// <summary>
    /// Options small enough to train in a second or two: 20 s windows every 5 s, level and spread features; a threshold
    /// margin because half an hour of training data is calmer than a long run.
    /// </summary>
    public static ModelScoringSection FastScoring() => new()
    {
        WindowSeconds = 20,
        StepSeconds = 5,
        Families = FeatureFamilies.Mean | FeatureFamilies.Std,
        Trees = 50,
        ThresholdMargin = 1.5,
        MinEventSeconds = 10,
        MergeGapSeconds = 30,
    };

    public static ScoringOptions FastScoringOptions()
    {
        var options = new ScoringOptions();
        FastScoring().ApplyTo(options);
        return options;
    }

    public static AssetModel Train(string asset, long startMs, int seconds, int seed)
    {
        var history = new TrainingHistory(Tags);
        foreach (var (ts, x, y) in Rows(startMs, seconds, seed))
        {
            history.AddRow(ts, [x, y]);
        }
        return AssetModelTrainer.Train(asset, history, FastScoringOptions());
    }

    private static double Gaussian(Random random)
    {
        var u1 = 1.0 - random.NextDouble();
        var u2 = random.NextDouble();
        return Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
    }
}
