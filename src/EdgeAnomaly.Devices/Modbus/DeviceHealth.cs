namespace EdgeAnomaly.Devices.Modbus;

public enum DeviceState
{
    Ok,
    Degraded,
}

public enum HealthChange
{
    None,
    EnteredDegraded,
    LeftDegraded,
}

/// <summary>
/// The degraded-state machine of one device, pure: after <c>failuresBeforeDegraded</c> consecutive failed
/// cycles the device is degraded and is only tried again when its backoff has passed (one attempt per try,
/// without retries, so a dead slave on a shared bus costs one timeout per backoff period, not per cycle); the
/// first answered cycle makes it Ok again. Times are ticks (100 ns) of the scheduler's clock.
/// </summary>
public sealed class DeviceHealth(int failuresBeforeDegraded, Func<int, TimeSpan> backoff)
{
    public DeviceState State { get; private set; }

    public int ConsecutiveFailures { get; private set; }

    /// <summary>Failed tries since the device was degraded (0 right after entering).</summary>
    public int RetryAttempt { get; private set; }

    /// <summary>When a degraded device may be tried next.</summary>
    public long NextRetryTicks { get; private set; }

    /// <summary>Whether a cycle due now runs, and whether it is a probe of a degraded device (single attempt).</summary>
    public bool ShouldPoll(long nowTicks, out bool probe)
    {
        if (State == DeviceState.Ok)
        {
            probe = false;
            return true;
        }
        probe = true;
        return nowTicks >= NextRetryTicks;
    }

    /// <summary>Records a cycle: <paramref name="answered"/> when the device answered at least one request (with data or an exception response).</summary>
    public HealthChange OnCycle(bool answered, long nowTicks)
    {
        if (answered)
        {
            ConsecutiveFailures = 0;
            RetryAttempt = 0;
            if (State == DeviceState.Degraded)
            {
                State = DeviceState.Ok;
                return HealthChange.LeftDegraded;
            }
            return HealthChange.None;
        }
        ConsecutiveFailures++;
        if (State == DeviceState.Degraded)
        {
            RetryAttempt++;
            NextRetryTicks = nowTicks + backoff(RetryAttempt).Ticks;
            return HealthChange.None;
        }
        if (ConsecutiveFailures >= failuresBeforeDegraded)
        {
            State = DeviceState.Degraded;
            RetryAttempt = 0;
            NextRetryTicks = nowTicks + backoff(0).Ticks;
            return HealthChange.EnteredDegraded;
        }
        return HealthChange.None;
    }
}
