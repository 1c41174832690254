using EdgeAnomaly.Core.Diagnostics;
using EdgeAnomaly.Core.Readings;
using EdgeAnomaly.Core.Tags;
using EdgeAnomaly.Runtime.Models;
using EdgeAnomaly.Scoring.Pipeline;
using EdgeAnomaly.Storage;
using EdgeAnomaly.TestSupport;

namespace EdgeAnomaly.Gateway.Tests.Models;

/// <summary>The trainer's read-back of warm-up readings from a real SQLite readings history.</summary>
public sealed class StoredTrainingReadingsTests : IDisposable
{
    // An hour ago: older history would be deleted by the 7-day retention at the first flush.
    private static readonly long T0 = (DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / 1000 * 1000) - 3_600_000;
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private static AssetModelSettings Settings() => new("m1", ["load", "temp"], true, TimeSpan.FromHours(2), new ScoringOptions(), "m1.eabundle");

    private GatewayStore OpenStore()
    {
        var registry = new TagRegistry.Builder().AddAsset("m1", "machine").AddTag("m1", "load").AddTag("m1", "other").AddTag("m1", "temp").Build();
        var store = new GatewayStore(new StoreOptions { Path = _dir.File("gw.db") }, new GatewayCounters());
        store.RegisterTags(registry);
        return store;
    }

    [Fact]
    public void Load_ReadsTheModelTagsGoodReadingsInTheWindow_InModelTagOrder()
    {
        using var store = OpenStore();
        var readings = new List<Reading>();
        for (var i = 0; i < 100; i++)
        {
            var ts = T0 + (i * 1000);
            readings.Add(new Reading(0, ts, i));
            readings.Add(new Reading(1, ts, -1));
            readings.Add(new Reading(2, ts, 1000 + i, i == 50 ? ReadingQuality.Bad : ReadingQuality.Good));
        }
        store.AppendReadings(readings.ToArray());
        var requested = TimeProvider.System.GetTimestamp();
        store.FlushReadings();

        var history = new StoredTrainingReadings(store, TimeSpan.FromSeconds(30)).Load(Settings(), T0 + 10_000, T0 + 89_000, requested, CancellationToken.None);

        Assert.True(history.KeepsReadings);
        Assert.Equal(80, history.Series[0].Count); // load: 10..89
        Assert.Equal(79, history.Series[1].Count); // temp: the same minus the bad-quality reading
        Assert.Equal(10, history.Series[0].Values[0]);
        Assert.Equal(1010, history.Series[1].Values[0]);
        Assert.Equal(T0 + 10_000, history.StartMs);
        Assert.Equal(T0 + 89_000, history.EndMs);
    }

    // History the disk cap or retention removed is simply not there: the trainer gets what is left (and the usual
    // minimum of training steps decides), rather than waiting or failing.
    [Fact]
    public void Load_AfterOlderHistoryWasDeleted_ReturnsWhatIsLeft()
    {
        using var store = OpenStore();
        for (var block = 0; block < 4; block++)
        {
            var readings = new Reading[25];
            for (var i = 0; i < 25; i++)
            {
                readings[i] = new Reading(0, T0 + (((block * 25) + i) * 1000), i);
            }
            store.AppendReadings(readings);
            store.FlushReadings();
        }
        Assert.True(store.DeleteExpiredReadings(T0 + 50_000) >= 1);
        var history = new StoredTrainingReadings(store, TimeSpan.FromSeconds(30)).Load(Settings(), T0, T0 + 100_000, long.MinValue, CancellationToken.None);
        Assert.InRange(history.Series[0].Count, 25, 75);
        Assert.True(history.StartMs >= T0 + 25_000, $"oldest left {history.StartMs - T0} ms");
        Assert.Equal(0, history.Series[1].Count);
    }

    // The request came after the last complete flush pass and no pass follows: the wait is bounded, then it reads.
    [Fact]
    public void Load_NoFlushAfterTheRequest_WaitsAtMostMaxWait_ThenReadsWhatIsWritten()
    {
        using var store = OpenStore();
        store.AppendReadings([new Reading(0, T0, 1)]);
        store.FlushReadings();
        store.AppendReadings([new Reading(0, T0 + 1000, 2)]); // buffered, never flushed
        var watch = System.Diagnostics.Stopwatch.StartNew();
        var history = new StoredTrainingReadings(store, TimeSpan.FromSeconds(1.5)).Load(Settings(), T0, T0 + 1000,
            TimeProvider.System.GetTimestamp(), CancellationToken.None);
        Assert.InRange(watch.Elapsed.TotalSeconds, 1.4, 30);
        Assert.Equal(1, history.Series[0].Count);
    }
}
