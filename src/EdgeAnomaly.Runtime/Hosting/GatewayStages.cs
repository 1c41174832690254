using EdgeAnomaly.Core.Diagnostics;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace EdgeAnomaly.Runtime.Hosting;

/// <summary>One component of the gateway that starts and stops with it.</summary>
public sealed record GatewayStage(string Name, IHostedService Service);

/// <summary>
/// Starts and stops the gateway's components in one declared order, so that shutdown order is stated and tested
/// rather than following from the order of service registrations. <see cref="StopOrder"/> is the order they stop in
/// (sources first, then the pipeline drains, the uplink last); they start in the reverse order.
/// A background loop that faults stops the host (as <see cref="BackgroundServiceExceptionBehavior.StopHost"/> does
/// for services the host runs itself); every stage is still stopped, in order.
/// </summary>
public sealed class GatewayStages(IReadOnlyList<GatewayStage> stopOrder, IHostApplicationLifetime lifetime, ILogger<GatewayStages> log)
    : IHostedService
{
    private readonly List<string> _stopped = [];
    private int _started;

    public IReadOnlyList<GatewayStage> StopOrder { get; } = stopOrder;

    /// <summary>Names of the stages in the order they stopped (for diagnostics and the shutdown-order test).</summary>
    public IReadOnlyList<string> Stopped
    {
        get
        {
            lock (_stopped)
            {
                return [.. _stopped];
            }
        }
    }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        for (var i = StopOrder.Count - 1; i >= 0; i--)
        {
            var stage = StopOrder[i];
            await stage.Service.StartAsync(cancellationToken).ConfigureAwait(false);
            _started++;
            if (stage.Service is BackgroundService { ExecuteTask: { } loop })
            {
                _ = StopHostOnFaultAsync(stage.Name, loop);
            }
        }
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        // Only what started is stopped: those are the last _started entries of StopOrder.
        List<Exception>? errors = null;
        for (var i = StopOrder.Count - _started; i < StopOrder.Count; i++)
        {
            var stage = StopOrder[i];
            try
            {
                await stage.Service.StopAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e)
            {
                // The later stages (the uplink's offline state) still get their turn.
                (errors ??= []).Add(e);
                GatewayStagesLog.StopFailed(log, stage.Name, e);
            }
            lock (_stopped)
            {
                _stopped.Add(stage.Name);
            }
            GatewayStagesLog.Stopped(log, stage.Name);
        }
        if (errors is not null)
        {
            throw new AggregateException(errors);
        }
    }

    private async Task StopHostOnFaultAsync(string name, Task loop)
    {
        try
        {
            await loop.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
#pragma warning disable CA1031 // Any fault of a loop stops the host; GatewayRun turns it into the exit code.
        catch (Exception e)
#pragma warning restore CA1031
        {
            GatewayStagesLog.LoopFailed(log, name, e);
            lifetime.StopApplication();
        }
    }
}

internal static partial class GatewayStagesLog
{
    [LoggerMessage(EventId = LogEventIds.Hosting.StageFailed, Level = LogLevel.Error, Message = "{Stage} failed; stopping the gateway")]
    public static partial void LoopFailed(ILogger logger, string stage, Exception error);

    [LoggerMessage(EventId = LogEventIds.Hosting.StageStopFailed, Level = LogLevel.Error, Message = "{Stage} failed while stopping")]
    public static partial void StopFailed(ILogger logger, string stage, Exception error);

    [LoggerMessage(EventId = LogEventIds.Hosting.StageStopped, Level = LogLevel.Debug, Message = "{Stage} stopped")]
    public static partial void Stopped(ILogger logger, string stage);
}
