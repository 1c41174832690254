using EdgeAnomaly.Core.Readings;
using EdgeAnomaly.Core.Tags;

namespace EdgeAnomaly.Bench.Detection.CpuAb;

/// <summary>
/// The detector benchmarks' reading stream over a fleet of pumps, motors and compressors: each tag at its expected
/// interval on a 100 ms grid, a slow wave, gaussian noise, rare spikes and a fault window every 20 min per asset, so
/// rules, statistics and data-quality checks all see some anomalies. Core types only, so the standalone CpuAb harness
/// builds against older trees too; <c>Fleet</c> and <see cref="CpuAbFleet"/> both generate their readings here.
/// </summary>
internal static class FleetReadings
{
    /// <param name="registry">The fleet's tags.</param>
    /// <param name="assetTypes">Each asset's type ("pump", "motor", "compressor"), by asset id.</param>
    /// <param name="count">How many readings.</param>
    /// <param name="seed">Seed of the noise and spikes.</param>
    /// <param name="coarseEverySeventhTag">Rounds every 7th tag to 0.1 (ties and MAD = 0 paths) instead of 3 decimals.</param>
    /// <returns>The readings in time order, and the time they cover (repeated passes shift timestamps by it).</returns>
    public static (Reading[] Readings, long SpanMs) Generate(TagRegistry registry, IReadOnlyList<string> assetTypes, int count, int seed,
        bool coarseEverySeventhTag)
    {
        const long stepMs = 100;
        const long t0 = 1_767_225_600_000; // 2026-01-01T00:00:00Z
        var rng = new Random(seed);
        var tags = registry.Tags.ToArray();
        var everySteps = new long[tags.Length];
        for (var i = 0; i < tags.Length; i++)
        {
            everySteps[i] = Math.Max(1, (long)Math.Round(tags[i].ExpectedIntervalSeconds * 1000 / stepMs));
        }
        var readings = new Reading[count];
        var n = 0;
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
                var value = Signal(tag, assetTypes[tag.AssetId], (ts - t0) / 1000.0, rng);
                readings[n++] = new Reading(tag.Id, ts, coarseEverySeventhTag && tag.Id % 7 == 3 ? Math.Round(value, 1) : Math.Round(value, 3));
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
        return tag.Name switch
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
    }

    private static double Gaussian(Random rng)
    {
        var u1 = 1.0 - rng.NextDouble();
        var u2 = rng.NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2);
    }
}
