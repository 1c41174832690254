using EdgeAnomaly.Contracts;
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

/// <summary>
/// The health payload from the gateway's counters and gauges: the fields and their JSON are the contract's
/// (<see cref="HealthReport"/>, docs/mqtt-contract.md "Health"); this only says where each value comes from.
/// </summary>
public static class HealthJson
{
    public static byte[] Serialize(string gatewayId, long nowMs, long uptimeSeconds, GatewayCounters c, HealthGauges g) =>
        HealthReportJson.Write(Report(gatewayId, nowMs, uptimeSeconds, c, g));

    public static HealthReport Report(string gatewayId, long nowMs, long uptimeSeconds, GatewayCounters c, HealthGauges g)
    {
        var rejected = new Dictionary<string, long>(RejectReasons.Count, StringComparer.Ordinal);
        foreach (var reason in Enum.GetValues<RejectReason>())
        {
            rejected[reason.ToWire()] = c.Rejected(reason);
        }
        var nodes = new HealthNode[g.Nodes.Count];
        for (var i = 0; i < nodes.Length; i++)
        {
            var n = g.Nodes[i];
            nodes[i] = new HealthNode
            {
                Id = n.NodeId, State = n.State.ToString().ToLowerInvariant(), LastSeenMs = n.LastSeenMs, Messages = n.Messages,
                SequenceGaps = n.SequenceGaps, SequenceResets = n.SequenceResets, ClockOffsetMs = n.ClockOffsetMs,
            };
        }
        var local = g.Local;
        return new HealthReport
        {
            Gateway = gatewayId,
            Ts = nowMs,
            UptimeSeconds = uptimeSeconds,
            Messages = c.MessagesReceived,
            Readings = c.ReadingsAccepted,
            RejectedTotal = c.RejectedTotal,
            Rejected = rejected,
            EventsOpened = c.EventsOpened,
            EventsClosed = c.EventsClosed,
            EventsOpen = g.OpenEvents,
            EventsUplinked = c.EventsUplinked,
            Backlog = g.Backlog,
            EvictedReadings = c.EvictedReadings,
            EvictedEvents = c.EvictedEvents,
            DiskFull = g.DiskFull,
            EventsHeld = g.HeldRevisions,
            ReadingsDroppedDiskFull = c.ReadingsDroppedDiskFull,
            DiskWriteFailures = c.DiskWriteFailures,
            Reconnects = c.UplinkReconnects,
            SequenceGaps = c.SequenceGaps,
            SequenceResets = c.SequenceResets,
            NodesEvicted = c.NodesEvicted,
            RulesReloadsRefused = c.RulesReloadsRefused,
            DatabaseBytes = g.DatabaseBytes,
            UplinkConnected = g.UplinkConnected,
            IngestConnected = g.IngestConnected,
            Nodes = nodes,
            Sources = Sources(c, local),
            LocalQueue = local?.QueuePending,
            LocalUnknownTags = local?.Counters.UnknownTags,
            Devices = local is null ? null : Devices(local.Devices),
            Models = g.Models is null ? null : Models(g.Models),
            Runtime = g.Runtime is { } r ? Process(r) : null,
            PipelineMaxMs = g.Runtime is { } s ? PipelineMaxima(s.Stalls) : null,
            StorageCheck = g.StorageCheck is { } check ? StorageCheck(check) : null,
        };
    }

    /// <summary>mqtt is what the decoder accepted (all accepted readings less the local ones); then one entry per local kind.</summary>
    private static Dictionary<string, HealthSource> Sources(GatewayCounters c, LocalSourcesHealth? local)
    {
        var sources = new Dictionary<string, HealthSource>(1 + LocalSourceKinds.Count, StringComparer.Ordinal)
        {
            ["mqtt"] = new HealthSource { Readings = c.ReadingsAccepted - (local?.Counters.TotalReadings ?? 0) },
        };
        if (local is not null)
        {
            for (var k = 0; k < LocalSourceKinds.Count; k++)
            {
                var kind = (LocalSourceKind)k;
                sources[kind.ToWire()] = new HealthSource
                {
                    Batches = local.Counters.Batches(kind), Readings = local.Counters.Readings(kind), NotGood = local.Counters.NotGood(kind),
                    QueueFullWaits = local.Counters.QueueFullWaits(kind), AbandonedAtStop = local.Counters.AbandonedAtStop(kind),
                };
            }
        }
        return sources;
    }

    private static HealthDevice[] Devices(IReadOnlyList<LocalDeviceHealth> devices)
    {
        var result = new HealthDevice[devices.Count];
        for (var i = 0; i < result.Length; i++)
        {
            var d = devices[i];
            result[i] = new HealthDevice
            {
                Name = d.Name, Kind = d.Kind.ToWire(), Link = d.Link, Status = d.Degraded ? "degraded" : "ok",
                Requests = d.Requests, Timeouts = d.Timeouts, Errors = d.Errors,
            };
        }
        return result;
    }

    /// <summary>Progress while warming up or once it moved; the last_* fields once a valid step was scored.</summary>
    private static HealthModel[] Models(IReadOnlyList<ModelStatus> models)
    {
        var result = new HealthModel[models.Count];
        for (var i = 0; i < result.Length; i++)
        {
            var m = models[i];
            var step = m.LastStep is { Valid: true } s ? s : (Scoring.Pipeline.StepResult?)null;
            result[i] = new HealthModel
            {
                Asset = m.Asset,
                State = ModelStatus.ToWire(m.State),
                Text = m.Text,
                Version = m.Version,
                ProgressPercent = m.State == ModelState.WarmingUp || m.ProgressPercent > 0 ? m.ProgressPercent : null,
                Detail = m.Detail,
                RefusedUpdate = m.RefusedUpdate,
                CreatedAtMs = m.CreatedAtMs > 0 ? m.CreatedAtMs : null,
                Steps = m.Steps,
                LastStepMs = step?.TimestampMs,
                LastScore = step?.Fused,
                Threshold = step?.Threshold,
                Regime = step?.Regime,
                Anomaly = step?.Anomaly,
            };
        }
        return result;
    }

    /// <summary>Milliseconds to 3 decimals: microseconds are noise at a 10 s reporting period.</summary>
    private static HealthProcess Process(RuntimeHealth r) => new()
    {
        RssBytes = r.RssBytes, GcHeapBytes = r.GcHeapBytes, GcGen0 = r.Gen0Collections, GcGen1 = r.Gen1Collections,
        GcGen2 = r.Gen2Collections, GcPauseMs = Math.Round(r.GcPauseMsTotal, 3),
    };

    private static HealthPipelineMaxima PipelineMaxima(Pipeline.PipelineStalls s) => new()
    {
        Batch = Math.Round(s.BatchMs, 3), Commit = Math.Round(s.CommitMs, 3), Tick = Math.Round(s.TickMs, 3),
        FlushSlice = Math.Round(s.FlushSliceMs, 3), CommitLockWait = Math.Round(s.CommitLockWaitMs, 3), CommitSync = Math.Round(s.CommitSyncMs, 3),
    };

    /// <summary>What the start-up check found; where the file went and what was salvaged only when it was set aside.</summary>
    private static HealthStorageCheck StorageCheck(EdgeAnomaly.Storage.StoreStartupReport check) => check.Cause is null
        ? new HealthStorageCheck { Status = check.StatusText, CheckMs = check.CheckMs }
        : new HealthStorageCheck
        {
            Status = check.StatusText, CheckMs = check.CheckMs, Cause = check.Cause, Detail = check.Detail, MovedTo = check.MovedTo,
            SalvagedEvents = check.SalvagedEvents, SalvagedRevisions = check.SalvagedRevisions, UnreadableRows = check.SkippedRows,
        };
}
