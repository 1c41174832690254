using EdgeAnomaly.Scoring.Pipeline;

namespace EdgeAnomaly.Scoring.Tests.Pipeline;

/// <summary>A small plant for tests: a driver and tags that follow it, sampled at 1 Hz, with an optional decoupling fault.</summary>
internal static class Synthetic
{
    public static readonly string[] Tags = ["speed", "current", "pressure", "vibration"];
    public const long Start = 1_700_000_000_000L;

    /// <summary>Row i at Start + i s; between faultStart and faultEnd 'current' stops following the driver (every value stays in its normal range).</summary>
    public static double[] Row(int i, Random random, int faultStart = int.MaxValue, int faultEnd = int.MaxValue)
    {
        var speed = Math.Sin(2 * Math.PI * i / 600.0) + (0.05 * Gaussian(random));
        var current = (2 * speed) + (0.05 * Gaussian(random));
        if (i >= faultStart && i < faultEnd)
        {
            current = (-1.5 * speed) + (0.05 * Gaussian(random));
        }
        var pressure = (-speed) + 3 + (0.05 * Gaussian(random));
        var vibration = 0.2 + (0.02 * Gaussian(random));
        return [speed, current, pressure, vibration];
    }

    public static TrainingHistory History(int seconds, int seed = 1)
    {
        var random = new Random(seed);
        var history = new TrainingHistory(Tags);
        for (var i = 0; i < seconds; i++)
        {
            history.AddRow(Start + (i * 1000L), Row(i, random));
        }
        return history;
    }

    public static ScoringOptions Options()
    {
        var o = new ScoringOptions();
        o.Features.WindowSeconds = 30;
        o.Features.StepSeconds = 5;
        o.Forest.Trees = 50;
        o.MinEventSeconds = 15;
        o.MergeGapSeconds = 30;
        return o;
    }

    public static double Gaussian(Random random)
    {
        var u1 = 1.0 - random.NextDouble();
        var u2 = random.NextDouble();
        return Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
    }
}
