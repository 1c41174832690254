using System.Diagnostics;
using System.Text.Json;
using MQTTnet;
using MQTTnet.Protocol;

namespace EdgeAnomaly.Bench.EndToEnd;

/// <summary>A health report as received: arrival (Stopwatch ticks) and the gateway's counters.</summary>
internal readonly record struct HealthSample(long ArrivalTicks, long Readings, long RejectedTotal, long Backlog, long EventsUplinked, long EventsOpened)
{
    /// <summary>The report's "pipeline_max_ms" and "runtime" sections (absent from older gateways: null).</summary>
    public PipelineHealth? Pipeline { get; init; }
}

/// <summary>Longest pipeline phases since the previous report, and the GC totals at this report.</summary>
internal sealed record PipelineHealth(double BatchMs, double CommitMs, double TickMs, double FlushSliceMs, long RssBytes, int Gen0, int Gen1, int Gen2, double GcPauseMs)
{
    public double CommitLockWaitMs { get; init; }
    public double CommitSyncMs { get; init; }
}

/// <summary>An event revision as received by the central subscriber.</summary>
internal readonly record struct EventArrival(long ArrivalTicks, string Asset, string Source, int Rev, long StartMs);

/// <summary>
/// A plain MQTTnet subscriber. On the local broker it is the "bare subscriber" peer (counts readings messages);
/// on the central broker it stands in for the server (health reports and event revisions).
/// </summary>
internal sealed class Listener : IAsyncDisposable
{
    private readonly IMqttClient _client = new MqttClientFactory().CreateMqttClient();
    private readonly List<HealthSample> _health = [];
    private readonly List<EventArrival> _events = [];
    private readonly int _readingsPerMessage;
    private long _messages;

    public Listener(int readingsPerMessage = 0, bool deferredAck = false)
    {
        _readingsPerMessage = readingsPerMessage;
        _deferredAck = deferredAck;
    }

    private readonly bool _deferredAck;

    /// <summary>Readings seen by this subscriber (messages x readings per message).</summary>
    public long Readings => Interlocked.Read(ref _messages) * _readingsPerMessage;

    public Action<HealthSample>? OnHealth { get; set; }

    public List<HealthSample> Health
    {
        get
        {
            lock (_health)
            {
                return [.. _health];
            }
        }
    }

    public List<EventArrival> Events
    {
        get
        {
            lock (_events)
            {
                return [.. _events];
            }
        }
    }

    public int EventCount
    {
        get
        {
            lock (_events)
            {
                return _events.Count;
            }
        }
    }

    public async Task StartAsync(int port, string topicFilter, MqttQualityOfServiceLevel qos)
    {
        _client.ApplicationMessageReceivedAsync += e =>
        {
            var now = Stopwatch.GetTimestamp();
            var topic = e.ApplicationMessage.Topic;
            if (_deferredAck && e.ApplicationMessage.QualityOfServiceLevel != MqttQualityOfServiceLevel.AtMostOnce)
            {
                // Like the gateway's ingest client: do not hold the receive loop on the PUBACK write.
                e.AutoAcknowledge = false;
                _ = e.AcknowledgeAsync(CancellationToken.None);
            }
            if (topic.EndsWith("/readings", StringComparison.Ordinal))
            {
                Interlocked.Increment(ref _messages);
            }
            else if (topic.EndsWith("/health", StringComparison.Ordinal))
            {
                using var doc = JsonDocument.Parse(e.ApplicationMessage.Payload);
                var r = doc.RootElement;
                var sample = new HealthSample(now, r.GetProperty("readings").GetInt64(), r.GetProperty("rejected_total").GetInt64(),
                    r.GetProperty("backlog").GetInt64(), r.GetProperty("events_uplinked").GetInt64(), r.GetProperty("events_opened").GetInt64())
                {
                    Pipeline = r.TryGetProperty("pipeline_max_ms", out var p) && r.TryGetProperty("runtime", out var rt)
                        ? new PipelineHealth(p.GetProperty("batch").GetDouble(), p.GetProperty("commit").GetDouble(), p.GetProperty("tick").GetDouble(),
                            p.GetProperty("flush_slice").GetDouble(), rt.GetProperty("rss_bytes").GetInt64(), rt.GetProperty("gc_gen0").GetInt32(),
                            rt.GetProperty("gc_gen1").GetInt32(), rt.GetProperty("gc_gen2").GetInt32(), rt.GetProperty("gc_pause_ms").GetDouble())
                        {
                            CommitLockWaitMs = p.TryGetProperty("commit_lock_wait", out var lw) ? lw.GetDouble() : double.NaN,
                            CommitSyncMs = p.TryGetProperty("commit_sync", out var cs) ? cs.GetDouble() : double.NaN,
                        }
                        : null,
                };
                lock (_health)
                {
                    _health.Add(sample);
                }
                OnHealth?.Invoke(sample);
            }
            else if (topic.Contains("/events/", StringComparison.Ordinal))
            {
                using var doc = JsonDocument.Parse(e.ApplicationMessage.Payload);
                var r = doc.RootElement;
                var arrival = new EventArrival(now, r.GetProperty("asset").GetString()!, r.GetProperty("source").GetString()!,
                    r.GetProperty("rev").GetInt32(), r.GetProperty("start_ms").GetInt64());
                lock (_events)
                {
                    _events.Add(arrival);
                }
            }
            return Task.CompletedTask;
        };
        // Kernel-tuned socket buffers, as the gateway's clients: MQTTnet's own locked 16 KiB receive buffer makes a
        // subscriber that falls behind a backlog crawl (docs/storage.md, "Uplink"), which measured the bench, not the gateway.
        var options = new MqttClientOptionsBuilder().WithTcpServer("127.0.0.1", port).WithStreamProvider(EdgeAnomaly.Mqtt.KernelTunedTcp.Instance)
            .WithClientId("bench-listener-" + Guid.NewGuid().ToString("N")[..6]).WithTimeout(TimeSpan.FromSeconds(30)).Build();
        await _client.ConnectAsync(options);
        await _client.SubscribeAsync(new MqttClientSubscribeOptionsBuilder()
            .WithTopicFilter(f => f.WithTopic(topicFilter).WithQualityOfServiceLevel(qos)).Build());
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
