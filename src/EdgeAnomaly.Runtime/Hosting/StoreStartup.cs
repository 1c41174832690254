using System.Globalization;
using EdgeAnomaly.Core.Diagnostics;
using EdgeAnomaly.Core.Events;
using EdgeAnomaly.Storage;
using Microsoft.Extensions.Logging;

namespace EdgeAnomaly.Runtime.Hosting;

/// <summary>
/// Opens the daemon's store through the start-up check and says loudly what it found: a log line, the health field
/// "storage_check" (from <see cref="GatewayStore.StartupReport"/>) and, when data was set aside or lost, a storage
/// event committed to the outbox like any other event, so central hears of it (docs/storage.md "Start-up check").
/// </summary>
public static class StoreStartup
{
    /// <summary>The pseudo-asset of events about the gateway itself (topic .../events/_gateway).</summary>
    public const string GatewayAsset = "_gateway";

    public static GatewayStore Open(StoreOptions options, string gatewayId, GatewayCounters counters, TimeProvider time, ILogger log)
    {
        var store = GatewayStore.OpenChecked(options, counters, time);
        try
        {
            var report = store.StartupReport!;
            Report(log, options.Path, report);
            if (StorageEvent(gatewayId, report, time.GetUtcNow().ToUnixTimeMilliseconds()) is { } storageEvent)
            {
                store.CommitEventRevisions([storageEvent]);
            }
            return store;
        }
        catch
        {
            store.Dispose();
            throw;
        }
    }

    private static void Report(ILogger log, string path, StoreStartupReport report)
    {
        switch (report.Status)
        {
            case StoreCheckStatus.Recovered:
                StoreStartupLog.Recovered(log, path, report.Cause ?? "", report.Detail, report.MovedTo ?? "", report.SalvagedEvents,
                    report.SalvagedRevisions, report.SkippedRows);
                break;
            case StoreCheckStatus.Missing:
                StoreStartupLog.Missing(log, path, report.Detail, report.MovedTo ?? "(nothing to move)");
                break;
            case StoreCheckStatus.Unverified:
                StoreStartupLog.Unverified(log, path, report.Detail);
                break;
            case StoreCheckStatus.Ok:
                StoreStartupLog.Passed(log, path, report.CheckMs);
                break;
            default:
                StoreStartupLog.Created(log, path);
                break;
        }
    }

    /// <summary>
    /// The event that tells central about data set aside or lost (kind "storage", severity critical, closed at once),
    /// or null when there is nothing to tell. Its id is derived like any event's, from the moment it happened.
    /// </summary>
    public static GatewayEvent? StorageEvent(string gatewayId, StoreStartupReport report, long nowMs)
    {
        if (report.Status is not (StoreCheckStatus.Recovered or StoreCheckStatus.Missing))
        {
            return null;
        }
        var source = report.Status == StoreCheckStatus.Recovered ? "storage:recovered" : "storage:missing";
        var moved = report.MovedTo is null ? "nothing to move aside" : "moved aside to " + Path.GetFileName(report.MovedTo);
        return new GatewayEvent
        {
            Id = EventIds.Create(gatewayId, GatewayAsset, source, nowMs),
            Gateway = gatewayId,
            Asset = GatewayAsset,
            Tags = [],
            Kind = EventKind.Storage,
            Source = source,
            Severity = Severity.Critical,
            State = EventState.Closed,
            StartMs = nowMs,
            EndMs = nowMs,
            PeakValue = double.NaN,
            PeakScore = double.NaN,
            Threshold = double.NaN,
            Message = string.Create(CultureInfo.InvariantCulture,
                $"{gatewayId}: database {report.Cause}; {moved}; salvaged {report.SalvagedEvents} events and {report.SalvagedRevisions} unsent revisions"),
            Explanation = string.Create(CultureInfo.InvariantCulture,
                $"start-up check: {report.Detail}; up to {report.SkippedRows} rows unreadable; the gateway goes on with a new database"),
            UpdatedMs = nowMs,
        };
    }
}

internal static partial class StoreStartupLog
{
    [LoggerMessage(EventId = LogEventIds.Hosting.StoreRecovered, Level = LogLevel.Error,
        Message = "Database {Path} failed the start-up check ({Cause}: {Detail}). Moved aside to {MovedTo} (kept, not deleted); salvaged {Events} events and {Revisions} unsent revisions, up to {Skipped} rows unreadable; continuing with a new database")]
    public static partial void Recovered(ILogger logger, string path, string cause, string detail, string movedTo, long events, long revisions, long skipped);

    [LoggerMessage(EventId = LogEventIds.Hosting.StoreMissing, Level = LogLevel.Error,
        Message = "Database {Path} is missing: {Detail}. Leftovers: {MovedTo}; continuing with a new database")]
    public static partial void Missing(ILogger logger, string path, string detail, string movedTo);

    [LoggerMessage(EventId = LogEventIds.Hosting.StoreUnverified, Level = LogLevel.Warning,
        Message = "Database {Path} not verified at start: {Detail}; using it as it is (a damaged page read later stops the gateway with exit code 3 and the next start checks again)")]
    public static partial void Unverified(ILogger logger, string path, string detail);

    [LoggerMessage(EventId = LogEventIds.Hosting.StorePassed, Level = LogLevel.Information, Message = "Database {Path} passed the start-up check in {Ms} ms")]
    public static partial void Passed(ILogger logger, string path, long ms);

    [LoggerMessage(EventId = LogEventIds.Hosting.StoreCreated, Level = LogLevel.Information, Message = "Database {Path} created")]
    public static partial void Created(ILogger logger, string path);
}
