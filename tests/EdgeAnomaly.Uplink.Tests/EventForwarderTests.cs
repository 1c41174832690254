using System.Diagnostics;
using System.Text.Json;
using EdgeAnomaly.Contracts;
using EdgeAnomaly.Core.Diagnostics;
using EdgeAnomaly.Core.Events;
using EdgeAnomaly.Storage;
using EdgeAnomaly.TestSupport;
using Xunit.Abstractions;

namespace EdgeAnomaly.Uplink.Tests;

public sealed class EventForwarderTests(ITestOutputHelper output) : IAsyncLifetime
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);
    private const string Gateway = "gw-f";
    private readonly TempDirectory _dir = new();
    private readonly GatewayCounters _counters = new();
    private readonly CancellationTokenSource _stop = new();
    private MosquittoBroker _broker = null!;
    private GatewayStore _store = null!;
    private UplinkClient _uplink = null!;
    private EventForwarder _forwarder = null!;
    private readonly List<Task> _loops = [];

    public async Task InitializeAsync()
    {
        _broker = await MosquittoBroker.StartAsync();
        _store = new GatewayStore(new StoreOptions { Path = _dir.File("fwd.db") }, _counters);
        _uplink = new UplinkClient(new UplinkOptions
        {
            Host = _broker.Host,
            Port = _broker.Port,
            ClientId = "edge-fwd",
            GatewayId = Gateway,
            ReconnectInitial = TimeSpan.FromMilliseconds(200),
            ReconnectMax = TimeSpan.FromSeconds(1),
            OperationTimeout = TimeSpan.FromSeconds(3),
        }, _counters);
        _forwarder = new EventForwarder(_store, _uplink, _counters);
    }

    public async Task DisposeAsync()
    {
        await _stop.CancelAsync();
        await Task.WhenAll(_loops).WaitAsync(TimeSpan.FromSeconds(20));
        _store.Dispose();
        await _broker.DisposeAsync();
        _dir.Dispose();
        _stop.Dispose();
    }

    private void StartLoops()
    {
        _loops.Add(_uplink.RunAsync(_stop.Token));
        _loops.Add(_forwarder.RunAsync(_stop.Token));
    }

    private static GatewayEvent Event(string id, string asset, int rev) => new()
    {
        Id = id,
        Gateway = Gateway,
        Asset = asset,
        Tags = ["current.a"],
        Kind = EventKind.Statistic,
        Source = "stat:" + asset,
        Severity = Severity.Warning,
        State = rev == 1 ? EventState.Open : EventState.Closed,
        StartMs = 1_700_000_000_000,
        EndMs = rev == 1 ? null : 1_700_000_005_000,
        PeakValue = rev,
        PeakScore = 3.5,
        Threshold = 3,
        Message = "drift",
        Explanation = "z-score 3.5 > 3",
        Revision = rev,
        UpdatedMs = 1_700_000_000_000 + rev,
    };

    /// <summary>Commits event i (rev 1) and closes event i-3 (rev 2), recording commit order per asset.</summary>
    private void CommitStep(int i, Dictionary<string, List<(string, int)>> perAsset, List<GatewayEvent> all)
    {
        var batch = new List<GatewayEvent> { Event($"ev-{i:D6}", $"asset-{i % 3}", 1) };
        if (i >= 3)
        {
            batch.Add(Event($"ev-{i - 3:D6}", $"asset-{(i - 3) % 3}", 2));
        }
        _store.CommitEventRevisions(batch);
        _forwarder.Notify();
        foreach (var e in batch)
        {
            if (!perAsset.TryGetValue(e.Asset, out var list))
            {
                perAsset[e.Asset] = list = [];
            }
            list.Add((e.Id, e.Revision));
            all.Add(e);
        }
    }

    private static (string Id, int Rev) Key(CentralSubscriber.Received m)
    {
        using var doc = JsonDocument.Parse(m.Payload);
        return (doc.RootElement.GetProperty("id").GetString()!, doc.RootElement.GetProperty("rev").GetInt32());
    }

    /// <summary>Per asset, the (id, rev) pairs in order of their first arrival.</summary>
    private static Dictionary<string, List<(string, int)>> FirstArrivals(List<CentralSubscriber.Received> received)
    {
        var seen = new HashSet<(string, int)>();
        var result = new Dictionary<string, List<(string, int)>>();
        foreach (var m in received)
        {
            var key = Key(m);
            if (!seen.Add(key))
            {
                continue;
            }
            var asset = m.Topic[(m.Topic.LastIndexOf('/') + 1)..];
            if (!result.TryGetValue(asset, out var list))
            {
                result[asset] = list = [];
            }
            list.Add(key);
        }
        return result;
    }

    [Fact]
    public async Task Forwarder_DeliversEveryCommittedRevision_InCommitOrderPerAsset_ByteForByte()
    {
        await using var central = await CentralSubscriber.StartAsync(_broker.Host, _broker.Port, $"ea/v1/gateways/{Gateway}/events/#");
        StartLoops();
        var perAsset = new Dictionary<string, List<(string, int)>>();
        var all = new List<GatewayEvent>();
        for (var i = 0; i < 600; i++)
        {
            CommitStep(i, perAsset, all);
        }

        await Eventually.True(() => central.Count >= all.Count, Deadline, $"all {all.Count} revisions arrive");
        await Eventually.True(() => _store.PendingCount == 0, Deadline, "outbox emptied after PUBACKs");

        var received = central.Snapshot();
        Assert.Equal(all.Count, received.Count); // no failure, so no duplicates either
        var first = FirstArrivals(received);
        foreach (var (asset, committed) in perAsset)
        {
            Assert.Equal(committed, first[asset]);
        }
        var byKey = all.ToDictionary(e => (e.Id, e.Revision));
        foreach (var m in received)
        {
            var e = byKey[Key(m)];
            Assert.Equal(EventJson.Serialize(e), m.Payload);
            Assert.Equal($"ea/v1/gateways/{Gateway}/events/{e.Asset}", m.Topic);
            Assert.False(m.Retain);
        }
        Assert.Equal(all.Count, _counters.EventsUplinked);
        Assert.All(_store.ListEvents(10_000), e => Assert.True(e.Delivered));
    }

    /// <summary>
    /// mosquitto started as root drops to user "mosquitto", which cannot write the fixture's root-owned folder,
    /// so it silently keeps no persistence (sessions vanish on restart). Open the folder up and restart once.
    /// </summary>
    private async Task LetBrokerPersistAsync()
    {
        if (!OperatingSystem.IsLinux() || Environment.UserName != "root" || _broker.Pid is not { } pid)
        {
            return;
        }
        var args = File.ReadAllText($"/proc/{pid}/cmdline").Split('\0');
        var dir = Path.GetDirectoryName(args[Array.IndexOf(args, "-c") + 1])!;
        File.SetUnixFileMode(dir, (UnixFileMode)0b111_111_111);
        await _broker.StopAsync();
        await _broker.StartAsync();
    }

    [Fact]
    public async Task Forwarder_BrokerDownTenSecondsUnderLoad_DeliversEveryRevision_InFirstArrivalOrderPerAsset()
    {
        await LetBrokerPersistAsync();
        await using var central = await CentralSubscriber.StartAsync(_broker.Host, _broker.Port, $"ea/v1/gateways/{Gateway}/events/#", persistent: true);
        StartLoops();
        var perAsset = new Dictionary<string, List<(string, int)>>();
        var all = new List<GatewayEvent>();
        var i = 0;
        async Task CommitFor(TimeSpan span)
        {
            var sw = Stopwatch.StartNew();
            while (sw.Elapsed < span)
            {
                CommitStep(i++, perAsset, all);
                await Task.Delay(5);
            }
        }

        await CommitFor(TimeSpan.FromSeconds(2));
        await _broker.StopAsync();
        var whileDown = all.Count;
        await CommitFor(TimeSpan.FromSeconds(10));
        whileDown = all.Count - whileDown;
        await _broker.StartAsync();
        await CommitFor(TimeSpan.FromSeconds(2));

        var expected = all.Select(e => (e.Id, e.Revision)).ToHashSet();
        try
        {
            await Eventually.True(() => expected.IsSubsetOf(central.Snapshot().Select(Key)), Deadline, $"all {all.Count} revisions arrive");
        }
        catch (TimeoutException)
        {
            output.WriteLine($"pending {_store.PendingCount}, received {central.Count} ({central.Snapshot().Select(Key).Distinct().Count()} distinct), uplink {_uplink.State}, forwarded {_forwarder.Forwarded}, reconnects {_counters.UplinkReconnects}, central connected {central.IsConnected} {central.LastError}");
            output.WriteLine(_broker.Log());
            throw;
        }
        var received = central.Snapshot();
        output.WriteLine($"{all.Count} revisions committed ({whileDown} while the broker was down), {received.Count} received, {_counters.UplinkReconnects} reconnects");
        var first = FirstArrivals(received);
        foreach (var (asset, committed) in perAsset)
        {
            Assert.Equal(committed, first[asset]);
        }
        Assert.True(whileDown > 100, "load continued during the outage");
        Assert.True(_counters.UplinkReconnects >= 1);
        await Eventually.True(() => _store.PendingCount == 0, Deadline, "outbox emptied");
    }

    [Fact]
    public async Task Forwarder_BacklogAfterOutage_DrainsEverything_AndReportsTheRate()
    {
        const int backlog = 20_000;
        var batch = new List<GatewayEvent>(500);
        for (var i = 0; i < backlog; i++)
        {
            batch.Add(Event($"bk-{i:D6}", $"asset-{i % 7}", 1));
            if (batch.Count == 500)
            {
                _store.CommitEventRevisions(batch);
                batch.Clear();
            }
        }
        // A persistent session, as a central consumer would keep: once one CI run saw the flood of 20,000 QoS 1
        // deliveries end with the (clean-session) subscriber gone and the rest never delivered; the test is about
        // the forwarder, so the subscriber reconnects and the broker keeps what it missed meanwhile.
        await using var central = await CentralSubscriber.StartAsync(_broker.Host, _broker.Port, $"ea/v1/gateways/{Gateway}/events/#", persistent: true);
        Assert.Equal(backlog, _store.PendingCount);

        var sw = Stopwatch.StartNew();
        StartLoops();
        await Eventually.True(() => _store.PendingCount == 0, TimeSpan.FromSeconds(60), "backlog acknowledged");
        var elapsed = sw.Elapsed;
        // The subscriber shares this process and the CI machine with other suites: give it time, not a rate.
        try
        {
            await Eventually.True(() => central.Count >= backlog, TimeSpan.FromSeconds(120), "backlog received");
        }
        catch (TimeoutException)
        {
            output.WriteLine($"received {central.Count} of {backlog}, central connected {central.IsConnected}, last error {central.LastError}, forwarded {_forwarder.Forwarded}");
            output.WriteLine(_broker.Log());
            throw;
        }
        output.WriteLine($"drained {backlog} events in {elapsed.TotalMilliseconds:F0} ms = {backlog / elapsed.TotalSeconds:F0} events/s (PUBACK + MarkDelivered, loopback mosquitto)");
        Assert.Equal(backlog, central.Snapshot().Select(Key).Distinct().Count());
        Assert.Equal(backlog, _counters.EventsUplinked);
    }
}
