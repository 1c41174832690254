using EdgeAnomaly.Core.Events;
using EdgeAnomaly.Core.Readings;
using EdgeAnomaly.Core.Tags;

namespace EdgeAnomaly.Detectors.Tests;

/// <summary>Records every report, in order.</summary>
internal sealed class RecordingSink : IConditionSink
{
    public List<(ConditionSource Source, bool Active, ConditionSample Sample)> Reports { get; } = [];

    public void Report(ConditionSource source, bool active, in ConditionSample sample) => Reports.Add((source, active, sample));

    public List<(ConditionSource Source, bool Active, ConditionSample Sample)> For(string keyPrefix) =>
        Reports.FindAll(r => r.Source.Key.StartsWith(keyPrefix, StringComparison.Ordinal));

    public int ActiveCount(string keyPrefix) => Reports.FindAll(r => r.Active && r.Source.Key.StartsWith(keyPrefix, StringComparison.Ordinal)).Count;
}

/// <summary>Counts without allocating, for the allocation test.</summary>
internal sealed class CountingSink : IConditionSink
{
    public int Active;
    public int Inactive;

    public void Report(ConditionSource source, bool active, in ConditionSample sample)
    {
        if (active)
        {
            Active++;
        }
        else
        {
            Inactive++;
        }
    }
}

/// <summary>Seeded Gaussian noise (Box–Muller), so every signal in the tests is reproducible.</summary>
internal sealed class Noise(int seed)
{
    private readonly Random _random = new(seed);

    public double Next()
    {
        var u1 = 1.0 - _random.NextDouble();
        var u2 = _random.NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2);
    }
}

internal static class Kit
{
    public const long T0 = 1_767_225_600_000; // 2026-01-01T00:00:00Z, an hour boundary

    public static TagRegistry Registry(double intervalSeconds = 1, int tags = 1)
    {
        var b = new TagRegistry.Builder().AddAsset("pump1", "pump");
        b.AddTag("pump1", "temp", "C", intervalSeconds);
        for (var i = 1; i < tags; i++)
        {
            b.AddTag("pump1", "t" + i, "", intervalSeconds);
        }
        return b.Build();
    }

    /// <summary>Statistics with exactly one detector enabled and data quality off.</summary>
    public static StatisticsOptions Only(DetectorKind kind)
    {
        var o = new StatisticsOptions();
        o.ZScore.Enabled = kind == DetectorKind.ZScore;
        o.RobustZ.Enabled = kind == DetectorKind.RobustZ;
        o.Iqr.Enabled = kind == DetectorKind.Iqr;
        o.Ewma.Enabled = kind == DetectorKind.Ewma;
        o.TimeOfDay.Enabled = kind == DetectorKind.TimeOfDay;
        return o;
    }

    /// <summary>The shipped statistics plus robust z and IQR (off by default): z, robust z, IQR and EWMA.</summary>
    public static StatisticsOptions AllFour()
    {
        var o = new StatisticsOptions();
        o.RobustZ.Enabled = true;
        o.Iqr.Enabled = true;
        return o;
    }

    public static DataQualityOptions NoDq() => new() { Enabled = false };

    public static StatisticsOptions NoStats() => new() { Enabled = false };

    public static TagDetectorBank Bank(DetectorKind kind, double sensitivity = 1) =>
        new(Registry(), Only(kind), NoDq(), _ => new TagDetectorOverrides { Sensitivity = sensitivity });

    /// <summary>Feeds one reading per second from <see cref="T0"/> + i seconds (the same hour for the first 3600).</summary>
    public static void Feed(TagDetectorBank bank, IConditionSink sink, int index, double value, ReadingQuality q = ReadingQuality.Good) =>
        bank.OnReading(new Reading(0, T0 + (index * 1000L), value, q), sink);
}
