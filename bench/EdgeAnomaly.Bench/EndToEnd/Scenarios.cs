using System.Diagnostics;
using System.Globalization;
using EdgeAnomaly.TestSupport;
using Microsoft.Data.Sqlite;
using MQTTnet;
using MQTTnet.Protocol;

namespace EdgeAnomaly.Bench.EndToEnd;

/// <summary>
/// End-to-end measurements against the real gateway process and real mosquitto brokers on loopback. Each prints
/// plain "name: value" lines; docs/benchmarks.md records them with the command that produced them.
/// </summary>
internal static class Scenarios
{
    private const string EventsFilter = "ea/v1/gateways/+/events/#";
    private const string HealthFilter = "ea/v1/gateways/+/health";

    private static double Seconds(long ticks) => (double)ticks / Stopwatch.Frequency;

    /// <summary>
    /// Benchmark 2: publish 50-reading batches as fast as one publisher can for <paramref name="seconds"/>; the bare
    /// subscriber and the gateway consume the same stream; rates are taken between health reports after a warm-up.
    /// </summary>
    public static async Task<int> IngestAsync(int seconds, MqttQualityOfServiceLevel qos, int assets, int inFlight, bool bareDeferredAck, int publishers = 1, int warmupSeconds = 3)
    {
        const int tags = 50;
        // Each asset belongs to one publisher connection, whose publishes the broker forwards in order, so per-tag
        // timestamps arrive increasing however many publishes are in flight.
        publishers = Math.Clamp(publishers, 1, assets);
        inFlight = Math.Max(inFlight, publishers);
        await using var local = await MosquittoBroker.StartAsync();
        await using var central = await MosquittoBroker.StartAsync();
        await using var gw = GatewayUnderTest.Create(new GatewaySetup(local.Port, central.Port, assets, tags, IntervalSeconds: 0));
        await using var server = new Listener();
        await server.StartAsync(central.Port, "ea/v1/gateways/+/#", MqttQualityOfServiceLevel.AtLeastOnce);
        await using var bare = new Listener(tags, bareDeferredAck);
        await bare.StartAsync(local.Port, BenchNode.Topic.Replace(BenchNode.NodeId, "+", StringComparison.Ordinal), qos);

        // Pair every health report with the bare subscriber's count at the same instant.
        var pairs = new List<(long Ticks, long Gateway, long Bare)>();
        server.OnHealth = h =>
        {
            lock (pairs)
            {
                pairs.Add((h.ArrivalTicks, h.Readings, bare.Readings));
            }
        };
        gw.Start();
        await WaitAsync(() => server.Health.Count > 0, TimeSpan.FromSeconds(60), "the gateway's first health report", gw);
        var nodes = new BenchNode[publishers];
        for (var p = 0; p < publishers; p++)
        {
            nodes[p] = new BenchNode(assets, tags, p, publishers);
            await nodes[p].ConnectAsync(local.Host, local.Port);
        }

        var start = Stopwatch.GetTimestamp();
        var end = start + (seconds * Stopwatch.Frequency);
        // A publish whose PUBACK never comes fails the run instead of holding it.
        using var publishTimeout = new CancellationTokenSource(TimeSpan.FromSeconds(seconds + 60));
        var loops = new Task[publishers];
        for (var p = 0; p < publishers; p++)
        {
            var node = nodes[p];
            var window = Math.Max(1, inFlight / publishers);
            loops[p] = Task.Run(() => PublishUntilAsync(node, qos, window, end, publishTimeout.Token));
        }
        await Task.WhenAll(loops);
        var publishEnd = Stopwatch.GetTimestamp();
        var sent = 0L;
        foreach (var node in nodes)
        {
            sent += node.ReadingsSent;
        }

        // Let the gateway catch up (it reads a backlog from mosquitto if it was slower), or stop growing for 5 s, but
        // never longer than the catch-up deadline: a link that crawls still grows, and the benchmark must end.
        var last = -1L;
        var stableSince = Stopwatch.GetTimestamp();
        var catchUpDeadline = publishEnd + (Math.Max(60, 3 * seconds) * Stopwatch.Frequency);
        var caughtUpInTime = false;
        while (Seconds(Stopwatch.GetTimestamp() - stableSince) < 5 && Stopwatch.GetTimestamp() < catchUpDeadline)
        {
            var h = server.Health;
            var now = h.Count > 0 ? h[^1].Readings : 0;
            if (now >= sent)
            {
                caughtUpInTime = true;
                break;
            }
            if (now != last)
            {
                last = now;
                stableSince = Stopwatch.GetTimestamp();
            }
            await Task.Delay(250);
        }
        var caughtUp = Stopwatch.GetTimestamp();
        var health = server.Health;
        List<(long Ticks, long Gateway, long Bare)> inWindow;
        lock (pairs)
        {
            var from = start + (warmupSeconds * Stopwatch.Frequency);
            inWindow = pairs.Where(p => p.Ticks >= from && p.Ticks <= publishEnd).ToList();
        }
        foreach (var node in nodes)
        {
            await node.DisposeAsync();
        }
        Console.WriteLine($"scenario: ingest qos={(int)qos} seconds={seconds} batch={tags} assets={assets} tags={assets * tags} publishers={publishers} qos1_in_flight={inFlight} bare_deferred_ack={bareDeferredAck}");
        Console.WriteLine($"published_readings: {sent}");
        Console.WriteLine($"publisher_readings_per_s: {sent / Seconds(publishEnd - start):F0}");
        Console.WriteLine($"bare_received_total: {bare.Readings}");
        Console.WriteLine($"gateway_accepted_total: {health[^1].Readings}");
        Console.WriteLine($"gateway_rejected_total: {health[^1].RejectedTotal}");
        Console.WriteLine($"gateway_catch_up_s_after_publish_end: {Seconds(caughtUp - publishEnd):F1}");
        if (!caughtUpInTime)
        {
            var accepted = health.Count > 0 ? health[^1].Readings : 0;
            Console.WriteLine($"FAILED catch_up: the gateway accepted {accepted} of {sent} published readings (missing {sent - accepted}; "
                + $"bare subscriber {bare.Readings}) {Seconds(caughtUp - publishEnd):F0} s after publishing stopped");
        }
        if (inWindow.Count < 2)
        {
            Console.WriteLine("window: fewer than 2 health reports inside the publish window; no rate computed");
            return 1;
        }
        var (t0, g0, b0) = inWindow[0];
        var (t1, g1, b1) = inWindow[^1];
        var dt = Seconds(t1 - t0);
        var gwRate = (g1 - g0) / dt;
        var bareRate = (b1 - b0) / dt;
        Console.WriteLine($"window_s: {dt:F1} (health reports {inWindow.Count}, after {warmupSeconds} s warm-up)");
        Console.WriteLine($"bare_readings_per_s: {bareRate:F0}");
        Console.WriteLine($"gateway_readings_per_s: {gwRate:F0}");
        Console.WriteLine($"ratio_gateway_over_bare: {gwRate / bareRate:F3}");
        return caughtUpInTime ? 0 : 1;
    }

    /// <summary>
    /// One publisher connection until <paramref name="end"/>: QoS 0 back to back; QoS 1 with a sliding window of
    /// <paramref name="window"/> publishes awaiting PUBACK (a new one starts as soon as any completes).
    /// </summary>
    private static async Task PublishUntilAsync(BenchNode node, MqttQualityOfServiceLevel qos, int window, long end, CancellationToken timeout)
    {
        if (qos == MqttQualityOfServiceLevel.AtMostOnce)
        {
            while (Stopwatch.GetTimestamp() < end)
            {
                await node.PublishAsync(node.Next(qos, false, out _, out _), timeout);
            }
            return;
        }
        var pending = new List<Task>(window);
        while (Stopwatch.GetTimestamp() < end)
        {
            while (pending.Count < window)
            {
                pending.Add(node.PublishAsync(node.Next(qos, false, out _, out _), timeout));
            }
            var done = await Task.WhenAny(pending);
            await done;
            pending.Remove(done);
        }
        await Task.WhenAll(pending);
    }

    /// <summary>
    /// Benchmark 3: a steady <paramref name="readingsPerSecond"/> in 50-reading QoS 1 messages; every
    /// <paramref name="tripEvery"/>-th message carries t00 = 5000 (rule x-high, cooldown 0 s). Latency is publish to
    /// (a) the event's log line (written after the SQLite commit) and (b) arrival at the central subscriber.
    /// Trips in the first <paramref name="warmupSeconds"/> are sent alike but reported apart: the first ones run the
    /// event path's code for the first time (JIT), which a gateway does once per start, not in steady state.
    /// </summary>
    public static async Task<int> LatencyAsync(int seconds, int readingsPerSecond, int tripEvery, int offBoxNice, int warmupSeconds)
    {
        const int assets = 20, tags = 50;
        await using var local = await MosquittoBroker.StartAsync();
        await using var central = await MosquittoBroker.StartAsync();
        await using var gw = GatewayUnderTest.Create(new GatewaySetup(local.Port, central.Port, assets, tags, IntervalSeconds: 0));
        await using var server = new Listener();
        await server.StartAsync(central.Port, "ea/v1/gateways/+/#", MqttQualityOfServiceLevel.AtLeastOnce);
        gw.Start();
        await WaitAsync(() => server.Health.Count > 0, TimeSpan.FromSeconds(60), "the gateway's first health report", gw);
        await using var node = new BenchNode(assets, tags);
        await node.ConnectAsync(local.Host, local.Port);
        if (offBoxNice != 0)
        {
            // After the gateway and the local broker were started (children inherit their creator's nice): only the
            // roles that are off the box in production (nodes, central broker, central subscriber) are lowered.
            var benchThreads = OffBoxPriority.Apply(Environment.ProcessId, offBoxNice);
            var centralThreads = central.Pid is { } centralPid ? OffBoxPriority.Apply(centralPid, offBoxNice) : 0;
            Console.WriteLine($"off_box_nice: {offBoxNice} (bench threads {benchThreads}, central broker threads {centralThreads})");
        }

        var messagesPerSecond = (double)readingsPerSecond / tags;
        var period = (long)(Stopwatch.Frequency / messagesPerSecond);
        var trips = new Dictionary<(string Asset, long Ts), (long Ticks, DateTime Local)>();
        var tripOrder = new List<(string Asset, long Ts)>();
        var start = Stopwatch.GetTimestamp();
        var startLocal = DateTime.Now;
        var end = start + (seconds * Stopwatch.Frequency);
        long k = 0;
        var lateSends = 0;
        while (true)
        {
            var due = start + (k * period);
            if (due >= end)
            {
                break;
            }
            var wait = due - Stopwatch.GetTimestamp();
            if (wait > Stopwatch.Frequency / 500)
            {
                await Task.Delay(TimeSpan.FromSeconds(Seconds(wait)));
            }
            else if (wait < -Stopwatch.Frequency / 100)
            {
                lateSends++; // more than 10 ms behind schedule: the publisher, not the gateway, was starved
            }
            var trip = k % tripEvery == 0;
            var message = node.Next(MqttQualityOfServiceLevel.AtLeastOnce, trip, out var asset, out var ts);
            if (trip)
            {
                trips[(asset, ts)] = (Stopwatch.GetTimestamp(), DateTime.Now);
                tripOrder.Add((asset, ts));
            }
            await node.PublishAsync(message);
            k++;
        }
        var publishEnd = Stopwatch.GetTimestamp();
        await WaitAsync(() => server.Events.Count(e => e.Source == GatewayUnderTest.TripRuleSource && e.Rev == 1) >= trips.Count,
            TimeSpan.FromSeconds(20), "every tripping reading's event", gw, throwOnTimeout: false);

        var measuredFrom = start + (warmupSeconds * Stopwatch.Frequency);
        var measuredFromLocal = startLocal.TimeOfDay + TimeSpan.FromSeconds(warmupSeconds);
        var uplinkMs = new List<double>();
        var uplinked = 0;
        foreach (var e in server.Events)
        {
            if (e.Source == GatewayUnderTest.TripRuleSource && e.Rev == 1 && trips.TryGetValue((e.Asset, e.StartMs), out var sentAt))
            {
                uplinked++;
                if (sentAt.Ticks >= measuredFrom)
                {
                    uplinkMs.Add(Seconds(e.ArrivalTicks - sentAt.Ticks) * 1000);
                }
            }
        }
        var allCommitSamples = CommitLatenciesFromLog(gw.Output, tripOrder, trips);
        var warmupSamples = allCommitSamples.FindAll(x => x.Sent < measuredFromLocal);
        var commitSamples = allCommitSamples.FindAll(x => x.Sent >= measuredFromLocal);
        var commitMs = commitSamples.ConvertAll(x => x.Ms);
        Console.WriteLine($"scenario: latency seconds={seconds} target_readings_per_s={readingsPerSecond} trip_every={tripEvery} messages");
        Console.WriteLine($"achieved_readings_per_s: {node.ReadingsSent / Seconds(publishEnd - start):F0} (late sends > 10 ms: {lateSends})");
        Console.WriteLine($"tripping_readings: {trips.Count} (warm-up, first {warmupSeconds} s: {warmupSamples.Count}, publish -> commit max "
            + $"{(warmupSamples.Count > 0 ? warmupSamples.Max(x => x.Ms) : double.NaN):F1} ms; not in the figures below)");
        Report("publish_to_uplinked_ms", uplinkMs);
        Report("publish_to_commit_log_ms", commitMs);
        // The tail is what the target is about: name the slowest samples so they can be matched with the gateway's log.
        commitSamples.Sort((a, b) => b.Ms.CompareTo(a.Ms));
        var health = server.Health;
        foreach (var (sent, ms) in commitSamples.Take(5))
        {
            // The health report that covers the sample (the first one after it) names the pipeline's longest phases then.
            var covering = health.FirstOrDefault(h => h.Pipeline is not null && h.ArrivalTicks > start
                && TimeSpan.FromSeconds(Seconds(h.ArrivalTicks - start)) > sent - startLocal.TimeOfDay);
            Console.WriteLine($"slow_commit: sent {sent:hh\\:mm\\:ss\\.fff} +{ms:F1} ms; {Describe(covering.Pipeline)}");
        }
        ReportPipeline(health, start, publishEnd);
        if (Environment.GetEnvironmentVariable("EA_BENCH_GATEWAY_LOG") is { Length: > 0 } logPath)
        {
            File.WriteAllText(logPath, gw.Output);
        }
        return uplinked == trips.Count ? 0 : 1;
    }

    private static string Describe(PipelineHealth? p) => p is null
        ? "no pipeline figures in that health report"
        : $"that second's pipeline max: batch {p.BatchMs:F1} ms, commit {p.CommitMs:F1} ms (lock wait {p.CommitLockWaitMs:F1}, COMMIT+fsync {p.CommitSyncMs:F1}), tick {p.TickMs:F1} ms, flush slice {p.FlushSliceMs:F1} ms";

    /// <summary>Over the health reports inside [from, to]: the longest of each pipeline phase and the GCs that ran.</summary>
    private static void ReportPipeline(List<HealthSample> health, long from, long to)
    {
        var inRun = health.Where(h => h.Pipeline is not null && h.ArrivalTicks > from && h.ArrivalTicks <= to).Select(h => h.Pipeline!).ToList();
        if (inRun.Count < 2)
        {
            Console.WriteLine("pipeline: fewer than 2 health reports with pipeline figures in the run");
            return;
        }
        static string Dist(List<double> v)
        {
            v.Sort();
            return $"p50 {v[v.Count / 2]:F1} / p90 {v[(int)(v.Count * 0.9)]:F1} / max {v[^1]:F1}";
        }
        Console.WriteLine($"pipeline_max_ms per health report ({inRun.Count}): batch {Dist(inRun.ConvertAll(p => p.BatchMs))}; commit {Dist(inRun.ConvertAll(p => p.CommitMs))}; "
            + $"tick {Dist(inRun.ConvertAll(p => p.TickMs))}; flush_slice {Dist(inRun.ConvertAll(p => p.FlushSliceMs))}; commit_lock_wait {Dist(inRun.ConvertAll(p => p.CommitLockWaitMs))}; commit_sync {Dist(inRun.ConvertAll(p => p.CommitSyncMs))}");
        var (first, last) = (inRun[0], inRun[^1]);
        Console.WriteLine($"gc_in_run: gen0 {last.Gen0 - first.Gen0} gen1 {last.Gen1 - first.Gen1} gen2 {last.Gen2 - first.Gen2} pause_ms {last.GcPauseMs - first.GcPauseMs:F1}; rss_mb {last.RssBytes / 1e6:F1}");
    }

    /// <summary>
    /// The gateway logs each committed revision (event id 102) with a HH:mm:ss.fff local timestamp; the k-th open of
    /// x-high on an asset belongs to the k-th tripping reading sent for that asset.
    /// </summary>
    private static List<(TimeSpan Sent, double Ms)> CommitLatenciesFromLog(string output, List<(string Asset, long Ts)> order,
        Dictionary<(string Asset, long Ts), (long Ticks, DateTime Local)> trips)
    {
        var opens = new Dictionary<string, Queue<TimeSpan>>(StringComparer.Ordinal);
        foreach (var line in output.Split('\n'))
        {
            if (!line.Contains("source=" + GatewayUnderTest.TripRuleSource, StringComparison.Ordinal) || !line.Contains(" open ", StringComparison.Ordinal))
            {
                continue;
            }
            var at = line.IndexOf("asset=", StringComparison.Ordinal);
            if (at < 0 || line.Length < 12 || !TimeSpan.TryParseExact(line[..12], @"hh\:mm\:ss\.fff", CultureInfo.InvariantCulture, out var time))
            {
                continue;
            }
            var asset = line[(at + 6)..line.IndexOf(' ', at)];
            if (!opens.TryGetValue(asset, out var q))
            {
                opens[asset] = q = new Queue<TimeSpan>();
            }
            q.Enqueue(time);
        }
        var result = new List<(TimeSpan Sent, double Ms)>();
        foreach (var key in order)
        {
            if (opens.TryGetValue(key.Asset, out var q) && q.Count > 0)
            {
                var logged = q.Dequeue();
                var sent = trips[key].Local.TimeOfDay;
                result.Add((sent, (logged - sent).TotalMilliseconds));
            }
        }
        return result;
    }

    /// <summary>
    /// Benchmark 4: central broker down; every message flips t00 of all 20 assets across 1000 so each message adds 20
    /// event revisions to the outbox. Once <paramref name="revisions"/> are stored, the broker comes back and a central
    /// subscriber times the delivery. With <paramref name="tls"/> the central broker only listens with TLS (a test
    /// CA's certificate) and the gateway and mosquitto_sub verify it against that CA, as in production.
    /// </summary>
    public static async Task<int> DrainAsync(int revisions, string subscriber, bool tls)
    {
        const int assets = 20;
        using var certificateDir = new TempDirectory();
        var certificates = tls ? TestCertificates.Create(certificateDir.Path, "Bench CA", ["localhost"], [System.Net.IPAddress.Loopback]) : null;
        await using var local = await MosquittoBroker.StartAsync();
        await using var central = await MosquittoBroker.StartAsync(security: certificates is null ? null : new MosquittoSecurity(certificates));
        await central.StopAsync();
        await using var gw = GatewayUnderTest.Create(new GatewaySetup(local.Port, central.Port, assets, 4, IntervalSeconds: 0,
            Statistics: false, DataQuality: false, CentralCaFile: certificates?.CaFile));
        gw.Start();
        // No health without the central broker: the ingest client's "connected" log line says the subscription is about to exist.
        await WaitAsync(() => gw.Output.Contains("Ingest connected", StringComparison.Ordinal), TimeSpan.FromSeconds(60), "the ingest connection", gw);
        await Task.Delay(500); // the SUBSCRIBE follows the CONNACK
        var client = new MqttClientFactory().CreateMqttClient();
        await client.ConnectAsync(new MqttClientOptionsBuilder().WithTcpServer(local.Host, local.Port).WithStreamProvider(EdgeAnomaly.Mqtt.KernelTunedTcp.Instance)
            .WithClientId("bench-flipper").WithTimeout(TimeSpan.FromSeconds(30)).Build());
        var messages = (revisions + assets - 1) / assets;
        var lastTs = 0L;
        var fill = Stopwatch.GetTimestamp();
        for (var m = 0; m < messages; m++)
        {
            var ts = Math.Max(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), lastTs + 1);
            lastTs = ts;
            var value = m % 2 == 0 ? 5000 : 0;
            var sb = new System.Text.StringBuilder(1024);
            sb.Append(CultureInfo.InvariantCulture, $"{{\"v\":1,\"ts\":{ts},\"readings\":[");
            for (var a = 0; a < assets; a++)
            {
                sb.Append(a == 0 ? "" : ",").Append(CultureInfo.InvariantCulture,
                    $"{{\"asset\":\"{GatewayUnderTest.AssetName(a)}\",\"tag\":\"t00\",\"value\":{value}}}");
            }
            sb.Append("]}");
            await client.PublishAsync(new MqttApplicationMessageBuilder().WithTopic(BenchNode.Topic).WithPayload(sb.ToString())
                .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build());
        }
        var expected = messages * assets;
        await WaitAsync(() => OutboxCount(gw.DatabasePath) >= expected, TimeSpan.FromSeconds(180), $"{expected} outbox rows", gw);
        var filled = Stopwatch.GetTimestamp();
        await client.DisconnectAsync();
        client.Dispose();

        await central.StartAsync();
        var brokerBack = Stopwatch.GetTimestamp();
        var gwCpuBack = CpuSeconds(gw.Pid);
        var gwSwitchesBack = ContextSwitches(gw.Pid);
        // The subscriber decides what is measured: an MQTTnet one acking inside its handler holds its receive loop
        // on every PUBACK write and can be the slowest peer; mosquitto_sub (C, own process) is the fair consumer.
        List<EventArrival> events;
        double subscriberCpu;
        if (subscriber == "mosquitto_sub")
        {
            await using var sub = new MosquittoSubListener();
            var anchorTicks = Stopwatch.GetTimestamp();
            var anchorUnix = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / 1000.0;
            await sub.StartAsync(central.Port, EventsFilter, certificates?.CaFile);
            await WaitAsync(() => sub.EventCount >= expected, TimeSpan.FromSeconds(180), $"{expected} events at the central subscriber", gw,
                throwOnTimeout: false);
            subscriberCpu = sub.Pid is { } sp ? CpuSeconds(sp) : double.NaN;
            events = sub.Events(anchorTicks, anchorUnix);
        }
        else
        {
            await using var server = new Listener(deferredAck: subscriber == "mqttnet-deferred");
            var selfBefore = Process.GetCurrentProcess().TotalProcessorTime.TotalSeconds;
            await server.StartAsync(central.Port, EventsFilter, MqttQualityOfServiceLevel.AtLeastOnce);
            await WaitAsync(() => server.EventCount >= expected, TimeSpan.FromSeconds(180), $"{expected} events at the central subscriber", gw,
                throwOnTimeout: false);
            subscriberCpu = Process.GetCurrentProcess().TotalProcessorTime.TotalSeconds - selfBefore; // the bench process, incl. its polling
            events = server.Events;
        }
        var gwCpu = CpuSeconds(gw.Pid) - gwCpuBack;
        var gwSwitches = SwitchesSince(gwSwitchesBack, ContextSwitches(gw.Pid));
        var brokerCpu = central.Pid is { } bp ? CpuSeconds(bp) : double.NaN;
        Console.WriteLine($"scenario: drain revisions={expected} (open+close of {expected / 2} events) subscriber={subscriber} central={(tls ? "tls" : "plain")}");
        Console.WriteLine($"outbox_filled_in_s: {Seconds(filled - fill):F1}");
        Console.WriteLine($"received: {events.Count} distinct: {events.Select(e => (e.Asset, e.StartMs, e.Rev)).Distinct().Count()}");
        Console.WriteLine($"cpu_s broker_back_to_end: gateway {gwCpu:F2} central_broker {brokerCpu:F2} subscriber {subscriberCpu:F2}");
        Console.WriteLine($"gateway_cpu_us_per_revision: {gwCpu * 1e6 / Math.Max(1, events.Count):F1}");
        Console.WriteLine($"gateway_context_switches_per_revision: {(double)gwSwitches / Math.Max(1, events.Count):F2} (threads alive at the end; a lower bound)");
        if (events.Count < 2)
        {
            return 1;
        }
        events.Sort((a, b) => a.ArrivalTicks.CompareTo(b.ArrivalTicks));
        var first = events[0].ArrivalTicks;
        var lastArrival = events[^1].ArrivalTicks;
        Console.WriteLine($"first_event_after_broker_back_s: {Seconds(first - brokerBack):F2}");
        Console.WriteLine($"drain_first_to_last_s: {Seconds(lastArrival - first):F2}");
        Console.WriteLine($"drain_events_per_s (first to last arrival): {(events.Count - 1) / Seconds(lastArrival - first):F0}");
        Console.WriteLine($"drain_events_per_s (broker back to last arrival): {events.Count / Seconds(lastArrival - brokerBack):F0}");
        return events.Count >= expected ? 0 : 1;
    }

    /// <summary>
    /// Benchmark 5: <paramref name="tags"/> tags (50 per asset) at <paramref name="hz"/> readings per tag per second for
    /// <paramref name="seconds"/>; samples RSS every 10 s and /proc/PID/io write_bytes after a 30 s warm-up and at the end.
    /// </summary>
    public static async Task<int> FootprintAsync(int tags, double hz, int seconds, bool detectors, string? flushInterval)
    {
        const int perAsset = 50;
        var assets = Math.Max(1, tags / perAsset);
        await using var local = await MosquittoBroker.StartAsync();
        await using var central = await MosquittoBroker.StartAsync();
        await using var gw = GatewayUnderTest.Create(new GatewaySetup(local.Port, central.Port, assets, perAsset, IntervalSeconds: 1 / hz,
            Statistics: detectors, DataQuality: detectors, HealthInterval: "00:00:10", ReadingsFlushInterval: flushInterval));
        await using var server = new Listener();
        await server.StartAsync(central.Port, HealthFilter, MqttQualityOfServiceLevel.AtMostOnce);
        gw.Start();
        await WaitAsync(() => server.Health.Count > 0, TimeSpan.FromSeconds(60), "the gateway's first health report", gw);
        await using var node = new BenchNode(assets, perAsset);
        await node.ConnectAsync(local.Host, local.Port);

        var start = Stopwatch.GetTimestamp();
        var period = (long)(Stopwatch.Frequency / hz);
        var rss = new List<(double At, long Bytes)>();
        long? ioStart = null;
        var ioStartAt = 0.0;
        var nextSample = 0.0;
        for (long round = 0; ; round++)
        {
            var due = start + (round * period);
            var now = Stopwatch.GetTimestamp();
            var elapsed = Seconds(now - start);
            if (elapsed >= seconds)
            {
                break;
            }
            if (elapsed >= nextSample)
            {
                rss.Add((elapsed, gw.RssBytes()));
                nextSample += 10;
            }
            if (ioStart is null && elapsed >= 30)
            {
                ioStart = gw.WriteBytes();
                ioStartAt = elapsed;
            }
            if (due > now)
            {
                await Task.Delay(TimeSpan.FromSeconds(Seconds(due - now)));
            }
            for (var a = 0; a < assets; a++)
            {
                await node.PublishAsync(node.Next(MqttQualityOfServiceLevel.AtLeastOnce, false, out _, out _));
            }
        }
        var endAt = Seconds(Stopwatch.GetTimestamp() - start);
        var ioEnd = gw.WriteBytes();
        rss.Add((endAt, gw.RssBytes()));
        var memory = gw.MemoryBreakdown();
        var health = server.Health;
        Console.WriteLine($"scenario: footprint tags={assets * perAsset} hz={hz} seconds={seconds} statistics_and_dq={detectors} readings_flush={flushInterval ?? "default"} gateway={gw.Command}");
        Console.WriteLine($"memory_at_end: {memory}");
        Console.WriteLine($"readings_sent: {node.ReadingsSent} gateway_accepted: {(health.Count > 0 ? health[^1].Readings : -1)} rejected: {(health.Count > 0 ? health[^1].RejectedTotal : -1)} events_opened: {(health.Count > 0 ? health[^1].EventsOpened : -1)}");
        Console.WriteLine("rss_mb_samples: " + string.Join(" ", rss.Select(r => string.Create(CultureInfo.InvariantCulture, $"{r.At:F0}s={r.Bytes / 1048576.0:F1}"))));
        var tail = rss.Where(r => r.At >= endAt * 2 / 3).Select(r => r.Bytes / 1048576.0).ToList();
        Console.WriteLine($"rss_mb_last_third: min={tail.Min():F1} max={tail.Max():F1} last={rss[^1].Bytes / 1048576.0:F1}");
        Console.WriteLine($"rss_mb_max_overall: {rss.Max(r => r.Bytes) / 1048576.0:F1}");
        if (ioStart is { } io0)
        {
            var span = endAt - ioStartAt;
            var bytes = ioEnd - io0;
            Console.WriteLine($"write_bytes: {bytes} over {span:F0} s (from t=30 s) = {bytes / span:F0} B/s");
            Console.WriteLine($"write_mb_per_hour_EXTRAPOLATED: {bytes / span * 3600 / 1048576.0:F1}");
        }
        Console.WriteLine($"db_file_bytes_at_end: {new FileInfo(gw.DatabasePath).Length}");
        return 0;
    }

    private static long OutboxCount(string db)
    {
        if (!File.Exists(db))
        {
            return 0;
        }
        try
        {
            using var c = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = db, Mode = SqliteOpenMode.ReadOnly, Pooling = false }.ToString());
            c.Open();
            using var cmd = c.CreateCommand();
            cmd.CommandText = "SELECT count(*) FROM outbox";
            return (long)cmd.ExecuteScalar()!;
        }
        catch (SqliteException)
        {
            return 0; // schema not created yet, or busy: ask again
        }
    }

    private static void Report(string name, List<double> ms)
    {
        if (ms.Count == 0)
        {
            Console.WriteLine($"{name}: no samples");
            return;
        }
        ms.Sort();
        double P(double q) => ms[Math.Min(ms.Count - 1, (int)Math.Ceiling(q * ms.Count) - 1)];
        Console.WriteLine($"{name}: n={ms.Count} p50={P(0.50):F2} p90={P(0.90):F2} p99={P(0.99):F2} max={ms[^1]:F2} min={ms[0]:F2}");
    }

    /// <summary>User + system CPU of a process so far (/proc via Process; 10 ms resolution on Linux).</summary>
    /// <summary>
    /// Voluntary + involuntary context switches per thread (/proc/PID/task/TID/status). The difference of two samples
    /// (<see cref="SwitchesSince"/>) counts the threads alive at the second one, so it is a lower bound: a thread that
    /// exited in between takes its switches with it.
    /// </summary>
    private static Dictionary<int, long> ContextSwitches(int pid)
    {
        var perThread = new Dictionary<int, long>();
        foreach (var task in Directory.EnumerateDirectories($"/proc/{pid}/task"))
        {
            try
            {
                var total = 0L;
                foreach (var line in File.ReadLines(Path.Combine(task, "status")))
                {
                    if (line.StartsWith("voluntary_ctxt_switches:", StringComparison.Ordinal)
                        || line.StartsWith("nonvoluntary_ctxt_switches:", StringComparison.Ordinal))
                    {
                        total += long.Parse(line.AsSpan(line.IndexOf(':', StringComparison.Ordinal) + 1).Trim(), CultureInfo.InvariantCulture);
                    }
                }
                perThread[int.Parse(Path.GetFileName(task), CultureInfo.InvariantCulture)] = total;
            }
            catch (IOException)
            {
                // the thread exited while being read
            }
        }
        return perThread;
    }

    private static long SwitchesSince(Dictionary<int, long> before, Dictionary<int, long> after)
    {
        var sum = 0L;
        foreach (var (tid, count) in after)
        {
            sum += count - before.GetValueOrDefault(tid);
        }
        return sum;
    }

    private static double CpuSeconds(int pid)
    {
        using var p = Process.GetProcessById(pid);
        return p.TotalProcessorTime.TotalSeconds;
    }

    private static async Task WaitAsync(Func<bool> condition, TimeSpan timeout, string what, GatewayUnderTest gw, bool throwOnTimeout = true)
    {
        var deadline = Stopwatch.GetTimestamp() + (long)(timeout.TotalSeconds * Stopwatch.Frequency);
        while (!condition())
        {
            if (gw.HasExited)
            {
                throw new InvalidOperationException($"the gateway exited while waiting for {what}:\n{gw.Output}");
            }
            if (Stopwatch.GetTimestamp() > deadline)
            {
                if (throwOnTimeout)
                {
                    throw new TimeoutException($"timed out waiting for {what}; gateway output:\n{Tail(gw.Output)}");
                }
                Console.WriteLine($"timeout: waited {timeout.TotalSeconds} s for {what}");
                return;
            }
            await Task.Delay(100);
        }
    }

    private static string Tail(string s) => s.Length > 4000 ? s[^4000..] : s;
}
