using System.Buffers;
using System.Text.Json;

namespace EdgeAnomaly.Contracts;

/// <summary>
/// Writes and reads <see cref="HealthReport"/>. The writer is hand-written on <see cref="Utf8JsonWriter"/> so the
/// gateway carries no serializer metadata; it writes the names and order of the records' JSON attributes, and null
/// sections not at all, so its bytes equal what System.Text.Json makes of the same record (a test holds the two to it).
/// </summary>
public static class HealthReportJson
{
    public static byte[] Write(HealthReport r)
    {
        var buffer = new ArrayBufferWriter<byte>(1024);
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteNumber("v", r.V);
            w.WriteString("gateway", r.Gateway);
            w.WriteNumber("ts", r.Ts);
            w.WriteNumber("uptime_s", r.UptimeSeconds);
            w.WriteNumber("messages", r.Messages);
            w.WriteNumber("readings", r.Readings);
            w.WriteNumber("rejected_total", r.RejectedTotal);
            w.WriteStartObject("rejected");
            foreach (var (reason, count) in r.Rejected)
            {
                w.WriteNumber(reason, count);
            }
            w.WriteEndObject();
            w.WriteNumber("events_opened", r.EventsOpened);
            w.WriteNumber("events_closed", r.EventsClosed);
            w.WriteNumber("events_open", r.EventsOpen);
            w.WriteNumber("events_uplinked", r.EventsUplinked);
            w.WriteNumber("backlog", r.Backlog);
            w.WriteNumber("evicted_readings", r.EvictedReadings);
            w.WriteNumber("evicted_events", r.EvictedEvents);
            w.WriteBoolean("disk_full", r.DiskFull);
            w.WriteNumber("events_held", r.EventsHeld);
            w.WriteNumber("readings_dropped_disk_full", r.ReadingsDroppedDiskFull);
            w.WriteNumber("disk_write_failures", r.DiskWriteFailures);
            w.WriteNumber("reconnects", r.Reconnects);
            w.WriteNumber("sequence_gaps", r.SequenceGaps);
            w.WriteNumber("sequence_resets", r.SequenceResets);
            w.WriteNumber("nodes_evicted", r.NodesEvicted);
            w.WriteNumber("rules_reloads_refused", r.RulesReloadsRefused);
            w.WriteNumber("db_bytes", r.DatabaseBytes);
            w.WriteBoolean("uplink_connected", r.UplinkConnected);
            w.WriteBoolean("ingest_connected", r.IngestConnected);
            w.WriteStartArray("nodes");
            foreach (var n in r.Nodes)
            {
                WriteNode(w, n);
            }
            w.WriteEndArray();
            w.WriteStartObject("sources");
            foreach (var (kind, source) in r.Sources)
            {
                WriteSource(w, kind, source);
            }
            w.WriteEndObject();
            WriteOptional(w, "local_queue", r.LocalQueue);
            WriteOptional(w, "local_unknown_tags", r.LocalUnknownTags);
            if (r.Devices is not null)
            {
                w.WriteStartArray("devices");
                foreach (var d in r.Devices)
                {
                    WriteDevice(w, d);
                }
                w.WriteEndArray();
            }
            if (r.Models is not null)
            {
                w.WriteStartArray("models");
                foreach (var m in r.Models)
                {
                    WriteModel(w, m);
                }
                w.WriteEndArray();
            }
            if (r.Runtime is { } p)
            {
                w.WriteStartObject("runtime");
                w.WriteNumber("rss_bytes", p.RssBytes);
                w.WriteNumber("gc_heap_bytes", p.GcHeapBytes);
                w.WriteNumber("gc_gen0", p.GcGen0);
                w.WriteNumber("gc_gen1", p.GcGen1);
                w.WriteNumber("gc_gen2", p.GcGen2);
                w.WriteNumber("gc_pause_ms", p.GcPauseMs);
                w.WriteEndObject();
            }
            if (r.PipelineMaxMs is { } max)
            {
                w.WriteStartObject("pipeline_max_ms");
                w.WriteNumber("batch", max.Batch);
                w.WriteNumber("commit", max.Commit);
                w.WriteNumber("tick", max.Tick);
                w.WriteNumber("flush_slice", max.FlushSlice);
                w.WriteNumber("commit_lock_wait", max.CommitLockWait);
                w.WriteNumber("commit_sync", max.CommitSync);
                w.WriteEndObject();
            }
            if (r.StorageCheck is { } check)
            {
                WriteStorageCheck(w, check);
            }
            w.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>Reads a health payload; fields unknown to this version of the library are ignored.</summary>
    /// <exception cref="JsonException">Not JSON, not an object, a field of the wrong type, or not <c>"v":1</c>.</exception>
    public static HealthReport Read(ReadOnlySpan<byte> json) =>
        ContractJson.CheckVersion(JsonSerializer.Deserialize(json, ContractJsonContext.Default.HealthReport), static r => r.V);

    private static void WriteNode(Utf8JsonWriter w, HealthNode n)
    {
        w.WriteStartObject();
        w.WriteString("id", n.Id);
        w.WriteString("state", n.State);
        w.WriteNumber("last_seen_ms", n.LastSeenMs);
        w.WriteNumber("messages", n.Messages);
        w.WriteNumber("sequence_gaps", n.SequenceGaps);
        w.WriteNumber("sequence_resets", n.SequenceResets);
        WriteOptional(w, "clock_offset_ms", n.ClockOffsetMs);
        w.WriteEndObject();
    }

    private static void WriteSource(Utf8JsonWriter w, string kind, HealthSource s)
    {
        w.WriteStartObject(kind);
        WriteOptional(w, "batches", s.Batches);
        w.WriteNumber("readings", s.Readings);
        WriteOptional(w, "not_good", s.NotGood);
        WriteOptional(w, "queue_full_waits", s.QueueFullWaits);
        WriteOptional(w, "abandoned_at_stop", s.AbandonedAtStop);
        w.WriteEndObject();
    }

    private static void WriteDevice(Utf8JsonWriter w, HealthDevice d)
    {
        w.WriteStartObject();
        w.WriteString("name", d.Name);
        w.WriteString("kind", d.Kind);
        w.WriteString("link", d.Link);
        w.WriteString("status", d.Status);
        w.WriteNumber("requests", d.Requests);
        w.WriteNumber("timeouts", d.Timeouts);
        w.WriteNumber("errors", d.Errors);
        w.WriteEndObject();
    }

    private static void WriteModel(Utf8JsonWriter w, HealthModel m)
    {
        w.WriteStartObject();
        w.WriteString("asset", m.Asset);
        w.WriteString("state", m.State);
        w.WriteString("text", m.Text);
        w.WriteNumber("version", m.Version);
        WriteOptional(w, "progress_pct", m.ProgressPercent);
        WriteOptional(w, "detail", m.Detail);
        WriteOptional(w, "refused_update", m.RefusedUpdate);
        WriteOptional(w, "created_at_ms", m.CreatedAtMs);
        w.WriteNumber("steps", m.Steps);
        WriteOptional(w, "last_step_ms", m.LastStepMs);
        if (m.LastScore is { } score)
        {
            w.WriteNumber("last_score", score);
        }
        if (m.Threshold is { } threshold)
        {
            w.WriteNumber("threshold", threshold);
        }
        WriteOptional(w, "regime", m.Regime);
        if (m.Anomaly is { } anomaly)
        {
            w.WriteBoolean("anomaly", anomaly);
        }
        w.WriteEndObject();
    }

    private static void WriteStorageCheck(Utf8JsonWriter w, HealthStorageCheck c)
    {
        w.WriteStartObject("storage_check");
        w.WriteString("status", c.Status);
        w.WriteNumber("check_ms", c.CheckMs);
        WriteOptional(w, "cause", c.Cause);
        WriteOptional(w, "detail", c.Detail);
        WriteOptional(w, "moved_to", c.MovedTo);
        WriteOptional(w, "salvaged_events", c.SalvagedEvents);
        WriteOptional(w, "salvaged_revisions", c.SalvagedRevisions);
        WriteOptional(w, "unreadable_rows", c.UnreadableRows);
        w.WriteEndObject();
    }

    private static void WriteOptional(Utf8JsonWriter w, string name, long? value)
    {
        if (value is { } v)
        {
            w.WriteNumber(name, v);
        }
    }

    private static void WriteOptional(Utf8JsonWriter w, string name, string? value)
    {
        if (value is not null)
        {
            w.WriteString(name, value);
        }
    }
}
