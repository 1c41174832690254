using EdgeAnomaly.Core.Diagnostics;
using EdgeAnomaly.Runtime.Configuration;
using EdgeAnomaly.Runtime.Models;
using EdgeAnomaly.Runtime.Pipeline;
using EdgeAnomaly.Runtime.Sources;
using EdgeAnomaly.Ingest;
using EdgeAnomaly.Storage;
using EdgeAnomaly.Uplink;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using MQTTnet.Protocol;

namespace EdgeAnomaly.Runtime.Health;

/// <summary>
/// Publishes health to the central broker every interval (QoS 0: a missed report is replaced by the next) and
/// writes a summary line to the local log every minute, so health is visible with or without the network.
/// </summary>
public sealed class HealthReporter(
    GatewayConfig config,
    GatewayCounters counters,
    IStoreQueries store,
    ICommitTimings commitTimings,
    UplinkClient uplink,
    MqttIngestClient ingest,
    GatewayPipeline pipeline,
    LocalReadingChannel localReadings,
    IEnumerable<ILocalSourceStatus> localSources,
    TimeProvider time,
    ILogger<HealthReporter> log,
    IModelStatusSource? models = null) : BackgroundService
{
    private readonly DateTimeOffset _started = time.GetUtcNow();
    private readonly ILocalSourceStatus[] _localSources = [.. localSources];

    public byte[] BuildPayload()
    {
        var now = time.GetUtcNow();
        var devices = new List<LocalDeviceHealth>();
        foreach (var source in _localSources)
        {
            source.Collect(devices);
        }
        var gauges = new HealthGauges(store.PendingCount, store.DatabaseSizeBytes, uplink.IsConnected, ingest.IsConnected,
            pipeline.OpenEvents, pipeline.NodesSnapshot, new LocalSourcesHealth(localReadings.Counters, localReadings.Pending, devices),
            models?.Snapshot(), RuntimeHealth.Capture(pipeline.Timings.Take() with { CommitLockWaitMs = commitTimings.TakeLongestCommitLockWaitMs(), CommitSyncMs = commitTimings.TakeLongestCommitSyncMs() }),
            store.StartupReport, store.DiskFull || pipeline.HeldRevisions > 0, pipeline.HeldRevisions);
        return HealthJson.Serialize(config.Gateway.Id, now.ToUnixTimeMilliseconds(), (long)(now - _started).TotalSeconds, counters, gauges);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // The uplink's topic set, as for events and state: all three name Central:GatewayId (not Gateway:Id).
        var topic = uplink.Topics.Health;
        var lastLog = time.GetUtcNow();
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(config.Central.HealthInterval, time, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            if (uplink.IsConnected)
            {
                await uplink.PublishAsync(topic, BuildPayload(), MqttQualityOfServiceLevel.AtMostOnce, retain: false, stoppingToken).ConfigureAwait(false);
            }
            if (time.GetUtcNow() - lastLog >= TimeSpan.FromMinutes(1))
            {
                lastLog = time.GetUtcNow();
                HealthLog.Summary(log, counters.ReadingsAccepted, counters.RejectedTotal, counters.EventsOpened, store.PendingCount,
                    counters.EvictedReadings + counters.EvictedEvents, uplink.IsConnected);
            }
        }
    }
}

internal static partial class HealthLog
{
    [LoggerMessage(EventId = LogEventIds.Health.Summary, Level = LogLevel.Information,
        Message = "Health: readings={Readings} rejected={Rejected} events={Events} backlog={Backlog} evictions={Evictions} uplink={Connected}")]
    public static partial void Summary(ILogger logger, long readings, long rejected, long events, long backlog, long evictions, bool connected);
}
