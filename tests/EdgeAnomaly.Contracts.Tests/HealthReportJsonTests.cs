using System.Text;
using System.Text.Json;

namespace EdgeAnomaly.Contracts.Tests;

public sealed class HealthReportJsonTests
{
    /// <summary>The example of docs/mqtt-contract.md, "Health", without its line breaks.</summary>
    private static readonly string DocumentedHealth = """
        {"v":1,"gateway":"gw-01","ts":1732400010000,"uptime_s":3600,"messages":36012,"readings":180020,"rejected_total":14,
        "rejected":{"malformed_json":1,"wrong_type":0,"unsupported_version":0,"missing_field":2,"non_finite_value":0,
        "unknown_asset":0,"unknown_tag":9,"oversized_payload":0,"too_many_readings":0,"future_timestamp":2,
        "stale_timestamp":0,"out_of_order":0,"duplicate_sequence":0,"bad_topic":0,"queue_full":0},
        "events_opened":3,"events_closed":2,"events_open":1,"events_uplinked":5,"backlog":0,
        "evicted_readings":0,"evicted_events":0,"disk_full":false,"events_held":0,"readings_dropped_disk_full":0,
        "disk_write_failures":0,"reconnects":1,"sequence_gaps":4,"sequence_resets":1,"nodes_evicted":0,
        "rules_reloads_refused":0,"db_bytes":1048576,"uplink_connected":true,"ingest_connected":true,
        "nodes":[{"id":"esp32-a","state":"online","last_seen_ms":1732400009950,"messages":3600,
        "sequence_gaps":4,"sequence_resets":1,"clock_offset_ms":180}],
        "sources":{"mqtt":{"readings":180020}},
        "runtime":{"rss_bytes":54321152,"gc_heap_bytes":14680064,"gc_gen0":812,"gc_gen1":40,"gc_gen2":3,"gc_pause_ms":310.5},
        "pipeline_max_ms":{"batch":1.84,"commit":1.21,"tick":3.02,"flush_slice":2.4,"commit_lock_wait":0.05,
        "commit_sync":0.9}}
        """.ReplaceLineEndings("");

    /// <summary>Every optional section and field present, names and strings that need escaping.</summary>
    private static HealthReport Full() => new()
    {
        Gateway = "gw-01", Ts = 1_732_400_010_000, UptimeSeconds = 3600, Messages = 3, Readings = 180_020, RejectedTotal = 10,
        Rejected = new Dictionary<string, long> { ["malformed_json"] = 1, ["unknown_tag"] = 9, ["queue_full"] = 0 },
        EventsOpened = 2, EventsClosed = 1, EventsOpen = 1, EventsUplinked = 5, Backlog = 3, EvictedReadings = 7, EvictedEvents = 1,
        DiskFull = true, EventsHeld = 2, ReadingsDroppedDiskFull = 11, DiskWriteFailures = 1, Reconnects = 1, SequenceGaps = 4,
        SequenceResets = 1, NodesEvicted = 1, RulesReloadsRefused = 1, DatabaseBytes = 1_048_576, UplinkConnected = true,
        Nodes =
        [
            new() { Id = "esp32-a", State = "online", LastSeenMs = 1_732_400_009_950, Messages = 3600, SequenceGaps = 4, SequenceResets = 1, ClockOffsetMs = -180 },
            new() { Id = "esp32-b", State = "offline", LastSeenMs = 1_732_400_000_000, Messages = 12 },
        ],
        Sources = new Dictionary<string, HealthSource>
        {
            ["mqtt"] = new() { Readings = 180_007 },
            ["modbus"] = new() { Batches = 1, Readings = 10, NotGood = 2, QueueFullWaits = 1, AbandonedAtStop = 0 },
        },
        LocalQueue = 4, LocalUnknownTags = 2,
        Devices =
        [
            new() { Name = "probe \"2\"", Kind = "serial", Link = "/dev/ttyACM0 9600", Status = "degraded", Requests = 40, Timeouts = 12, Errors = 3 },
        ],
        Models =
        [
            new()
            {
                Asset = "pump-01", State = "active", Text = "active v2", Version = 2, ProgressPercent = 100, Detail = "drift: ok", RefusedUpdate = "b.eamodel",
                CreatedAtMs = 1_732_300_000_000, Steps = 420, LastStepMs = 1_732_400_009_000, LastScore = 0.8125, Threshold = 0.75, Regime = 2, Anomaly = true,
            },
            new() { Asset = "pump-02", State = "none", Text = "none" },
        ],
        Runtime = new() { RssBytes = 54_321_152, GcHeapBytes = 14_680_064, GcGen0 = 812, GcGen1 = 40, GcGen2 = 3, GcPauseMs = 310.512 },
        PipelineMaxMs = new() { Batch = 1.84, Commit = 1.215, Tick = 3.02, FlushSlice = 2.4, CommitLockWait = 0.05, CommitSync = 0.9 },
        StorageCheck = new()
        {
            Status = "recovered", CheckMs = 302, Cause = "corrupt", Detail = "Tree 12 page 1573: error code 11", MovedTo = "/var/lib/edgeanomaly/x.damaged",
            SalvagedEvents = 1497, SalvagedRevisions = 1490, UnreadableRows = 6,
        },
    };

    [Fact]
    public void Write_IsByteIdenticalToSystemTextJsonOfTheSameRecord()
    {
        // The writer spells the names by hand; the records carry them as attributes: this holds the two together.
        foreach (var report in new[] { Full(), new HealthReport { Gateway = "gw" } })
        {
            Assert.Equal(Encoding.UTF8.GetString(JsonSerializer.SerializeToUtf8Bytes(report, ContractJsonContext.Default.HealthReport)),
                Encoding.UTF8.GetString(HealthReportJson.Write(report)));
        }
    }

    [Fact]
    public void WriteThenRead_RoundTripsEveryField()
    {
        var report = Full();

        var back = HealthReportJson.Read(HealthReportJson.Write(report));

        Assert.Equal(report with { Rejected = back.Rejected, Nodes = back.Nodes, Sources = back.Sources, Devices = back.Devices, Models = back.Models }, back);
        Assert.Equal(report.Rejected, back.Rejected);
        Assert.Equal(report.Nodes, back.Nodes);
        Assert.Equal(report.Sources, back.Sources);
        Assert.Equal(report.Devices, back.Devices);
        Assert.Equal(report.Models, back.Models);
        Assert.Equal(HealthReportJson.Write(report), HealthReportJson.Write(back));
    }

    [Fact]
    public void Read_TheDocumentedPayload_ReadsItAndWritesTheSameBytesBack()
    {
        var report = HealthReportJson.Read(Encoding.UTF8.GetBytes(DocumentedHealth));

        Assert.Equal(("gw-01", 14L, 9L), (report.Gateway, report.RejectedTotal, report.Rejected["unknown_tag"]));
        Assert.Equal(15, report.Rejected.Count);
        Assert.Equal(180, Assert.Single(report.Nodes).ClockOffsetMs);
        Assert.Equal(180_020, report.Sources["mqtt"].Readings);
        Assert.Null(report.Devices);
        Assert.Null(report.StorageCheck);
        Assert.Equal(310.5, report.Runtime!.GcPauseMs);
        Assert.Equal(0.9, report.PipelineMaxMs!.CommitSync);
        Assert.Equal(DocumentedHealth, Encoding.UTF8.GetString(HealthReportJson.Write(report)));
    }

    [Fact]
    public void Read_FieldsAddedWithinV1_AreIgnored()
    {
        var report = HealthReportJson.Read("""{"v":1,"gateway":"gw","ts":1,"new_counter":5,"new_section":{"x":[1,2]}}"""u8);

        Assert.Equal(("gw", 1L), (report.Gateway, report.Ts));
    }

    [Theory]
    [InlineData("""{"v":2,"gateway":"gw"}""")]
    [InlineData("""{"gateway":"gw"}""")]
    [InlineData("""{"v":1,"gateway":"gw","backlog":"many"}""")]
    [InlineData("""null""")]
    [InlineData("""{"v":1,""")]
    public void Read_NotAV1HealthPayload_IsRefused(string json)
    {
        Assert.ThrowsAny<JsonException>(() => HealthReportJson.Read(Encoding.UTF8.GetBytes(json)));
    }
}
