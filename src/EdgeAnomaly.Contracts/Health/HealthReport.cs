using System.Text.Json.Serialization;

namespace EdgeAnomaly.Contracts;

/// <summary>
/// The payload of <c>{prefix}/v1/gateways/{gatewayId}/health</c> (docs/mqtt-contract.md, "Health"): counters are
/// totals since the gateway process started (take differences), gauges are read at <see cref="Ts"/>. Optional
/// sections are null when the gateway has nothing to say there and are then absent from the JSON.
/// </summary>
public sealed record HealthReport
{
    [JsonPropertyName("v")]
    [JsonRequired]
    public int V { get; init; } = MqttContract.Version;

    /// <summary>Gateway:Id (as in events' "gateway"); the topic names Central:GatewayId, which defaults to it.</summary>
    [JsonPropertyName("gateway")]
    public string Gateway { get; init; } = "";

    [JsonPropertyName("ts")]
    public long Ts { get; init; }

    [JsonPropertyName("uptime_s")]
    public long UptimeSeconds { get; init; }

    [JsonPropertyName("messages")]
    public long Messages { get; init; }

    [JsonPropertyName("readings")]
    public long Readings { get; init; }

    [JsonPropertyName("rejected_total")]
    public long RejectedTotal { get; init; }

    /// <summary>Every reject reason (zeros included) by its wire name, in the gateway's order.</summary>
    [JsonPropertyName("rejected")]
    public IReadOnlyDictionary<string, long> Rejected { get; init; } = new Dictionary<string, long>(StringComparer.Ordinal);

    [JsonPropertyName("events_opened")]
    public long EventsOpened { get; init; }

    [JsonPropertyName("events_closed")]
    public long EventsClosed { get; init; }

    [JsonPropertyName("events_open")]
    public long EventsOpen { get; init; }

    [JsonPropertyName("events_uplinked")]
    public long EventsUplinked { get; init; }

    /// <summary>Events stored but not yet acknowledged by the central broker.</summary>
    [JsonPropertyName("backlog")]
    public long Backlog { get; init; }

    [JsonPropertyName("evicted_readings")]
    public long EvictedReadings { get; init; }

    [JsonPropertyName("evicted_events")]
    public long EvictedEvents { get; init; }

    [JsonPropertyName("disk_full")]
    public bool DiskFull { get; init; }

    [JsonPropertyName("events_held")]
    public long EventsHeld { get; init; }

    [JsonPropertyName("readings_dropped_disk_full")]
    public long ReadingsDroppedDiskFull { get; init; }

    [JsonPropertyName("disk_write_failures")]
    public long DiskWriteFailures { get; init; }

    [JsonPropertyName("reconnects")]
    public long Reconnects { get; init; }

    [JsonPropertyName("sequence_gaps")]
    public long SequenceGaps { get; init; }

    [JsonPropertyName("sequence_resets")]
    public long SequenceResets { get; init; }

    [JsonPropertyName("nodes_evicted")]
    public long NodesEvicted { get; init; }

    [JsonPropertyName("rules_reloads_refused")]
    public long RulesReloadsRefused { get; init; }

    [JsonPropertyName("db_bytes")]
    public long DatabaseBytes { get; init; }

    [JsonPropertyName("uplink_connected")]
    public bool UplinkConnected { get; init; }

    [JsonPropertyName("ingest_connected")]
    public bool IngestConnected { get; init; }

    [JsonPropertyName("nodes")]
    public IReadOnlyList<HealthNode> Nodes { get; init; } = [];

    /// <summary>Readings per input kind: "mqtt" always, then one entry per local source kind when there are local sources.</summary>
    [JsonPropertyName("sources")]
    public IReadOnlyDictionary<string, HealthSource> Sources { get; init; } = new Dictionary<string, HealthSource>(StringComparer.Ordinal);

    /// <summary>Local readings waiting for the pipeline; null without local sources (as the next two).</summary>
    [JsonPropertyName("local_queue")]
    public long? LocalQueue { get; init; }

    [JsonPropertyName("local_unknown_tags")]
    public long? LocalUnknownTags { get; init; }

    [JsonPropertyName("devices")]
    public IReadOnlyList<HealthDevice>? Devices { get; init; }

    [JsonPropertyName("models")]
    public IReadOnlyList<HealthModel>? Models { get; init; }

    [JsonPropertyName("runtime")]
    public HealthProcess? Runtime { get; init; }

    /// <summary>The longest pipeline phases since the previous report.</summary>
    [JsonPropertyName("pipeline_max_ms")]
    public HealthPipelineMaxima? PipelineMaxMs { get; init; }

    [JsonPropertyName("storage_check")]
    public HealthStorageCheck? StorageCheck { get; init; }
}

/// <summary>One tracked sensor node.</summary>
public sealed record HealthNode
{
    [JsonPropertyName("id")]
    public string Id { get; init; } = "";

    /// <summary>"online", "offline" or "unknown".</summary>
    [JsonPropertyName("state")]
    public string State { get; init; } = "";

    [JsonPropertyName("last_seen_ms")]
    public long LastSeenMs { get; init; }

    [JsonPropertyName("messages")]
    public long Messages { get; init; }

    [JsonPropertyName("sequence_gaps")]
    public long SequenceGaps { get; init; }

    [JsonPropertyName("sequence_resets")]
    public long SequenceResets { get; init; }

    /// <summary>Gateway minus node clock; null until the node sent a timestamp.</summary>
    [JsonPropertyName("clock_offset_ms")]
    public long? ClockOffsetMs { get; init; }
}

/// <summary>Readings of one input kind; the counters other than <see cref="Readings"/> exist for local sources only.</summary>
public sealed record HealthSource
{
    [JsonPropertyName("batches")]
    public long? Batches { get; init; }

    [JsonPropertyName("readings")]
    public long Readings { get; init; }

    [JsonPropertyName("not_good")]
    public long? NotGood { get; init; }

    [JsonPropertyName("queue_full_waits")]
    public long? QueueFullWaits { get; init; }

    [JsonPropertyName("abandoned_at_stop")]
    public long? AbandonedAtStop { get; init; }
}

/// <summary>One local device or port (Modbus, serial, GPIO).</summary>
public sealed record HealthDevice
{
    [JsonPropertyName("name")]
    public string Name { get; init; } = "";

    [JsonPropertyName("kind")]
    public string Kind { get; init; } = "";

    [JsonPropertyName("link")]
    public string Link { get; init; } = "";

    /// <summary>"ok" or "degraded".</summary>
    [JsonPropertyName("status")]
    public string Status { get; init; } = "";

    [JsonPropertyName("requests")]
    public long Requests { get; init; }

    [JsonPropertyName("timeouts")]
    public long Timeouts { get; init; }

    [JsonPropertyName("errors")]
    public long Errors { get; init; }
}

/// <summary>One modelled asset; the last_* fields are present once a valid step was scored.</summary>
public sealed record HealthModel
{
    [JsonPropertyName("asset")]
    public string Asset { get; init; } = "";

    /// <summary>"none", "warming-up", "training", "active", "stale", "refused" or "faulted".</summary>
    [JsonPropertyName("state")]
    public string State { get; init; } = "";

    [JsonPropertyName("text")]
    public string Text { get; init; } = "";

    [JsonPropertyName("version")]
    public long Version { get; init; }

    [JsonPropertyName("progress_pct")]
    public long? ProgressPercent { get; init; }

    [JsonPropertyName("detail")]
    public string? Detail { get; init; }

    [JsonPropertyName("refused_update")]
    public string? RefusedUpdate { get; init; }

    [JsonPropertyName("created_at_ms")]
    public long? CreatedAtMs { get; init; }

    [JsonPropertyName("steps")]
    public long Steps { get; init; }

    [JsonPropertyName("last_step_ms")]
    public long? LastStepMs { get; init; }

    [JsonPropertyName("last_score")]
    public double? LastScore { get; init; }

    [JsonPropertyName("threshold")]
    public double? Threshold { get; init; }

    [JsonPropertyName("regime")]
    public long? Regime { get; init; }

    [JsonPropertyName("anomaly")]
    public bool? Anomaly { get; init; }
}

/// <summary>"runtime": the gateway process's memory and GC totals since start.</summary>
public sealed record HealthProcess
{
    [JsonPropertyName("rss_bytes")]
    public long RssBytes { get; init; }

    [JsonPropertyName("gc_heap_bytes")]
    public long GcHeapBytes { get; init; }

    [JsonPropertyName("gc_gen0")]
    public long GcGen0 { get; init; }

    [JsonPropertyName("gc_gen1")]
    public long GcGen1 { get; init; }

    [JsonPropertyName("gc_gen2")]
    public long GcGen2 { get; init; }

    [JsonPropertyName("gc_pause_ms")]
    public double GcPauseMs { get; init; }
}

/// <summary>"pipeline_max_ms": the longest time of each pipeline phase since the previous report, in ms.</summary>
public sealed record HealthPipelineMaxima
{
    [JsonPropertyName("batch")]
    public double Batch { get; init; }

    [JsonPropertyName("commit")]
    public double Commit { get; init; }

    [JsonPropertyName("tick")]
    public double Tick { get; init; }

    [JsonPropertyName("flush_slice")]
    public double FlushSlice { get; init; }

    [JsonPropertyName("commit_lock_wait")]
    public double CommitLockWait { get; init; }

    [JsonPropertyName("commit_sync")]
    public double CommitSync { get; init; }
}

/// <summary>"storage_check": the start-up check of the database; the fields after check_ms only when a file was set aside.</summary>
public sealed record HealthStorageCheck
{
    /// <summary>"fresh", "ok", "unverified", "recovered" or "missing".</summary>
    [JsonPropertyName("status")]
    public string Status { get; init; } = "";

    [JsonPropertyName("check_ms")]
    public long CheckMs { get; init; }

    /// <summary>"corrupt", "not_a_database", "empty" or "missing".</summary>
    [JsonPropertyName("cause")]
    public string? Cause { get; init; }

    [JsonPropertyName("detail")]
    public string? Detail { get; init; }

    [JsonPropertyName("moved_to")]
    public string? MovedTo { get; init; }

    [JsonPropertyName("salvaged_events")]
    public long? SalvagedEvents { get; init; }

    [JsonPropertyName("salvaged_revisions")]
    public long? SalvagedRevisions { get; init; }

    [JsonPropertyName("unreadable_rows")]
    public long? UnreadableRows { get; init; }
}
