using System.Text.Json;
using EdgeAnomaly.Core.Diagnostics;
using EdgeAnomaly.Gateway.Health;
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
}
