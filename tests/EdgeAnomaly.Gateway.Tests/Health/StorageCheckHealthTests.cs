using System.Text.Json;
using EdgeAnomaly.Contracts;
using EdgeAnomaly.Core.Diagnostics;
using EdgeAnomaly.Core.Events;
using EdgeAnomaly.Runtime.Health;
using EdgeAnomaly.Runtime.Hosting;
using EdgeAnomaly.Storage;

namespace EdgeAnomaly.Gateway.Tests.Health;

/// <summary>How the start-up check is reported: the health field and the storage event.</summary>
public sealed class StorageCheckHealthTests
{
    private static readonly StoreStartupReport Recovered = new()
    {
        Status = StoreCheckStatus.Recovered,
        Cause = "corrupt",
        Detail = "Tree 12 page 1573: btreeInitPage() returns error code 11",
        MovedTo = "/var/lib/edgeanomaly/edgeanomaly.db.damaged-20261207T170338Z",
        SalvagedEvents = 1497,
        SalvagedRevisions = 1490,
        SkippedRows = 6,
        CheckMs = 302,
    };

    [Fact]
    public void Serialize_RecoveredCheck_ReportsWhereTheFileWentAndWhatWasSalvaged()
    {
        var json = HealthJson.Serialize("gw", 2000, 7, new GatewayCounters(), new HealthGauges(0, 0, true, true, 0, [], StorageCheck: Recovered));

        var check = JsonDocument.Parse(json).RootElement.GetProperty("storage_check");
        Assert.Equal("recovered", check.GetProperty("status").GetString());
        Assert.Equal("corrupt", check.GetProperty("cause").GetString());
        Assert.Equal(Recovered.MovedTo, check.GetProperty("moved_to").GetString());
        Assert.Equal(1497, check.GetProperty("salvaged_events").GetInt64());
        Assert.Equal(1490, check.GetProperty("salvaged_revisions").GetInt64());
        Assert.Equal(6, check.GetProperty("unreadable_rows").GetInt64());
        Assert.Equal(302, check.GetProperty("check_ms").GetInt64());
    }

    [Fact]
    public void Serialize_PassedCheck_OnlyStatusAndTime()
    {
        var ok = new StoreStartupReport { Status = StoreCheckStatus.Ok, CheckMs = 12 };

        var json = HealthJson.Serialize("gw", 2000, 7, new GatewayCounters(), new HealthGauges(0, 0, true, true, 0, [], StorageCheck: ok));

        var check = JsonDocument.Parse(json).RootElement.GetProperty("storage_check");
        Assert.Equal("ok", check.GetProperty("status").GetString());
        Assert.False(check.TryGetProperty("cause", out _));
    }

    [Fact]
    public void StorageEvent_ForARecoveredFile_IsACriticalClosedStorageEventOfTheGateway()
    {
        var e = StoreStartup.StorageEvent("gw-01", Recovered, 1_765_000_000_000)!;

        Assert.Equal(EventKind.Storage, e.Kind);
        Assert.Equal("storage:recovered", e.Source);
        Assert.Equal("_gateway", e.Asset);
        Assert.Equal(Severity.Critical, e.Severity);
        Assert.Equal(EventState.Closed, e.State);
        Assert.Equal(EventIds.Create("gw-01", "_gateway", "storage:recovered", 1_765_000_000_000), e.Id);
        Assert.Contains("edgeanomaly.db.damaged-20261207T170338Z", e.Message, StringComparison.Ordinal);
        Assert.Contains("1490 unsent revisions", e.Message, StringComparison.Ordinal);
        var wire = JsonDocument.Parse(EventJson.Serialize(e)).RootElement;
        Assert.Equal("storage", wire.GetProperty("kind").GetString());
        Assert.Equal(EventKind.Storage, EventJson.Deserialize(EventJson.Serialize(e)).Kind);
    }

    [Theory]
    [InlineData(StoreCheckStatus.Fresh)]
    [InlineData(StoreCheckStatus.Ok)]
    [InlineData(StoreCheckStatus.Unverified)]
    public void StorageEvent_NothingSetAsideOrLost_NoEvent(StoreCheckStatus status) =>
        Assert.Null(StoreStartup.StorageEvent("gw-01", new StoreStartupReport { Status = status }, 1));
}
