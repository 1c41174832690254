using System.Globalization;
using EdgeAnomaly.Core.Diagnostics;
using EdgeAnomaly.Core.Events;
using EdgeAnomaly.Core.Readings;
using EdgeAnomaly.Core.Tags;
using EdgeAnomaly.Storage;

namespace EdgeAnomaly.Bench.EndToEnd.StoreWrites;

/// <summary>
/// What the store writes to disk over simulated hours, far faster than real time: T tags at 1 Hz appended every
/// simulated second, FlushReadings every F seconds (the pipeline's Store:ReadingsFlushInterval), and an event revision
/// every E seconds (alternately opening and closing an event) committed with CommitEventRevisions and then marked
/// delivered with MarkDeliveredRange, as the forwarder does once the broker acknowledged it. The store gets a manual
/// clock; the SQLite file is real (default options: 1 GiB cap). Prints /proc/self/io write_bytes per simulated hour —
/// WAL appends, checkpoints into the main file and fsyncs included — and the average.
/// Public API only, so it builds against older trees too.
/// Mode "drain": the store's side of draining N revisions (read in pages of 2,000, one range mark per page), CPU time.
/// </summary>
public static class StoreWritesHarness
{
    public static int Run(string[] args)
    {
        if (args.Length > 0 && args[0] == "drain")
        {
            return Drain(Arg(args, "--revisions", 20_000));
        }
        if (args.Length > 0 && args[0] == "memory")
        {
            return Memory(Arg(args, "--tags", 1000), Arg(args, "--seconds", 60));
        }
        var tags = Arg(args, "--tags", 100);
        var hours = Arg(args, "--hours", 24);
        var flush = Arg(args, "--flush", 60);
        var eventEvery = Arg(args, "--event-every", 0);
        var withReadings = !args.Contains("--no-readings");
        var dir = Directory.CreateTempSubdirectory("storewrites-").FullName;
        try
        {
            var time = new ManualTime(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
            var registry = Registry(tags);
            using var store = new GatewayStore(new StoreOptions { Path = Path.Combine(dir, "gw.db") }, new GatewayCounters(), time);
            store.RegisterTags(registry);
            var readings = new Reading[registry.TagCount];
            var rng = new Random(1);
            var open = new Dictionary<int, GatewayEvent>();
            long revisions = 0, lastSeq = 0;
            var hourStart = WriteBytes();
            var perHour = new List<double>();
            for (var s = 1; s <= hours * 3600; s++)
            {
                time.Now = time.Now.AddSeconds(1);
                var now = time.GetUtcNow().ToUnixTimeMilliseconds();
                if (withReadings)
                {
                    for (var i = 0; i < readings.Length; i++)
                    {
                        readings[i] = new Reading(i, now, Math.Round(50 + rng.NextDouble(), 3));
                    }
                    store.AppendReadings(readings);
                    if (s % flush == 0)
                    {
                        store.FlushReadings();
                    }
                }
                if (eventEvery > 0 && s % eventEvery == 0)
                {
                    var tag = (int)(revisions % registry.TagCount);
                    var e = open.Remove(tag, out var o)
                        ? o with { State = EventState.Closed, EndMs = now, Revision = o.Revision + 1, UpdatedMs = now }
                        : open[tag] = OpenEvent(registry.GetTag(tag), now);
                    revisions++;
                    store.CommitEventRevisions([e]);
                    foreach (var row in store.ReadPendingOutbox(lastSeq, 100))
                    {
                        lastSeq = row.Seq;
                        store.MarkDeliveredRange(row.Seq, row.Seq);
                    }
                }
                if (s % 3600 == 0)
                {
                    var bytes = WriteBytes();
                    perHour.Add((bytes - hourStart) / 1048576.0);
                    hourStart = bytes;
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"hour {s / 3600}: {perHour[^1]:F1} MB written, {revisions} revisions so far, main file {Size(dir, "gw.db"):F1} MB, wal {Size(dir, "gw.db-wal"):F1} MB"));
                }
            }
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"tags={tags} hours={hours} flush={flush}s event_every={eventEvery}s readings={withReadings} page_size={PageSizeOf(store)}: average {perHour.Average():F1} MB/h written"));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
        return 0;
    }

    private static int Drain(int count)
    {
        var dir = Directory.CreateTempSubdirectory("storedrain-").FullName;
        try
        {
            using var store = new GatewayStore(new StoreOptions { Path = Path.Combine(dir, "gw.db") }, new GatewayCounters());
            for (var round = 0; round < 3; round++)
            {
                var batch = new List<GatewayEvent>(20);
                for (var i = 0; i < count; i++)
                {
                    var n = (round * count) + i;
                    batch.Add(RuleRevision(n));
                    if (batch.Count == 20)
                    {
                        store.CommitEventRevisions(batch);
                        batch.Clear();
                    }
                }
                var cpu = Environment.CpuUsage.TotalTime;
                var readCpu = TimeSpan.Zero;
                long after = 0, rows = 0;
                while (true)
                {
                    var c0 = Environment.CpuUsage.TotalTime;
                    var page = store.ReadPendingOutbox(after, 2000);
                    readCpu += Environment.CpuUsage.TotalTime - c0;
                    if (page.Count == 0)
                    {
                        break;
                    }
                    rows += page.Count;
                    store.MarkDeliveredRange(page[0].Seq, page[^1].Seq);
                    after = page[^1].Seq;
                }
                var total = (Environment.CpuUsage.TotalTime - cpu).TotalMilliseconds;
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"round {round}: {rows} rows read and marked, process CPU {total:F0} ms ({total * 1000 / rows:F1} us/row; reading {readCpu.TotalMilliseconds:F0} ms)"));
            }
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
        return 0;
    }

    /// <summary>Managed heap and resident set added by the store's reading buffers: N tags at 1 Hz for one flush interval.</summary>
    private static int Memory(int tags, int seconds)
    {
        var dir = Directory.CreateTempSubdirectory("storememory-").FullName;
        try
        {
            var registry = Registry(tags);
            var readings = new Reading[registry.TagCount];
            using var store = new GatewayStore(new StoreOptions { Path = Path.Combine(dir, "gw.db") }, new GatewayCounters());
            var heap0 = GC.GetTotalMemory(forceFullCollection: true);
            var rss0 = Environment.WorkingSet;
            store.RegisterTags(registry);
            for (var s = 0; s < seconds; s++)
            {
                for (var i = 0; i < readings.Length; i++)
                {
                    readings[i] = new Reading(i, 1_767_225_600_000 + (s * 1000L), 50 + (i % 7));
                }
                store.AppendReadings(readings);
            }
            var heap = GC.GetTotalMemory(forceFullCollection: true) - heap0;
            var rss = Environment.WorkingSet - rss0;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"tags={tags} buffered={store.BufferedReadings}: managed heap +{heap / 1048576.0:F1} MB, resident set +{rss / 1048576.0:F1} MB"));
            store.FlushReadings();
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
        return 0;
    }

    private static GatewayEvent RuleRevision(int n) => new()
    {
        Id = EventIds.Create("gw", "m" + (n % 20), "rule:x", n),
        Gateway = "gw",
        Asset = "m" + (n % 20),
        Tags = ["t00"],
        Kind = EventKind.Rule,
        Source = "rule:x",
        Severity = Severity.Warning,
        State = EventState.Open,
        StartMs = n,
        PeakValue = 5000,
        PeakScore = 1,
        Threshold = 1000,
        Message = "m: t00 = 5000 above 1000",
        Explanation = "m/t00 = 5000 vs threshold 1000 (rule rule:x, score 1); recent values [5000, 1, 2, 3, 4, 5, 6, 7]",
        UpdatedMs = n,
    };

    /// <summary>An event shaped like a statistics event of the gateway (message, explanation with recent values and detail).</summary>
    private static GatewayEvent OpenEvent(TagInfo tag, long now) => new()
    {
        Id = EventIds.Create("gw", tag.Asset, "stat:" + tag.Name, now),
        Gateway = "gw",
        Asset = tag.Asset,
        Tags = [tag.Name],
        Kind = EventKind.Statistic,
        Source = "stat:" + tag.Name,
        Severity = Severity.Warning,
        State = EventState.Open,
        StartMs = now,
        PeakValue = 99,
        PeakScore = 0.9,
        Threshold = 60,
        Message = $"{tag.Asset}: {tag.Name} = 99 outside its usual range (score 0.9)",
        Explanation = $"{tag.Asset}/{tag.Name} = 99 vs threshold 60 (statistic stat:{tag.Name}, score 0.9); recent values [50.1, 50.2, 50.3, 50.4, 50.5, 50.6, 50.7, 99]; " +
            "z=97.89 (limit 4.5, mean 50, std 0.2887); robust z=110.1 (limit 5.5, median 50.5, MAD sigma 0.3706); iqr 99 above fence 52.25 (Q1 50.25, Q3 50.75, k 3.5)",
        UpdatedMs = now,
    };

    private static TagRegistry Registry(int tags)
    {
        var b = new TagRegistry.Builder();
        for (var a = 0; a * 50 < tags; a++)
        {
            b.AddAsset("m" + a, "machine");
            for (var t = 0; t < 50 && (a * 50) + t < tags; t++)
            {
                b.AddTag("m" + a, "t" + t.ToString("00", CultureInfo.InvariantCulture), "", 1);
            }
        }
        return b.Build();
    }

    private static string PageSizeOf(GatewayStore store) =>
        typeof(GatewayStore).GetProperty("PageSize")?.GetValue(store)?.ToString() ?? "4096";

    private static int Arg(string[] args, string name, int fallback)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? int.Parse(args[i + 1], CultureInfo.InvariantCulture) : fallback;
    }

    private static long WriteBytes()
    {
        foreach (var line in File.ReadLines("/proc/self/io"))
        {
            if (line.StartsWith("write_bytes:", StringComparison.Ordinal))
            {
                return long.Parse(line.AsSpan(12).Trim(), CultureInfo.InvariantCulture);
            }
        }
        return 0;
    }

    private static double Size(string dir, string name)
    {
        var f = new FileInfo(Path.Combine(dir, name));
        return f.Exists ? f.Length / 1048576.0 : 0;
    }

    private sealed class ManualTime(DateTimeOffset start) : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = start;

        public override DateTimeOffset GetUtcNow() => Now;
    }
}
