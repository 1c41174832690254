using System.Globalization;
using System.Runtime.InteropServices;
#if HAS_CONTRACTS || !CPU_AB_STANDALONE
using EdgeAnomaly.Contracts;
#endif
using EdgeAnomaly.Core.Events;
using EdgeAnomaly.Core.Readings;
using EdgeAnomaly.Core.Tags;
using EdgeAnomaly.Detectors;

namespace EdgeAnomaly.Bench.Detection.CpuAb;

/// <summary>
/// Thread CPU time per reading of TagDetectorBank variants on a 98-tag fleet (the shipped config's pump, motor and
/// compressor shapes x 7; wave, noise, rare spikes, a fault window every 20 min per asset; every 7th tag quantised to
/// 0.1), best of N passes of 400,000 readings. CPU time, not wall time: on a shared box the wall clock mostly measures
/// the run queue. Also prints a hash of every report and of periodic snapshots, and (mode "events") of every event
/// revision's JSON through a real EventTracker, so two builds can be shown to compute the same results.
/// Public API only, so it builds against older trees too.
/// </summary>
public static class DetectorCpuAb
{
    private const int Points = 400_000;

    private static readonly string[] AllVariants = ["default", "stats", "stats4", "dq", "z", "robust", "iqr", "ewma", "spike", "tod", "o1", "window", "everything"];

    /// <summary>args: [variants comma-separated | all | events] [passes]</summary>
    public static int Run(string[] args)
    {
        var mode = args.Length > 0 ? args[0] : "all";
        var passes = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 5;
        var (registry, readings, span) = CpuAbFleet.Create(copies: int.Parse(Environment.GetEnvironmentVariable("CPUAB_COPIES") ?? "7", CultureInfo.InvariantCulture), Points);
        if (mode == "events")
        {
            HashEvents(registry, readings, span);
            return 0;
        }
        foreach (var variant in mode == "all" ? AllVariants : mode.Split(','))
        {
            var bank = Make(variant, registry);
            var sink = new HashingSink();
            var best = double.MaxValue;
            long offset = 0;
            ulong snapshots = Fnv.Start;
            for (var p = 0; p < passes; p++)
            {
                var t0 = NativeMethods.ThreadCpuNs();
                for (var i = 0; i < readings.Length; i++)
                {
                    var r = readings[i] with { TimestampMs = readings[i].TimestampMs + offset };
                    bank.OnReading(r, sink);
                    if ((i & 1023) == 0)
                    {
                        bank.OnTick(r.TimestampMs, sink);
                    }
                }
                best = Math.Min(best, (NativeMethods.ThreadCpuNs() - t0) / (double)readings.Length);
                offset += span;
                if (p < 2)
                {
                    for (var t = 0; t < registry.TagCount; t++)
                    {
                        snapshots = HashSnapshot(snapshots, bank.Snapshot(t));
                    }
                }
            }
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{variant,-11} {best,7:F1} ns/point {1000 / best,6:F2} M points/s  reports {sink.Count,8} hash {sink.Hash:x16} snapshots {snapshots:x16}"));
        }
        return 0;
    }

    private static void HashEvents(TagRegistry registry, Reading[] readings, long span)
    {
        var bank = Make("everything", registry);
        var values = new TagValues(registry.TagCount);
        var tracker = new EventTracker("gateway-01", registry, values);
        var drained = new List<GatewayEvent>();
        var hash = Fnv.Start;
        long revisions = 0, bytes = 0, offset = 0;
        for (var p = 0; p < 2; p++)
        {
            for (var i = 0; i < readings.Length; i++)
            {
                var r = readings[i] with { TimestampMs = readings[i].TimestampMs + offset };
                values.Update(r);
                bank.OnReading(r, tracker);
                if ((i & 1023) == 0)
                {
                    bank.OnTick(r.TimestampMs, tracker);
                }
                if ((i & 4095) == 0 || i == readings.Length - 1)
                {
                    drained.Clear();
                    tracker.DrainRevisions(drained);
                    foreach (var e in drained)
                    {
                        var json = EventJson.Serialize(e);
                        bytes += json.Length;
                        revisions++;
                        foreach (var b in json)
                        {
                            hash = Fnv.Mix(hash, b);
                        }
                    }
                }
            }
            offset += span;
        }
        var allocated = GC.GetAllocatedBytesForCurrentThread();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"events: {revisions} revisions, {bytes} JSON bytes, hash {hash:x16} (allocated in this thread so far: {allocated / 1048576.0:F1} MB)"));
    }

    private static TagDetectorBank Make(string variant, TagRegistry registry)
    {
        var s = new StatisticsOptions();
        var d = new DataQualityOptions();
        void Only(bool z, bool robust, bool iqr, bool ewma, bool tod)
        {
            d.Enabled = false;
            s.ZScore.Enabled = z;
            s.RobustZ.Enabled = robust;
            s.Iqr.Enabled = iqr;
            s.Ewma.Enabled = ewma;
            s.TimeOfDay.Enabled = tod;
        }
        switch (variant)
        {
            case "default": break;
            // Every detector and check on (robust z and IQR are off by default since 2026-12-04). Older trees: the
            // same as their "everything", since robust z and IQR were on there by default.
            case "everything":
                s.TimeOfDay.Enabled = true;
                s.RobustZ.Enabled = true;
                s.Iqr.Enabled = true;
                break;
            case "stats": d.Enabled = false; break;
            // The four statistics that were the default until 2026-12-04.
            case "stats4": Only(true, true, true, true, false); break;
            case "dq": s.Enabled = false; break;
            case "z": Only(true, false, false, false, false); break;
            case "robust": Only(false, true, false, false, false); break;
            case "iqr": Only(false, false, true, false, false); break;
            case "ewma": Only(false, false, false, true, false); break;
            case "tod": Only(false, false, false, false, true); break;
            // The default statistics split in two: the O(1) detectors, and the two sharing the sorted window.
            case "o1": Only(true, false, false, true, false); break;
            case "window": Only(false, true, true, false, false); break;
            case "spike":
                s.Enabled = false;
                d.Dropout.Enabled = false;
                d.Rate.Enabled = false;
                d.Flatline.Enabled = false;
                break;
            default: throw new ArgumentException("unknown variant " + variant, nameof(variant));
        }
        // As the shipped config: motor vibration at sensitivity 1.5, ambient temperature without statistics.
        return new TagDetectorBank(registry, s, d, tag => new TagDetectorOverrides
        {
            Sensitivity = tag.Name == "vibration.mms" && tag.Asset.StartsWith("motor", StringComparison.Ordinal) ? 1.5 : 1,
            StatisticsEnabled = tag.Name == "ambient.c" ? false : null,
        });
    }

    private static ulong HashSnapshot(ulong h, TagStatisticsSnapshot s)
    {
        h = Fnv.Mix(h, s.Score);
        h = Fnv.Mix(h, (ulong)s.Votes);
        h = Fnv.Mix(h, (ulong)s.Admitted);
        h = Fnv.Mix(h, (ulong)s.ExcludedRun);
        foreach (var d in s.Detectors)
        {
            h = Fnv.Mix(Fnv.Mix(Fnv.Mix(Fnv.Mix(Fnv.Mix(h, d.Score), d.Statistic), d.Centre), d.Spread), d.Limit);
            h = Fnv.Mix(Fnv.Mix(h, d.Flag ? 1UL : 2UL), (ulong)d.Samples);
        }
        foreach (var m in s.TimeOfDayMeans)
        {
            h = Fnv.Mix(h, m);
        }
        return Fnv.Mix(Fnv.Mix(h, (ulong)s.SpikesConfirmed), (ulong)s.FlatlineRepeats);
    }

    /// <summary>Hashes every report: key, state, timestamp and the bits of value, score and threshold.</summary>
    private sealed class HashingSink : IConditionSink
    {
        public ulong Hash = Fnv.Start;
        public long Count;

        public void Report(ConditionSource source, bool active, in ConditionSample sample)
        {
            Count++;
            if (source.TrackerState is not ulong key)
            {
                key = Fnv.Start;
                foreach (var c in source.Key)
                {
                    key = Fnv.Mix(key, c);
                }
                source.TrackerState = key; // this sink is the only one using the slot
            }
            Hash = Fnv.Mix(Fnv.Mix(Fnv.Mix(Fnv.Mix(Fnv.Mix(Fnv.Mix(Hash, key), active ? 1UL : 0UL), (ulong)sample.TimestampMs), sample.Value), sample.Score), sample.Threshold);
        }
    }
}

internal static class Fnv
{
    public const ulong Start = 0xcbf29ce484222325UL;

    public static ulong Mix(ulong h, ulong v) => (h ^ v) * 0x100000001b3UL;

    public static ulong Mix(ulong h, double v) => Mix(h, (ulong)BitConverter.DoubleToInt64Bits(v));
}

internal static class NativeMethods
{
    private const int ClockThreadCpuTime = 3; // CLOCK_THREAD_CPUTIME_ID (Linux)

    public static long ThreadCpuNs()
    {
        _ = clock_gettime(ClockThreadCpuTime, out var t);
        return (t.Seconds * 1_000_000_000L) + t.Nanoseconds;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct TimeSpec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    [DllImport("libc", EntryPoint = "clock_gettime")]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int clock_gettime(int clock, out TimeSpec time);
}
