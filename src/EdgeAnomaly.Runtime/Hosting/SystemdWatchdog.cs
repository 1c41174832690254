using System.Globalization;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Hosting.Systemd;

namespace EdgeAnomaly.Runtime.Hosting;

/// <summary>
/// Pings the systemd watchdog at half of WatchdogSec, but only while the pipeline's heartbeat is fresh:
/// a wedged pipeline stops the pings and systemd restarts the service.
/// </summary>
public sealed class SystemdWatchdog(ISystemdNotifier notifier, PipelineHeartbeat heartbeat, TimeProvider time) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var usec = Environment.GetEnvironmentVariable("WATCHDOG_USEC");
        if (!notifier.IsEnabled || !long.TryParse(usec, NumberStyles.Integer, CultureInfo.InvariantCulture, out var micros) || micros <= 0)
        {
            return;
        }
        var interval = TimeSpan.FromTicks(micros * 10 / 2);
        while (!stoppingToken.IsCancellationRequested)
        {
            if (heartbeat.IsFresh(time.GetUtcNow(), interval * 2))
            {
                notifier.Notify(new ServiceState("WATCHDOG=1"));
            }
            await Task.Delay(interval, time, stoppingToken).ConfigureAwait(false);
        }
    }
}

/// <summary>Written by the pipeline loop on every pass (idle passes included), read by the watchdog.</summary>
public sealed class PipelineHeartbeat
{
    private long _lastBeatTicks;

    public void Beat(DateTimeOffset now) => Interlocked.Exchange(ref _lastBeatTicks, now.UtcTicks);

    public bool IsFresh(DateTimeOffset now, TimeSpan maxAge) =>
        now.UtcTicks - Interlocked.Read(ref _lastBeatTicks) <= maxAge.Ticks;
}
