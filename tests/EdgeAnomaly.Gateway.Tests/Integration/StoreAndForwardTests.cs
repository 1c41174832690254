using EdgeAnomaly.TestSupport;
using Xunit.Abstractions;

namespace EdgeAnomaly.Gateway.Tests.Integration;

/// <summary>
/// The gateway's promises against real peers: two Debian mosquitto brokers on loopback (local for nodes,
/// central for uplink), the real `edgeanomaly run` process and its real SQLite file.
/// </summary>
[Collection("gateway-process")]
public sealed class StoreAndForwardTests(ITestOutputHelper output) : TwoBrokerTest
{
    private string DbPath => Path.Combine(Dir.Path, "data", "edgeanomaly.db");

    [Fact]
    public async Task CentralBrokerDownTenSecondsUnderLoad_EveryStoredEventReachesCentralInOrderPerAsset()
    {
        var assets = GatewayFixtureConfig.AssetNames(5);
        var config = GatewayFixtureConfig.Write(Dir.Path, Local.Port, Central.Port, assets);
        await using var central = new CentralRecorder();
        await central.StartAsync(Central.Host, Central.Port);
        await using var gateway = new GatewayProcess(config);
        gateway.Start();
        await using var load = new NodeLoad(assets);
        await load.ConnectAsync(Local.Host, Local.Port);

        var loadEnds = DateTime.UtcNow.AddSeconds(16);
        var outage = Task.Run(async () =>
        {
            await Task.Delay(TimeSpan.FromSeconds(3));
            await Central.StopAsync();
            await Task.Delay(TimeSpan.FromSeconds(10));
            await Central.StartAsync();
        });
        while (DateTime.UtcNow < loadEnds)
        {
            await load.PublishOnceAsync();
            await Task.Delay(20);
        }
        await outage;

        await Eventually.True(() => File.Exists(DbPath) && GatewayDb.PendingRevisions(DbPath) == 0, TimeSpan.FromSeconds(60),
            "the gateway drains its outbox after the central broker returns\n" + gateway.Output);
        var stored = GatewayDb.Events(DbPath);
        try
        {
            await Eventually.True(() => central.DistinctIds().IsSupersetOf(stored.Keys), TimeSpan.FromSeconds(20), "central receives every stored event id");
        }
        catch (TimeoutException)
        {
            Assert.Fail($"central misses events (recorder reconnects {central.Reconnects}): {Missing(stored, central)}");
        }
        await gateway.StopAsync();

        Assert.True(stored.Count >= 50, $"the load should produce many events, got {stored.Count}");
        var received = central.Snapshot();
        output.WriteLine($"{load.MessagesSent} messages, {stored.Count} events stored, {received.Count} revisions received");
        AssertFirstArrivalsInOrderPerAsset(received);
        AssertDuplicatesIdentical(received);
        // The last revision stored for every event is what central ended up with.
        foreach (var (id, (rev, payload)) in stored)
        {
            Assert.Contains(received, r => r.Id == id && r.Rev == rev && r.Payload.AsSpan().SequenceEqual(payload));
        }
    }

    [Fact]
    public async Task GatewaySigkilledTwentyTimesDuringLoad_CentralHasEveryStoredEventAndDuplicatesAreIdentical()
    {
        var assets = GatewayFixtureConfig.AssetNames(4);
        var config = GatewayFixtureConfig.Write(Dir.Path, Local.Port, Central.Port, assets);
        await using var central = new CentralRecorder();
        await central.StartAsync(Central.Host, Central.Port);
        // Twenty-one runs' logs, counted for "Ingest connected": on a slow machine each run works through a larger backlog
        // and logs more events, and the 2,000,000 characters kept by default ran out before the last restart.
        await using var gateway = new GatewayProcess(config, outputLimit: 20_000_000);
        await using var load = new NodeLoad(assets);
        await load.ConnectAsync(Local.Host, Local.Port);

        var rng = new Random(20261124);
        using var stopLoad = new CancellationTokenSource();
        var loadTask = Task.Run(async () =>
        {
            while (!stopLoad.IsCancellationRequested)
            {
                await load.PublishOnceAsync();
                await Task.Delay(15);
            }
        });
        for (var kill = 0; kill < 20; kill++)
        {
            // Kill at a random moment of *work*, not of start-up: on a loaded CI box the runtime alone can take longer
            // to start than a fixed delay, and a gateway killed before it ingests anything tests nothing.
            var connectedBefore = Occurrences(gateway.Output, "Ingest connected");
            gateway.Start();
            await Eventually.True(() => Occurrences(gateway.Output, "Ingest connected") > connectedBefore, TimeSpan.FromSeconds(60),
                "the gateway connects to the local broker after a restart");
            await Task.Delay(TimeSpan.FromMilliseconds(rng.Next(300, 2000)));
            await gateway.KillAsync();
        }
        await stopLoad.CancelAsync();
        await loadTask;
        gateway.Start();

        await Eventually.True(() => File.Exists(DbPath) && GatewayDb.PendingRevisions(DbPath) == 0, TimeSpan.FromSeconds(60),
            "after the final restart the gateway drains its outbox\n" + gateway.Output[^Math.Min(4000, gateway.Output.Length)..]);
        var stored = GatewayDb.Events(DbPath);
        await Eventually.True(() => central.DistinctIds().IsSupersetOf(stored.Keys), TimeSpan.FromSeconds(20), "central has every stored event id");
        await gateway.StopAsync();

        var received = central.Snapshot();
        output.WriteLine($"{gateway.Starts} starts, {load.MessagesSent} messages, {stored.Count} events stored, {received.Count} revisions received");
        Assert.True(stored.Count >= 20, $"the load should produce events across the kills, got {stored.Count}");
        AssertDuplicatesIdentical(received);
    }

    [Fact]
    public async Task CentralDownWithSmallDiskCap_DatabaseStaysUnderCapAndNoUnsentEventIsEvicted()
    {
        const long cap = 1024 * 1024;
        var assets = GatewayFixtureConfig.AssetNames(40);
        var config = GatewayFixtureConfig.Write(Dir.Path, Local.Port, Central.Port, assets, maxDiskBytes: cap);
        await Central.StopAsync();
        await using var gateway = new GatewayProcess(config);
        gateway.Start();
        await using var load = new NodeLoad(assets, toggleEvery: 1000);
        await load.ConnectAsync(Local.Host, Local.Port);

        // Load until the cap has forced evictions for a while (machine speed varies), within a deadline.
        long maxSeen = 0;
        var deadline = DateTime.UtcNow.AddSeconds(120);
        DateTime? evictedAt = null;
        while (DateTime.UtcNow < deadline && (evictedAt is null || DateTime.UtcNow - evictedAt < TimeSpan.FromSeconds(5)))
        {
            // Each 1 s flush stays far below the cap; many of them do not.
            for (var i = 0; i < 20; i++)
            {
                await load.PublishOnceAsync();
                await Task.Delay(2);
            }
            maxSeen = Math.Max(maxSeen, GatewayDb.BytesOnDisk(DbPath));
            if (evictedAt is null && gateway.Output.Contains("Disk cap: evicted", StringComparison.Ordinal))
            {
                evictedAt = DateTime.UtcNow;
            }
        }
        await gateway.StopAsync();
        maxSeen = Math.Max(maxSeen, GatewayDb.BytesOnDisk(DbPath));

        var stored = GatewayDb.Events(DbPath);
        var logged = EventIdsLogged(gateway.Output);
        output.WriteLine($"{load.MessagesSent} messages, max {maxSeen} bytes on disk (cap {cap}), {stored.Count} events stored, {logged.Count} logged, {GatewayDb.ReadingBlocks(DbPath)} reading blocks left holding {GatewayDb.ReadingsStored(DbPath)} readings");
        output.WriteLine(gateway.Output[^Math.Min(3000, gateway.Output.Length)..]);
        Assert.True(maxSeen <= cap, $"database reached {maxSeen} bytes, over the cap of {cap}");
        Assert.True(GatewayDb.ReadingBlocks(DbPath) > 0, "readings history remains, so no unsent event may have been evicted");
        Assert.Contains("Disk cap: evicted", gateway.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("future_timestamp", gateway.Output, StringComparison.Ordinal);
        Assert.NotEmpty(logged);
        Assert.Subset(stored.Keys.ToHashSet(), logged);
    }

    private static string Missing(Dictionary<string, (int Rev, byte[] Payload)> stored, CentralRecorder central)
    {
        var have = central.DistinctIds();
        var missing = stored.Where(kv => !have.Contains(kv.Key)).Select(kv => System.Text.Encoding.UTF8.GetString(kv.Value.Payload)).Order().ToList();
        var received = central.Snapshot();
        return $"{missing.Count} of {stored.Count}; received {received.Count} revisions, start_ms {received.Min(r => r.StartMs)}..{received.Max(r => r.StartMs)}; missing: "
            + string.Join("\n", missing.Take(2)) + " ... " + string.Join("\n", missing.TakeLast(2));
    }

    private static HashSet<string> EventIdsLogged(string output)
    {
        var ids = new HashSet<string>(StringComparer.Ordinal);
        foreach (System.Text.RegularExpressions.Match m in System.Text.RegularExpressions.Regex.Matches(output, "id=([0-9a-f]{32})"))
        {
            ids.Add(m.Groups[1].Value);
        }
        return ids;
    }

    /// <summary>Per asset, revisions first arrive in commit order: events by start time, revisions of one event in order.</summary>
    private static void AssertFirstArrivalsInOrderPerAsset(IReadOnlyList<ReceivedRevision> received)
    {
        var seen = new HashSet<(string, int)>();
        var firstArrivals = received.Where(r => seen.Add((r.Id, r.Rev))).ToList();
        foreach (var group in firstArrivals.GroupBy(r => r.Asset))
        {
            var actual = group.Select(r => (r.StartMs, r.Rev)).ToList();
            var expected = actual.OrderBy(x => x.StartMs).ThenBy(x => x.Rev).ToList();
            Assert.Equal(expected, actual);
        }
    }

    private static void AssertDuplicatesIdentical(IReadOnlyList<ReceivedRevision> received)
    {
        foreach (var group in received.GroupBy(r => (r.Id, r.Rev)))
        {
            var first = group.First().Payload;
            Assert.All(group, r => Assert.True(r.Payload.AsSpan().SequenceEqual(first), $"duplicate of {group.Key} differs"));
        }
    }

    private static int Occurrences(string text, string what)
    {
        var count = 0;
        for (var at = text.IndexOf(what, StringComparison.Ordinal); at >= 0; at = text.IndexOf(what, at + what.Length, StringComparison.Ordinal))
        {
            count++;
        }
        return count;
    }
}
