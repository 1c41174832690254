namespace EdgeAnomaly.Devices.Modbus;

/// <summary>Health of one Modbus device at one moment (for the gateway's health report).</summary>
public sealed record ModbusDeviceStatus(
    string Name,
    string Link,
    byte UnitId,
    DeviceState State,
    DateTimeOffset? LastSuccess,
    DateTimeOffset? DegradedSince,
    int ConsecutiveFailures,
    long Cycles,
    long FailedCycles,
    long SkippedTicks,
    long Requests,
    long Responses,
    long Timeouts,
    long SlaveExceptions,
    long FrameErrors,
    long TransportErrors,
    long DecodeErrors,
    long DegradedEntries,
    int RequestsPerCycle);

/// <summary>Counters of one link (one master: a TCP endpoint or a serial bus), as counted by the master.</summary>
public sealed record ModbusLinkStatus(
    string Link,
    IReadOnlyList<string> Devices,
    long Requests,
    long Responses,
    long Timeouts,
    long FrameErrors,
    long SlaveExceptions,
    long TransportErrors,
    long Reconnects);

public sealed record ModbusPollStatus(IReadOnlyList<ModbusLinkStatus> Links, IReadOnlyList<ModbusDeviceStatus> Devices)
{
    public int DegradedDevices
    {
        get
        {
            var n = 0;
            foreach (var d in Devices)
            {
                if (d.State == DeviceState.Degraded)
                {
                    n++;
                }
            }
            return n;
        }
    }
}

/// <summary>Per-device counters: written by the device's link loop, read by health from any thread.</summary>
internal sealed class DeviceCounters
{
    private long _cycles;
    private long _failedCycles;
    private long _skippedTicks;
    private long _requests;
    private long _responses;
    private long _timeouts;
    private long _slaveExceptions;
    private long _frameErrors;
    private long _transportErrors;
    private long _decodeErrors;
    private long _degradedEntries;
    private long _lastSuccessMs = long.MinValue;
    private long _degradedSinceMs = long.MinValue;

    public long Cycles => Interlocked.Read(ref _cycles);
    public long FailedCycles => Interlocked.Read(ref _failedCycles);
    public long SkippedTicks => Interlocked.Read(ref _skippedTicks);
    public long Requests => Interlocked.Read(ref _requests);
    public long Responses => Interlocked.Read(ref _responses);
    public long Timeouts => Interlocked.Read(ref _timeouts);
    public long SlaveExceptions => Interlocked.Read(ref _slaveExceptions);
    public long FrameErrors => Interlocked.Read(ref _frameErrors);
    public long TransportErrors => Interlocked.Read(ref _transportErrors);
    public long DecodeErrors => Interlocked.Read(ref _decodeErrors);
    public long DegradedEntries => Interlocked.Read(ref _degradedEntries);
    public long LastSuccessMs => Interlocked.Read(ref _lastSuccessMs);
    public long DegradedSinceMs => Interlocked.Read(ref _degradedSinceMs);

    public void AddCycle(bool failed)
    {
        Interlocked.Increment(ref _cycles);
        if (failed)
        {
            Interlocked.Increment(ref _failedCycles);
        }
    }

    public void AddSkippedTicks(long n) => Interlocked.Add(ref _skippedTicks, n);
    public void AddRequest() => Interlocked.Increment(ref _requests);
    public void AddResponse(long nowMs)
    {
        Interlocked.Increment(ref _responses);
        Interlocked.Exchange(ref _lastSuccessMs, nowMs);
    }

    public void AddTimeout() => Interlocked.Increment(ref _timeouts);
    public void AddSlaveException() => Interlocked.Increment(ref _slaveExceptions);
    public void AddFrameError() => Interlocked.Increment(ref _frameErrors);
    public void AddTransportError() => Interlocked.Increment(ref _transportErrors);
    public void AddDecodeError() => Interlocked.Increment(ref _decodeErrors);

    public void EnterDegraded(long nowMs)
    {
        Interlocked.Increment(ref _degradedEntries);
        Interlocked.Exchange(ref _degradedSinceMs, nowMs);
    }

    public void LeaveDegraded() => Interlocked.Exchange(ref _degradedSinceMs, long.MinValue);
}
