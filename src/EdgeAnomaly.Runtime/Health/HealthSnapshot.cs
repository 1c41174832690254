using System.Buffers;
using System.Text.Json;
using EdgeAnomaly.Core.Diagnostics;
using EdgeAnomaly.Runtime.Models;
using EdgeAnomaly.Runtime.Sources;
using EdgeAnomaly.Ingest;

namespace EdgeAnomaly.Runtime.Health;

/// <summary>What health reports: counters plus a few gauges read at the moment of the report.</summary>
public sealed record HealthGauges(
    long Backlog,
    long DatabaseBytes,
    bool UplinkConnected,
    bool IngestConnected,
    int OpenEvents,
    IReadOnlyList<NodeState> Nodes,
    LocalSourcesHealth? Local = null,
    IReadOnlyList<ModelStatus>? Models = null,
    RuntimeHealth? Runtime = null,
    EdgeAnomaly.Storage.StoreStartupReport? StorageCheck = null,
    bool DiskFull = false,
    int HeldRevisions = 0);

/// <summary>
/// The process as the operating system and the .NET runtime see it, and the pipeline's longest phases since the
/// previous report: memory growth and stalls are visible from the central side without a shell on the gateway.
/// </summary>
public sealed record RuntimeHealth(long RssBytes, long GcHeapBytes, int Gen0Collections, int Gen1Collections, int Gen2Collections,
    double GcPauseMsTotal, Pipeline.PipelineStalls Stalls)
{
    public static RuntimeHealth Capture(Pipeline.PipelineStalls stalls) => new(Environment.WorkingSet, GC.GetGCMemoryInfo().HeapSizeBytes,
        GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2), GC.GetTotalPauseDuration().TotalMilliseconds, stalls);
}

/// <summary>Local sources (Modbus, serial, GPIO): counters per kind, queue depth and one entry per device.</summary>
public sealed record LocalSourcesHealth(LocalSourceCounters Counters, int QueuePending, IReadOnlyList<LocalDeviceHealth> Devices);

/// <summary>The health payload (contract: docs/mqtt-contract.md, "health").</summary>
public static class HealthJson
{
    public static byte[] Serialize(string gatewayId, long nowMs, long uptimeSeconds, GatewayCounters c, HealthGauges g)
    {
        var buffer = new ArrayBufferWriter<byte>(1024);
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteNumber("v", 1);
            w.WriteString("gateway", gatewayId);
            w.WriteNumber("ts", nowMs);
            w.WriteNumber("uptime_s", uptimeSeconds);
            w.WriteNumber("messages", c.MessagesReceived);
            w.WriteNumber("readings", c.ReadingsAccepted);
            w.WriteNumber("rejected_total", c.RejectedTotal);
            w.WriteStartObject("rejected");
            foreach (var reason in Enum.GetValues<RejectReason>())
            {
                w.WriteNumber(reason.ToWire(), c.Rejected(reason));
            }
            w.WriteEndObject();
            w.WriteNumber("events_opened", c.EventsOpened);
            w.WriteNumber("events_closed", c.EventsClosed);
            w.WriteNumber("events_open", g.OpenEvents);
            w.WriteNumber("events_uplinked", c.EventsUplinked);
            w.WriteNumber("backlog", g.Backlog);
            w.WriteNumber("evicted_readings", c.EvictedReadings);
            w.WriteNumber("evicted_events", c.EvictedEvents);
            w.WriteBoolean("disk_full", g.DiskFull);
            w.WriteNumber("events_held", g.HeldRevisions);
            w.WriteNumber("readings_dropped_disk_full", c.ReadingsDroppedDiskFull);
            w.WriteNumber("disk_write_failures", c.DiskWriteFailures);
            w.WriteNumber("reconnects", c.UplinkReconnects);
            w.WriteNumber("sequence_gaps", c.SequenceGaps);
            w.WriteNumber("sequence_resets", c.SequenceResets);
            w.WriteNumber("nodes_evicted", c.NodesEvicted);
            w.WriteNumber("rules_reloads_refused", c.RulesReloadsRefused);
            w.WriteNumber("db_bytes", g.DatabaseBytes);
            w.WriteBoolean("uplink_connected", g.UplinkConnected);
            w.WriteBoolean("ingest_connected", g.IngestConnected);
            w.WriteStartArray("nodes");
            foreach (var n in g.Nodes)
            {
                w.WriteStartObject();
                w.WriteString("id", n.NodeId);
                w.WriteString("state", n.State.ToString().ToLowerInvariant());
                w.WriteNumber("last_seen_ms", n.LastSeenMs);
                w.WriteNumber("messages", n.Messages);
                w.WriteNumber("sequence_gaps", n.SequenceGaps);
                w.WriteNumber("sequence_resets", n.SequenceResets);
                if (n.ClockOffsetMs is { } offset)
                {
                    w.WriteNumber("clock_offset_ms", offset);
                }
                w.WriteEndObject();
            }
            w.WriteEndArray();
            WriteSources(w, c, g.Local);
            if (g.Models is not null)
            {
                WriteModels(w, g.Models);
            }
            if (g.Runtime is { } r)
            {
                WriteRuntime(w, r);
            }
            if (g.StorageCheck is { } check)
            {
                WriteStorageCheck(w, check);
            }
            w.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>
    /// "sources": readings per input kind (mqtt is what the decoder accepted; the rest came from local pollers) and
    /// "devices": one entry per local device with its status (ok / degraded) and transaction counters.
    /// </summary>
    private static void WriteSources(Utf8JsonWriter w, GatewayCounters c, LocalSourcesHealth? local)
    {
        w.WriteStartObject("sources");
        var localReadings = local?.Counters.TotalReadings ?? 0;
        w.WriteStartObject("mqtt");
        w.WriteNumber("readings", c.ReadingsAccepted - localReadings);
        w.WriteEndObject();
        if (local is not null)
        {
            for (var k = 0; k < LocalSourceKinds.Count; k++)
            {
                var kind = (LocalSourceKind)k;
                w.WriteStartObject(kind.ToWire());
                w.WriteNumber("batches", local.Counters.Batches(kind));
                w.WriteNumber("readings", local.Counters.Readings(kind));
                w.WriteNumber("not_good", local.Counters.NotGood(kind));
                w.WriteNumber("queue_full_waits", local.Counters.QueueFullWaits(kind));
                w.WriteNumber("abandoned_at_stop", local.Counters.AbandonedAtStop(kind));
                w.WriteEndObject();
            }
        }
        w.WriteEndObject();
        if (local is null)
        {
            return;
        }
        w.WriteNumber("local_queue", local.QueuePending);
        w.WriteNumber("local_unknown_tags", local.Counters.UnknownTags);
        w.WriteStartArray("devices");
        foreach (var d in local.Devices)
        {
            w.WriteStartObject();
            w.WriteString("name", d.Name);
            w.WriteString("kind", d.Kind.ToWire());
            w.WriteString("link", d.Link);
            w.WriteString("status", d.Degraded ? "degraded" : "ok");
            w.WriteNumber("requests", d.Requests);
            w.WriteNumber("timeouts", d.Timeouts);
            w.WriteNumber("errors", d.Errors);
            w.WriteEndObject();
        }
        w.WriteEndArray();
    }

    /// <summary>
    /// "storage_check": what the start-up check of the database found (docs/storage.md "Start-up check"); when the
    /// file was set aside, where it is and what was salvaged from it. Stays until the next start.
    /// </summary>
    private static void WriteStorageCheck(Utf8JsonWriter w, EdgeAnomaly.Storage.StoreStartupReport check)
    {
        w.WriteStartObject("storage_check");
        w.WriteString("status", check.StatusText);
        w.WriteNumber("check_ms", check.CheckMs);
        if (check.Cause is not null)
        {
            w.WriteString("cause", check.Cause);
            w.WriteString("detail", check.Detail);
            if (check.MovedTo is not null)
            {
                w.WriteString("moved_to", check.MovedTo);
            }
            w.WriteNumber("salvaged_events", check.SalvagedEvents);
            w.WriteNumber("salvaged_revisions", check.SalvagedRevisions);
            w.WriteNumber("unreadable_rows", check.SkippedRows);
        }
        w.WriteEndObject();
    }

    /// <summary>"runtime": process memory and GC totals; "pipeline_max_ms": the longest phases since the previous report.</summary>
    private static void WriteRuntime(Utf8JsonWriter w, RuntimeHealth r)
    {
        w.WriteStartObject("runtime");
        w.WriteNumber("rss_bytes", r.RssBytes);
        w.WriteNumber("gc_heap_bytes", r.GcHeapBytes);
        w.WriteNumber("gc_gen0", r.Gen0Collections);
        w.WriteNumber("gc_gen1", r.Gen1Collections);
        w.WriteNumber("gc_gen2", r.Gen2Collections);
        w.WriteNumber("gc_pause_ms", Math.Round(r.GcPauseMsTotal, 3));
        w.WriteEndObject();
        w.WriteStartObject("pipeline_max_ms");
        w.WriteNumber("batch", Math.Round(r.Stalls.BatchMs, 3));
        w.WriteNumber("commit", Math.Round(r.Stalls.CommitMs, 3));
        w.WriteNumber("tick", Math.Round(r.Stalls.TickMs, 3));
        w.WriteNumber("flush_slice", Math.Round(r.Stalls.FlushSliceMs, 3));
        w.WriteNumber("commit_lock_wait", Math.Round(r.Stalls.CommitLockWaitMs, 3));
        w.WriteNumber("commit_sync", Math.Round(r.Stalls.CommitSyncMs, 3));
        w.WriteEndObject();
    }

    /// <summary>"models": one entry per modelled asset: state, version in force, warm-up progress, why, the latest step.</summary>
    private static void WriteModels(Utf8JsonWriter w, IReadOnlyList<ModelStatus> models)
    {
        w.WriteStartArray("models");
        foreach (var m in models)
        {
            w.WriteStartObject();
            w.WriteString("asset", m.Asset);
            w.WriteString("state", ModelStatus.ToWire(m.State));
            w.WriteString("text", m.Text);
            w.WriteNumber("version", m.Version);
            if (m.State == ModelState.WarmingUp || m.ProgressPercent > 0)
            {
                w.WriteNumber("progress_pct", m.ProgressPercent);
            }
            if (m.Detail is not null)
            {
                w.WriteString("detail", m.Detail);
            }
            if (m.RefusedUpdate is not null)
            {
                w.WriteString("refused_update", m.RefusedUpdate);
            }
            if (m.CreatedAtMs > 0)
            {
                w.WriteNumber("created_at_ms", m.CreatedAtMs);
            }
            w.WriteNumber("steps", m.Steps);
            if (m.LastStep is { Valid: true } step)
            {
                w.WriteNumber("last_step_ms", step.TimestampMs);
                w.WriteNumber("last_score", step.Fused);
                w.WriteNumber("threshold", step.Threshold);
                w.WriteNumber("regime", step.Regime);
                w.WriteBoolean("anomaly", step.Anomaly);
            }
            w.WriteEndObject();
        }
        w.WriteEndArray();
    }
}
