using EdgeAnomaly.Core.Diagnostics;
using EdgeAnomaly.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace EdgeAnomaly.Runtime.Hosting;

/// <summary>
/// Exit codes of `edgeanomaly run` (docs/architecture.md "Fatal faults and exit codes"). Anything but 0 makes systemd
/// (Restart=on-failure) start the gateway again.
/// </summary>
public static class GatewayExitCodes
{
    /// <summary>Stopped on request (SIGTERM, Ctrl+C).</summary>
    public const int Stopped = 0;

    /// <summary>A component failed, or the start failed: logged as "Fatal:".</summary>
    public const int Fault = 1;

    /// <summary>The configuration is invalid (nothing was started).</summary>
    public const int InvalidConfig = 2;

    /// <summary>SQLite found the database damaged while running; the next start's check moves it aside.</summary>
    public const int DatabaseDamaged = 3;

    public static int For(Exception e) => StoreStartupCheck.IsCorruption(e) ? DatabaseDamaged : Fault;
}

/// <summary>
/// Runs the host and turns how it ended into the exit code. The host's StopHost behaviour stops everything when a
/// background loop faults, but RunAsync then returns normally: without this the process exited 0 and systemd's
/// Restart=on-failure did not restart it.
/// </summary>
public static class GatewayRun
{
    public static async Task<int> RunAsync(IHost host, CancellationToken ct)
    {
        try
        {
            // Not RunAsync: it disposes the host, and the services are inspected below.
            await host.StartAsync(ct).ConfigureAwait(false);
            await host.WaitForShutdownAsync(ct).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // Start failed (a store that cannot be opened, a service that threw while starting).
            var code = GatewayExitCodes.For(e);
            GatewayExitLog.StartFailed(Logger(host), code, e);
            return code;
        }
        var fault = FirstFault(host.Services.GetServices<IHostedService>());
        if (fault is null)
        {
            return GatewayExitCodes.Stopped;
        }
        var exitCode = GatewayExitCodes.For(fault.Value.Error);
        GatewayExitLog.ComponentFailed(Logger(host), fault.Value.Name, exitCode, fault.Value.Error.GetBaseException().Message);
        return exitCode;
    }

    /// <summary>The first background loop that ended with an exception (its name and the exception), or null.</summary>
    public static (string Name, Exception Error)? FirstFault(IEnumerable<IHostedService> services)
    {
        ArgumentNullException.ThrowIfNull(services);
        foreach (var service in services)
        {
            if (service is GatewayStages stages)
            {
                foreach (var stage in stages.StopOrder)
                {
                    if (Fault(stage.Service) is { } error)
                    {
                        return (stage.Name, error);
                    }
                }
            }
            else if (Fault(service) is { } error)
            {
                return (service is LoopService loop ? loop.Name : service.GetType().Name, error);
            }
        }
        return null;
    }

    private static Exception? Fault(IHostedService service) =>
        service is BackgroundService { ExecuteTask: { IsFaulted: true } task }
            ? task.Exception!.InnerExceptions.Count == 1 ? task.Exception.InnerExceptions[0] : task.Exception
            : null;

    private static ILogger Logger(IHost host) =>
        host.Services.GetRequiredService<ILoggerFactory>().CreateLogger("EdgeAnomaly.Gateway");
}

internal static partial class GatewayExitLog
{
    [LoggerMessage(EventId = LogEventIds.Hosting.ComponentFailed, Level = LogLevel.Critical,
        Message = "Fatal: {Component} failed ({Reason}); the gateway stopped and exits with code {ExitCode} so that systemd restarts it")]
    public static partial void ComponentFailed(ILogger logger, string component, int exitCode, string reason);

    [LoggerMessage(EventId = LogEventIds.Hosting.StartFailed, Level = LogLevel.Critical,
        Message = "Fatal: the gateway could not start; exiting with code {ExitCode}")]
    public static partial void StartFailed(ILogger logger, int exitCode, Exception error);
}
