using System.Text.Json;
using EdgeAnomaly.Core.Diagnostics;
using EdgeAnomaly.Runtime.Health;
using EdgeAnomaly.Runtime.Sources;
using EdgeAnomaly.Ingest;

namespace EdgeAnomaly.Gateway.Tests.Health;

public sealed class HealthJsonTests
{
    [Fact]
    public void Serialize_CountersGaugesAndNodes_AllPresent()
    {
        var counters = new GatewayCounters();
        counters.AddRejected(RejectReason.UnknownTag, 3);
        counters.AddReadingsAccepted(10);
        var nodes = new List<NodeState>
        {
            new("esp32-01", NodeOnlineState.Online, 1000, 5, 1, 0, 0, -12, "1.4.2"),
            new("esp32-02", NodeOnlineState.Offline, 900, 2, 0, 1, 0, null, null),
        };
        var json = HealthJson.Serialize("gw", 2000, 7, counters, new HealthGauges(4, 8192, true, false, 2, nodes));
        var r = JsonDocument.Parse(json).RootElement;
        Assert.Equal(3, r.GetProperty("rejected").GetProperty("unknown_tag").GetInt64());
        Assert.Equal(3, r.GetProperty("rejected_total").GetInt64());
        Assert.Equal(10, r.GetProperty("readings").GetInt64());
        Assert.Equal(4, r.GetProperty("backlog").GetInt64());
        Assert.Equal(2, r.GetProperty("events_open").GetInt64());
        Assert.Equal("online", r.GetProperty("nodes")[0].GetProperty("state").GetString());
        Assert.Equal(-12, r.GetProperty("nodes")[0].GetProperty("clock_offset_ms").GetInt64());
        Assert.False(r.GetProperty("nodes")[1].TryGetProperty("clock_offset_ms", out _));
    }

    [Fact]
    public void Serialize_Runtime_MemoryGcAndPipelineMaxima()
    {
        var runtime = new RuntimeHealth(52_000_000, 14_000_000, 120, 9, 2, 41.25, new EdgeAnomaly.Runtime.Pipeline.PipelineStalls(3.5, 2.25, 7, 1.125, 0.5, 0.75));
        var json = HealthJson.Serialize("gw", 2000, 7, new GatewayCounters(), new HealthGauges(0, 0, true, true, 0, [], Runtime: runtime));
        var r = JsonDocument.Parse(json).RootElement;
        var rt = r.GetProperty("runtime");
        Assert.Equal(52_000_000, rt.GetProperty("rss_bytes").GetInt64());
        Assert.Equal(14_000_000, rt.GetProperty("gc_heap_bytes").GetInt64());
        Assert.Equal(120, rt.GetProperty("gc_gen0").GetInt32());
        Assert.Equal(9, rt.GetProperty("gc_gen1").GetInt32());
        Assert.Equal(2, rt.GetProperty("gc_gen2").GetInt32());
        Assert.Equal(41.25, rt.GetProperty("gc_pause_ms").GetDouble());
        var max = r.GetProperty("pipeline_max_ms");
        Assert.Equal(3.5, max.GetProperty("batch").GetDouble());
        Assert.Equal(2.25, max.GetProperty("commit").GetDouble());
        Assert.Equal(7, max.GetProperty("tick").GetDouble());
        Assert.Equal(1.125, max.GetProperty("flush_slice").GetDouble());
        Assert.Equal(0.5, max.GetProperty("commit_lock_wait").GetDouble());
        Assert.Equal(0.75, max.GetProperty("commit_sync").GetDouble());
    }

    [Fact]
    public void Capture_ReadsThisProcess()
    {
        var runtime = RuntimeHealth.Capture(default);
        Assert.True(runtime.RssBytes > 1_000_000, $"rss {runtime.RssBytes}");
        Assert.True(runtime.GcHeapBytes >= 0);
        Assert.True(runtime.Gen0Collections >= runtime.Gen1Collections && runtime.Gen1Collections >= runtime.Gen2Collections);
    }

    [Fact]
    public void Serialize_LocalSources_CountersPerKindAndDeviceStatus()
    {
        var counters = new GatewayCounters();
        counters.AddReadingsAccepted(15);
        var local = new LocalSourceCounters();
        local.AddProcessed(LocalSourceKind.Modbus, 10, 2);
        local.AddQueueFullWait(LocalSourceKind.Modbus);
        var devices = new List<LocalDeviceHealth>
        {
            new("pump-01", LocalSourceKind.Modbus, "tcp://10.0.0.5:502 unit 1", false, 100, 0, 0),
            new("pump-02", LocalSourceKind.Modbus, "rtu:/dev/ttyUSB0 unit 2", true, 40, 12, 3),
        };
        var json = HealthJson.Serialize("gw", 2000, 7, counters, new HealthGauges(0, 0, true, true, 0, [], new LocalSourcesHealth(local, 4, devices)));
        var r = JsonDocument.Parse(json).RootElement;
        var sources = r.GetProperty("sources");
        Assert.Equal(5, sources.GetProperty("mqtt").GetProperty("readings").GetInt64());
        Assert.Equal(10, sources.GetProperty("modbus").GetProperty("readings").GetInt64());
        Assert.Equal(2, sources.GetProperty("modbus").GetProperty("not_good").GetInt64());
        Assert.Equal(1, sources.GetProperty("modbus").GetProperty("queue_full_waits").GetInt64());
        Assert.Equal(0, sources.GetProperty("gpio").GetProperty("readings").GetInt64());
        Assert.Equal(4, r.GetProperty("local_queue").GetInt64());
        var d = r.GetProperty("devices");
        Assert.Equal("ok", d[0].GetProperty("status").GetString());
        Assert.Equal("degraded", d[1].GetProperty("status").GetString());
        Assert.Equal(12, d[1].GetProperty("timeouts").GetInt64());
        Assert.Equal(3, d[1].GetProperty("errors").GetInt64());
        Assert.Equal("modbus", d[1].GetProperty("kind").GetString());
    }
}
