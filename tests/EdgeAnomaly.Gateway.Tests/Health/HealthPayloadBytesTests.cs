using System.Text;
using EdgeAnomaly.Core.Diagnostics;
using EdgeAnomaly.Ingest;
using EdgeAnomaly.Runtime.Health;
using EdgeAnomaly.Runtime.Models;
using EdgeAnomaly.Runtime.Pipeline;
using EdgeAnomaly.Runtime.Sources;
using EdgeAnomaly.Scoring.Pipeline;
using EdgeAnomaly.Storage;

namespace EdgeAnomaly.Gateway.Tests.Health;

/// <summary>
/// The health payload byte for byte, as the gateway has published it since before the contract library: a central
/// service reads these bytes, so moving the writer must not change one of them.
/// </summary>
public sealed class HealthPayloadBytesTests
{
    private static GatewayCounters Counters()
    {
        var c = new GatewayCounters();
        c.AddReadingsAccepted(180_020);
        for (var i = 0; i < 3; i++)
        {
            c.AddMessageReceived();
        }
        c.AddRejected(RejectReason.MalformedJson);
        c.AddRejected(RejectReason.UnknownTag, 9);
        c.AddEventOpened();
        c.AddEventOpened();
        c.AddEventClosed();
        c.AddEventsUplinked(5);
        c.AddUplinkReconnect();
        c.AddEvictedReadings(7);
        c.AddEvictedEvents(1);
        c.AddSequenceGap(4);
        c.AddSequenceReset();
        c.AddReadingsDroppedDiskFull(11);
        c.AddDiskWriteFailure();
        c.AddNodeEvicted();
        c.AddRulesReloadRefused();
        return c;
    }

    private static readonly NodeState[] Nodes =
    [
        new("esp32-a", NodeOnlineState.Online, 1_732_400_009_950, 3600, 4, 1, 0, 180, "1.4.2"),
        new("esp32-b", NodeOnlineState.Offline, 1_732_400_000_000, 12, 0, 0, 0, null, null),
    ];

    [Fact]
    public void Serialize_EverySectionPresent_IsByteIdenticalToTheV1Payload()
    {
        var local = new LocalSourceCounters();
        local.AddProcessed(LocalSourceKind.Modbus, 10, 2);
        local.AddQueueFullWait(LocalSourceKind.Modbus);
        local.AddProcessed(LocalSourceKind.Serial, 3, 0);
        local.AddAbandoned(LocalSourceKind.Gpio);
        local.AddUnknownTags(2);
        var devices = new List<LocalDeviceHealth>
        {
            new("pump-01", LocalSourceKind.Modbus, "tcp://10.0.0.5:502 unit 1", false, 100, 0, 0),
            new("probe \"2\"", LocalSourceKind.Serial, "/dev/ttyACM0 9600", true, 40, 12, 3),
        };
        var step = new StepResult(1_732_400_009_000, true, 2, 0.4, 0.5, 0.6, 0.8125, 0.75, true, true, default, false);
        var models = new List<ModelStatus>
        {
            new("pump-01", ModelState.Active, 2, 0, null, "bundle-v3.eamodel", 1_732_300_000_000, 420, step),
            new("pump-02", ModelState.WarmingUp, 0, 0, null, null, 0, 0, null),
            new("pump-03", ModelState.Refused, 0, 0, "checksum mismatch", null, 0, 0, new StepResult(5, false, -1, 0, 0, 0, 0, 0, false, false, default, false)),
        };
        var runtime = new RuntimeHealth(54_321_152, 14_680_064, 812, 40, 3, 310.51234, new PipelineStalls(1.84, 1.2149, 3.02, 2.4, 0.05, 0.9));
        var check = new StoreStartupReport
        {
            Status = StoreCheckStatus.Recovered, Cause = "corrupt", Detail = "Tree 12 page 1573: btreeInitPage() returns error code 11",
            MovedTo = "/var/lib/edgeanomaly/edgeanomaly.db.damaged-20261207T170338Z", SalvagedEvents = 1497, SalvagedRevisions = 1490,
            SkippedRows = 6, CheckMs = 302,
        };
        var gauges = new HealthGauges(3, 1_048_576, true, false, 1, Nodes, new LocalSourcesHealth(local, 4, devices), models, runtime, check,
            DiskFull: true, HeldRevisions: 2);

        var json = Encoding.UTF8.GetString(HealthJson.Serialize("gw-01", 1_732_400_010_000, 3600, Counters(), gauges));

        Assert.Equal(
            """{"v":1,"gateway":"gw-01","ts":1732400010000,"uptime_s":3600,"messages":3,"readings":180020,"rejected_total":10,"rejected":{"malformed_json":1,"wrong_type":0,"unsupported_version":0,"missing_field":0,"non_finite_value":0,"unknown_asset":0,"unknown_tag":9,"oversized_payload":0,"too_many_readings":0,"future_timestamp":0,"stale_timestamp":0,"out_of_order":0,"duplicate_sequence":0,"bad_topic":0,"queue_full":0},"events_opened":2,"events_closed":1,"events_open":1,"events_uplinked":5,"backlog":3,"evicted_readings":7,"evicted_events":1,"disk_full":true,"events_held":2,"readings_dropped_disk_full":11,"disk_write_failures":1,"reconnects":1,"sequence_gaps":4,"sequence_resets":1,"nodes_evicted":1,"rules_reloads_refused":1,"db_bytes":1048576,"uplink_connected":true,"ingest_connected":false,"nodes":[{"id":"esp32-a","state":"online","last_seen_ms":1732400009950,"messages":3600,"sequence_gaps":4,"sequence_resets":1,"clock_offset_ms":180},{"id":"esp32-b","state":"offline","last_seen_ms":1732400000000,"messages":12,"sequence_gaps":0,"sequence_resets":0}],"sources":{"mqtt":{"readings":180007},"modbus":{"batches":1,"readings":10,"not_good":2,"queue_full_waits":1,"abandoned_at_stop":0},"serial":{"batches":1,"readings":3,"not_good":0,"queue_full_waits":0,"abandoned_at_stop":0},"gpio":{"batches":0,"readings":0,"not_good":0,"queue_full_waits":0,"abandoned_at_stop":1}},"local_queue":4,"local_unknown_tags":2,"devices":[{"name":"pump-01","kind":"modbus","link":"tcp://10.0.0.5:502 unit 1","status":"ok","requests":100,"timeouts":0,"errors":0},{"name":"probe \u00222\u0022","kind":"serial","link":"/dev/ttyACM0 9600","status":"degraded","requests":40,"timeouts":12,"errors":3}],"models":[{"asset":"pump-01","state":"active","text":"active v2","version":2,"refused_update":"bundle-v3.eamodel","created_at_ms":1732300000000,"steps":420,"last_step_ms":1732400009000,"last_score":0.8125,"threshold":0.75,"regime":2,"anomaly":true},{"asset":"pump-02","state":"warming-up","text":"warming-up 0%","version":0,"progress_pct":0,"steps":0},{"asset":"pump-03","state":"refused","text":"refused: checksum mismatch","version":0,"detail":"checksum mismatch","steps":0}],"runtime":{"rss_bytes":54321152,"gc_heap_bytes":14680064,"gc_gen0":812,"gc_gen1":40,"gc_gen2":3,"gc_pause_ms":310.512},"pipeline_max_ms":{"batch":1.84,"commit":1.215,"tick":3.02,"flush_slice":2.4,"commit_lock_wait":0.05,"commit_sync":0.9},"storage_check":{"status":"recovered","check_ms":302,"cause":"corrupt","detail":"Tree 12 page 1573: btreeInitPage() returns error code 11","moved_to":"/var/lib/edgeanomaly/edgeanomaly.db.damaged-20261207T170338Z","salvaged_events":1497,"salvaged_revisions":1490,"unreadable_rows":6}}""",
            json);
    }

    [Fact]
    public void Serialize_NoOptionalSections_IsByteIdenticalToTheV1Payload()
    {
        var gauges = new HealthGauges(0, 8192, false, true, 0, Nodes[1..]);

        var json = Encoding.UTF8.GetString(HealthJson.Serialize("gw", 2000, 7, new GatewayCounters(), gauges));

        Assert.Equal(
            """{"v":1,"gateway":"gw","ts":2000,"uptime_s":7,"messages":0,"readings":0,"rejected_total":0,"rejected":{"malformed_json":0,"wrong_type":0,"unsupported_version":0,"missing_field":0,"non_finite_value":0,"unknown_asset":0,"unknown_tag":0,"oversized_payload":0,"too_many_readings":0,"future_timestamp":0,"stale_timestamp":0,"out_of_order":0,"duplicate_sequence":0,"bad_topic":0,"queue_full":0},"events_opened":0,"events_closed":0,"events_open":0,"events_uplinked":0,"backlog":0,"evicted_readings":0,"evicted_events":0,"disk_full":false,"events_held":0,"readings_dropped_disk_full":0,"disk_write_failures":0,"reconnects":0,"sequence_gaps":0,"sequence_resets":0,"nodes_evicted":0,"rules_reloads_refused":0,"db_bytes":8192,"uplink_connected":false,"ingest_connected":true,"nodes":[{"id":"esp32-b","state":"offline","last_seen_ms":1732400000000,"messages":12,"sequence_gaps":0,"sequence_resets":0}],"sources":{"mqtt":{"readings":0}}}""",
            json);
    }
}
