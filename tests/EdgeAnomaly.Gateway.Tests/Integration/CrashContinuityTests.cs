using System.Globalization;
using System.Text;
using System.Text.Json;
using EdgeAnomaly.Core.Events;
using EdgeAnomaly.TestSupport;
using MQTTnet;
using MQTTnet.Protocol;
using Xunit.Abstractions;

namespace EdgeAnomaly.Gateway.Tests.Integration;

/// <summary>
/// A `kill -9` in the middle of an episode must not change the event history: the open event and the rule state that
/// closes it continue as without the crash, and readings the broker delivers again (already reflected in committed
/// revisions) do not give the same episode a second id. Real gateway process, real mosquitto, SIGKILL.
/// </summary>
[Collection("gateway-process")]
public sealed class CrashContinuityTests(ITestOutputHelper output) : TwoBrokerTest
{
    private const string Gateway = "gw-test";
    private const string Cause = "rule:x-high";

    private string DbPath => Path.Combine(Dir.Path, "data", "edgeanomaly.db");

    [Fact]
    public async Task KilledMidEpisode_OpenEventClosesOnTheNextClearReadingAndRedeliveredReadingsKeepOneId()
    {
        string[] assets = ["a01", "a02"];
        var config = GatewayFixtureConfig.Write(Dir.Path, Local.Port, Central.Port, assets);
        await using var central = new CentralRecorder();
        await central.StartAsync(Central.Host, Central.Port);
        await using var gateway = new GatewayProcess(config);
        await using var node = new Node();
        await node.ConnectAsync(Local.Host, Local.Port);

        // Past enough that T+80 s is not a future timestamp.
        var t = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() - 120_000;
        await StartAndWaitConnectedAsync(gateway);
        await node.PublishAsync("a01", t, 0);
        await node.PublishAsync("a01", t + 20_000, 6);
        await node.PublishAsync("a02", t, 0);
        await node.PublishAsync("a02", t + 20_000, 6);
        await node.PublishAsync("a02", t + 40_000, 8);
        await node.PublishAsync("a02", t + 60_000, 0);
        var a01Open = EventIds.Create(Gateway, "a01", Cause, t + 20_000);
        var a02Episode = EventIds.Create(Gateway, "a02", Cause, t + 20_000);
        await Eventually.True(() => StoredRev(a01Open) == 1 && StoredRev(a02Episode) == 2, TimeSpan.FromSeconds(30),
            "a01's event is open and a02's closed before the kill\n" + gateway.Output);

        await gateway.KillAsync();
        await StartAndWaitConnectedAsync(gateway);
        // a02 first, as the broker would redeliver it; a01's readings after it, so a01's last close proves a02 was seen.
        await node.PublishAsync("a02", t + 40_000, 8);
        await node.PublishAsync("a02", t + 60_000, 0);
        await node.PublishAsync("a01", t + 40_000, 0);
        await node.PublishAsync("a01", t + 60_000, 6);
        await node.PublishAsync("a01", t + 80_000, 0);
        var a01Second = EventIds.Create(Gateway, "a01", Cause, t + 60_000);
        // Either a01's second episode closed (fixed) or its first event swallowed it and closed at T+80 (the defect).
        await Eventually.True(() => StoredRev(a01Second) == 2 || ClosedAt(a01Open) == t + 80_000,
            TimeSpan.FromSeconds(30), "the gateway processes the readings after the restart\n" + gateway.Output);
        await Eventually.True(() => GatewayDb.PendingRevisions(DbPath) == 0, TimeSpan.FromSeconds(30), "the outbox drains\n" + gateway.Output);
        await Eventually.True(() => central.DistinctIds().IsSupersetOf(GatewayDb.Events(DbPath).Keys), TimeSpan.FromSeconds(20), "central has every stored event");
        var skippedLogged = await LoggedWithinAsync(gateway, "already decided before the restart", TimeSpan.FromSeconds(10));
        await gateway.StopAsync();

        var atCentral = Episodes(central.Snapshot());
        output.WriteLine(string.Join("\n", atCentral.Select(e => $"{e.Asset} {e.Id} {e.StartMs - t}..{e.EndMs - t}")));
        Assert.Equal([("a01", 20_000L, (long?)40_000L), ("a01", 60_000L, 80_000L)], Relative(atCentral, "a01", t));
        Assert.Equal([("a02", 20_000L, (long?)60_000L)], Relative(atCentral, "a02", t));
        Assert.Equal([a01Open, a01Second, a02Episode], atCentral.Select(e => e.Id));
        Assert.True(skippedLogged, "the skipped redelivered readings are logged");
    }

    [Fact]
    public async Task KilledRepeatedlyWhileTheRuleToggles_EveryEpisodeHasExactlyOneEventId()
    {
        string[] assets = ["a01", "a02"];
        var config = GatewayFixtureConfig.Write(Dir.Path, Local.Port, Central.Port, assets);
        await using var central = new CentralRecorder();
        await central.StartAsync(Central.Host, Central.Port);
        await using var gateway = new GatewayProcess(config);
        await using var node = new Node();
        await node.ConnectAsync(Local.Host, Local.Port);

        // Ground truth: per asset, x alternates 0 / 6 with every message, so each 6 starts an episode and the next 0 ends it.
        var episodes = new List<(string Asset, long StartMs, long EndMs)>();
        var openSince = new Dictionary<string, long>();
        var rng = new Random(20261207);
        using var stop = new CancellationTokenSource();
        var step = 0;
        // The first start creates the gateway's broker session: only from then on are readings queued for it while it is down.
        await StartAndWaitConnectedAsync(gateway);
        var publisher = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested || step % 2 == 1)
            {
                var ts = await node.NextTimestampAsync();
                var high = step % 2 == 0;
                foreach (var asset in assets)
                {
                    await node.PublishAsync(asset, ts, high ? 6 : 0);
                    if (high)
                    {
                        openSince[asset] = ts;
                    }
                    else
                    {
                        episodes.Add((asset, openSince[asset], ts));
                    }
                }
                step++;
                await Task.Delay(10);
            }
        });
        for (var kill = 0; kill < 6; kill++)
        {
            if (kill > 0)
            {
                await StartAndWaitConnectedAsync(gateway);
            }
            await Task.Delay(TimeSpan.FromMilliseconds(rng.Next(300, 1500)));
            await gateway.KillAsync();
        }
        await stop.CancelAsync();
        await publisher;
        await StartAndWaitConnectedAsync(gateway);

        var expected = episodes.ToDictionary(e => EventIds.Create(Gateway, e.Asset, Cause, e.StartMs), e => e);
        // The last episode of each asset closed, nothing left to send: every reading has been through the pipeline.
        var lastIds = assets.Select(a => episodes.FindLast(e => e.Asset == a)).Select(e => EventIds.Create(Gateway, e.Asset, Cause, e.StartMs)).ToList();
        // When an episode was swallowed (the defect) its id never closes: the comparison below then says which.
        var settled = await WithinAsync(() => lastIds.All(id => StoredRev(id) >= 2) && GatewayDb.PendingRevisions(DbPath) == 0, TimeSpan.FromSeconds(60));
        await Eventually.True(() => central.DistinctIds().IsSupersetOf(GatewayDb.Events(DbPath).Keys), TimeSpan.FromSeconds(20), "central has every stored event");
        await gateway.StopAsync();

        var atCentral = Episodes(central.Snapshot());
        output.WriteLine($"{gateway.Starts} starts, {episodes.Count} episodes, {atCentral.Count} event ids at central");
        var extra = atCentral.Where(e => !expected.ContainsKey(e.Id)).Select(e => $"{e.Asset} {e.StartMs}..{e.EndMs}").ToList();
        var missing = expected.Keys.Except(atCentral.Select(e => e.Id)).Select(id => $"{expected[id].Asset} {expected[id].StartMs}").ToList();
        var wrongEnd = atCentral.Where(e => expected.TryGetValue(e.Id, out var x) && e.EndMs != x.EndMs)
            .Select(e => $"{e.Asset} {e.StartMs}..{e.EndMs} (expected end {expected[e.Id].EndMs})").ToList();
        Assert.True(extra.Count == 0 && missing.Count == 0 && wrongEnd.Count == 0,
            $"second ids: [{string.Join("; ", extra)}]; episodes without an id: [{string.Join("; ", missing)}]; wrong ends: [{string.Join("; ", wrongEnd)}]");
        Assert.True(settled, "the last episode of each asset closed and the outbox drained\n" + gateway.Output[^Math.Min(4000, gateway.Output.Length)..]);
        Assert.True(episodes.Count >= 50, $"the load should produce many episodes, got {episodes.Count}");
    }

    private async Task StartAndWaitConnectedAsync(GatewayProcess gateway)
    {
        var before = Occurrences(gateway.Output, "Pipeline started");
        var connectedBefore = Occurrences(gateway.Output, "Ingest connected");
        gateway.Start();
        await Eventually.True(() => Occurrences(gateway.Output, "Pipeline started") > before && Occurrences(gateway.Output, "Ingest connected") > connectedBefore,
            TimeSpan.FromSeconds(60), "the gateway starts and connects to the local broker\n" + gateway.Output);
    }

    private static Task<bool> LoggedWithinAsync(GatewayProcess gateway, string text, TimeSpan timeout) =>
        WithinAsync(() => gateway.Output.Contains(text, StringComparison.Ordinal), timeout);

    /// <summary>Like <see cref="Eventually.True"/>, but says whether the condition came true instead of throwing.</summary>
    private static async Task<bool> WithinAsync(Func<bool> condition, TimeSpan timeout)
    {
        try
        {
            await Eventually.True(condition, timeout, "");
            return true;
        }
        catch (TimeoutException)
        {
            return false;
        }
    }

    private int StoredRev(string id) => File.Exists(DbPath) && GatewayDb.Events(DbPath).TryGetValue(id, out var e) ? e.Rev : 0;

    private long? ClosedAt(string id) =>
        GatewayDb.Events(DbPath).TryGetValue(id, out var e) && JsonDocument.Parse(e.Payload).RootElement.TryGetProperty("end_ms", out var end)
            && end.ValueKind == JsonValueKind.Number ? end.GetInt64() : null;

    /// <summary>Each event id's latest revision received at central, by asset then start time.</summary>
    private static List<(string Id, string Asset, long StartMs, long? EndMs)> Episodes(IReadOnlyList<ReceivedRevision> received) =>
        [.. received.GroupBy(r => r.Id).Select(g => g.MaxBy(r => r.Rev)!).Select(r =>
        {
            var root = JsonDocument.Parse(r.Payload).RootElement;
            long? end = root.TryGetProperty("end_ms", out var e) && e.ValueKind == JsonValueKind.Number ? e.GetInt64() : null;
            return (r.Id, r.Asset, r.StartMs, end);
        }).OrderBy(e => e.Asset, StringComparer.Ordinal).ThenBy(e => e.StartMs)];

    private static List<(string, long, long?)> Relative(List<(string Id, string Asset, long StartMs, long? EndMs)> episodes, string asset, long t) =>
        [.. episodes.Where(e => e.Asset == asset).Select(e => (e.Asset, e.StartMs - t, e.EndMs - t))];

    private static int Occurrences(string text, string what)
    {
        var n = 0;
        for (var i = text.IndexOf(what, StringComparison.Ordinal); i >= 0; i = text.IndexOf(what, i + what.Length, StringComparison.Ordinal))
        {
            n++;
        }
        return n;
    }

    /// <summary>A node publishing one reading of tag x per QoS 1 message, with an explicit timestamp and no sequence number.</summary>
    private sealed class Node : IAsyncDisposable
    {
        private readonly IMqttClient _client = new MqttClientFactory().CreateMqttClient();
        private long _lastTs;

        public async Task ConnectAsync(string host, int port) =>
            await _client.ConnectAsync(new MqttClientOptionsBuilder().WithTcpServer(host, port).WithClientId("node-" + Guid.NewGuid().ToString("N")[..6]).Build());

        /// <summary>A timestamp later than the previous one and not ahead of the clock.</summary>
        public async Task<long> NextTimestampAsync()
        {
            var ts = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
            while (ts <= _lastTs)
            {
                await Task.Delay(1);
                ts = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
            }
            _lastTs = ts;
            return ts;
        }

        public async Task PublishAsync(string asset, long ts, double value)
        {
            var json = string.Create(CultureInfo.InvariantCulture, $"{{\"v\":1,\"ts\":{ts},\"readings\":[{{\"asset\":\"{asset}\",\"tag\":\"x\",\"value\":{value}}}]}}");
            var message = new MqttApplicationMessageBuilder().WithTopic("ea/v1/nodes/node-1/readings").WithPayload(Encoding.UTF8.GetBytes(json))
                .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build();
            await _client.PublishAsync(message);
        }

        public async ValueTask DisposeAsync()
        {
            if (_client.IsConnected)
            {
                await _client.DisconnectAsync();
            }
            _client.Dispose();
        }
    }
}
