using EdgeAnomaly.Core.Readings;
using EdgeAnomaly.Modbus;
using Microsoft.Extensions.Logging;

namespace EdgeAnomaly.Devices.Modbus;

/// <summary>Creates the master of one link; the gateway passes <see cref="ModbusMasterFactory"/>, tests a scripted one.</summary>
public interface IModbusMasterFactory
{
    IModbusMaster Create(ModbusLinkSpec link);
}

/// <summary>
/// Polls every configured Modbus device. One loop per link (TCP endpoint or serial bus) owns that link's only
/// master, so transactions on a bus never overlap while different links poll concurrently. Each loop runs the
/// poll groups of its devices on a drift-free timetable (<see cref="PollTimetable"/>), earliest due first;
/// per request: the link timeout, <c>Retries</c> further attempts, then the tags of the request are reported with
/// bad quality; per device: the degraded state of <see cref="DeviceHealth"/>. Readings go to the sink, one batch
/// per group cycle, stamped with the time the answer arrived.
/// </summary>
public sealed class ModbusPollScheduler : IAsyncDisposable
{
    private readonly LinkPoller[] _links;
    private readonly DeviceRuntime[] _devices;
    private readonly ILogger _logger;

    public ModbusPollScheduler(IReadOnlyList<CompiledModbusDevice> devices, IModbusMasterFactory masters, IReadingSink sink,
        TimeProvider time, ILogger logger, Func<double>? random01 = null)
    {
        _logger = logger;
        var random = random01 ?? Random.Shared.NextDouble;
        _devices = new DeviceRuntime[devices.Count];
        var byLink = new Dictionary<string, List<DeviceRuntime>>(StringComparer.Ordinal);
        var linkOrder = new List<string>();
        for (var i = 0; i < devices.Count; i++)
        {
            var runtime = new DeviceRuntime(devices[i], random);
            _devices[i] = runtime;
            if (!byLink.TryGetValue(devices[i].Link.Key, out var list))
            {
                byLink[devices[i].Link.Key] = list = [];
                linkOrder.Add(devices[i].Link.Key);
            }
            list.Add(runtime);
        }
        _links = new LinkPoller[linkOrder.Count];
        for (var i = 0; i < linkOrder.Count; i++)
        {
            var members = byLink[linkOrder[i]];
            var spec = members[0].Device.Link;
            _links[i] = new LinkPoller(spec, masters.Create(spec), members, sink, time, logger);
        }
    }

    /// <summary>Validates and compiles <paramref name="options"/>; throws <see cref="DevicesConfigException"/> naming every bad key.</summary>
    public static ModbusPollScheduler Create(DevicesOptions options, Func<string, string, int?> resolveTag,
        IModbusMasterFactory masters, IReadingSink sink, TimeProvider time, ILogger logger, Func<double>? random01 = null)
    {
        var errors = new List<string>();
        var devices = options.CompileModbus(resolveTag, errors);
        if (errors.Count > 0)
        {
            throw new DevicesConfigException(errors);
        }
        return new ModbusPollScheduler(devices, masters, sink, time, logger, random01);
    }

    public int DeviceCount => _devices.Length;

    public int LinkCount => _links.Length;

    /// <summary>Read requests of one cycle of every poll group of every device: the minimal coalesced count.</summary>
    public int RequestsPerCycle
    {
        get
        {
            var n = 0;
            foreach (var d in _devices)
            {
                n += d.Device.RequestsPerCycle;
            }
            return n;
        }
    }

    /// <summary>Polls until <paramref name="ct"/> is cancelled (then returns normally). Throws only on a bug (an unexpected exception), so the host stops.</summary>
    public async Task RunAsync(CancellationToken ct)
    {
        if (_links.Length == 0)
        {
            return;
        }
        DevicesLog.ModbusStarted(_logger, _devices.Length, _links.Length, RequestsPerCycle);
        var loops = new Task[_links.Length];
        for (var i = 0; i < _links.Length; i++)
        {
            loops[i] = _links[i].RunAsync(ct);
        }
        await Task.WhenAll(loops);
    }

    public ModbusPollStatus GetStatus()
    {
        var links = new ModbusLinkStatus[_links.Length];
        for (var i = 0; i < _links.Length; i++)
        {
            links[i] = _links[i].Status();
        }
        var devices = new ModbusDeviceStatus[_devices.Length];
        for (var i = 0; i < _devices.Length; i++)
        {
            devices[i] = _devices[i].Status();
        }
        return new ModbusPollStatus(links, devices);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var link in _links)
        {
            await link.DisposeAsync();
        }
    }
}

/// <summary>State of one device across its poll groups; touched only by its link's loop (counters aside).</summary>
internal sealed class DeviceRuntime
{
    public DeviceRuntime(CompiledModbusDevice device, Func<double> random01)
    {
        Device = device;
        Source = "modbus:" + device.Name;
        var retry = device.Options.DegradedRetry;
        Health = new DeviceHealth(device.Options.FailuresBeforeDegraded, attempt => retry.Delay(attempt, random01()));
        LastGood = new double[device.Options.Tags.Count];
        HasGood = new bool[device.Options.Tags.Count];
        PointGroup = new int[device.Options.Tags.Count];
        for (var g = 0; g < device.Groups.Length; g++)
        {
            foreach (var p in device.Groups[g].Points)
            {
                PointGroup[p.Point.Index] = g;
            }
        }
        BadBuffer = new Reading[device.Points.Length];
    }

    public CompiledModbusDevice Device { get; }

    public string Source { get; }

    public DeviceHealth Health { get; }

    public DeviceCounters Counters { get; } = new();

    /// <summary>Last good value per tag (by the tag's index in the device's Tags), reported with bad quality while the tag cannot be read.</summary>
    public double[] LastGood { get; }

    public bool[] HasGood { get; }

    public int[] PointGroup { get; }

    public Reading[] BadBuffer { get; }

    public LogThrottle RequestLog { get; } = new();

    public LogThrottle DecodeLog { get; } = new();

    public LogThrottle SkipLog { get; } = new();

    public ModbusDeviceStatus Status()
    {
        var c = Counters;
        var last = c.LastSuccessMs;
        var since = c.DegradedSinceMs;
        return new ModbusDeviceStatus(Device.Name, Device.Link.Key, Device.UnitId, Health.State,
            last == long.MinValue ? null : DateTimeOffset.FromUnixTimeMilliseconds(last),
            since == long.MinValue ? null : DateTimeOffset.FromUnixTimeMilliseconds(since),
            Health.ConsecutiveFailures, c.Cycles, c.FailedCycles, c.SkippedTicks, c.Requests, c.Responses, c.Timeouts,
            c.SlaveExceptions, c.FrameErrors, c.TransportErrors, c.DecodeErrors, c.DegradedEntries, Device.RequestsPerCycle);
    }
}

internal enum RequestOutcome : byte
{
    Ok,
    /// <summary>The slave answered with an exception response: alive, but these registers cannot be read.</summary>
    SlaveException,
    /// <summary>Something came back, but not a valid answer (CRC, length, ids).</summary>
    Corrupt,
    /// <summary>Timeout or link down: nothing came back.</summary>
    NoAnswer,
}

/// <summary>One poll group of one device: its plan, timetable and preallocated buffers.</summary>
internal sealed class PollJob(DeviceRuntime device, int groupIndex)
{
    public DeviceRuntime Device { get; } = device;

    public int GroupIndex { get; } = groupIndex;

    public ModbusGroupPlan Plan { get; } = device.Device.Groups[groupIndex];

    public PollTimetable Timetable = new(device.Device.Groups[groupIndex].Interval);

    public ushort[] Registers { get; } = new ushort[device.Device.Groups[groupIndex].RegisterBufferLength];

    public bool[] Bits { get; } = new bool[device.Device.Groups[groupIndex].BitBufferLength];

    public RequestOutcome[] Outcomes { get; } = new RequestOutcome[device.Device.Groups[groupIndex].Requests.Length];

    public long[] CompletedMs { get; } = new long[device.Device.Groups[groupIndex].Requests.Length];

    public Reading[] Output { get; } = new Reading[device.Device.Groups[groupIndex].Points.Length];
}

/// <summary>The loop of one link: the only caller of its master.</summary>
internal sealed class LinkPoller : IAsyncDisposable
{
    private readonly ModbusLinkSpec _spec;
    private readonly IModbusMaster _master;
    private readonly DeviceRuntime[] _devices;
    private readonly PollJob[] _jobs;
    private readonly IReadingSink _sink;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly TimeSpan _watchdog;
    private readonly object _attemptLock = new();
    private CancellationTokenSource _attempt;
    private bool _stopping;

    public LinkPoller(ModbusLinkSpec spec, IModbusMaster master, List<DeviceRuntime> devices, IReadingSink sink, TimeProvider time, ILogger logger)
    {
        _spec = spec;
        _master = master;
        _devices = [.. devices];
        var jobs = new List<PollJob>();
        foreach (var d in devices)
        {
            for (var g = 0; g < d.Device.Groups.Length; g++)
            {
                jobs.Add(new PollJob(d, g));
            }
        }
        _jobs = [.. jobs];
        _sink = sink;
        _time = time;
        _logger = logger;
        // the master owns the timeout; this only guards against a transaction that never ends
        _watchdog = spec.Timeout + spec.Timeout + TimeSpan.FromSeconds(1) + spec.MinimumFrameGap;
        _attempt = new CancellationTokenSource(Timeout.InfiniteTimeSpan, time);
    }

    public async Task RunAsync(CancellationToken stop)
    {
        using var registration = stop.UnsafeRegister(static s => ((LinkPoller)s!).Stop(), this);
        var epoch = _time.GetTimestamp();
        try
        {
            while (!stop.IsCancellationRequested)
            {
                var now = _time.GetElapsedTime(epoch).Ticks;
                var job = _jobs[0];
                for (var i = 1; i < _jobs.Length; i++)
                {
                    if (_jobs[i].Timetable.NextDueTicks < job.Timetable.NextDueTicks)
                    {
                        job = _jobs[i];
                    }
                }
                var due = job.Timetable.NextDueTicks;
                if (due > now)
                {
                    await Task.Delay(TimeSpan.FromTicks(due - now), _time, stop);
                    continue;
                }
                var skipped = job.Timetable.TakeDue(now);
                var device = job.Device;
                if (!device.Health.ShouldPoll(now, out var probe))
                {
                    continue; // degraded and not yet due for a retry: the bus stays free for the others
                }
                if (skipped > 0)
                {
                    device.Counters.AddSkippedTicks(skipped);
                    if (device.SkipLog.ShouldLog(NowMs(), out var suppressed))
                    {
                        DevicesLog.TicksSkipped(_logger, device.Device.Name, job.Plan.Group, skipped, suppressed);
                    }
                }
                await RunCycleAsync(job, probe, epoch, stop);
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
        }
    }

    private async Task RunCycleAsync(PollJob job, bool probe, long epoch, CancellationToken stop)
    {
        var device = job.Device;
        var plan = job.Plan;
        var attempts = probe ? 1 : 1 + device.Device.Options.Retries;
        var answered = false;
        var silent = false;
        for (var r = 0; r < plan.Requests.Length; r++)
        {
            if (silent)
            {
                // the device did not answer the previous request: spare the bus the rest of this cycle
                job.Outcomes[r] = RequestOutcome.NoAnswer;
                job.CompletedMs[r] = job.CompletedMs[r - 1];
                continue;
            }
            var outcome = await ReadAsync(job, r, attempts, stop);
            job.Outcomes[r] = outcome;
            answered |= outcome is RequestOutcome.Ok or RequestOutcome.SlaveException;
            silent = outcome == RequestOutcome.NoAnswer;
        }

        var count = Decode(job);
        if (count > 0)
        {
            await _sink.WriteAsync(new ReadingBatch(device.Source, job.Output.AsMemory(0, count)), stop);
        }

        var nowTicks = _time.GetElapsedTime(epoch).Ticks;
        device.Counters.AddCycle(failed: !answered);
        switch (device.Health.OnCycle(answered, nowTicks))
        {
            case HealthChange.EnteredDegraded:
                var nowMs = NowMs();
                device.Counters.EnterDegraded(nowMs);
                DevicesLog.DeviceDegraded(_logger, device.Device.Name, _spec.Key, device.Device.UnitId,
                    device.Health.ConsecutiveFailures, (device.Health.NextRetryTicks - nowTicks) / TimeSpan.TicksPerMillisecond);
                await ReportOtherGroupsBadAsync(job, nowMs, stop);
                break;
            case HealthChange.LeftDegraded:
                var since = device.Counters.DegradedSinceMs;
                device.Counters.LeaveDegraded();
                DevicesLog.DeviceRecovered(_logger, device.Device.Name, _spec.Key, device.Device.UnitId, Math.Max(0, NowMs() - since));
                break;
        }
    }

    /// <summary>Fills the job's output: good readings from answered requests, bad ones (last good value) for the rest.</summary>
    private int Decode(PollJob job)
    {
        var device = job.Device;
        var plan = job.Plan;
        var output = job.Output;
        var count = 0;
        var points = plan.Points;
        for (var i = 0; i < points.Length; i++)
        {
            ref readonly var planned = ref points[i];
            var p = planned.Point;
            var time = job.CompletedMs[planned.Request];
            if (job.Outcomes[planned.Request] == RequestOutcome.Ok)
            {
                if (TryDecode(job, planned, out var value))
                {
                    output[count++] = new Reading(p.TagId, time, value, ReadingQuality.Good);
                    device.LastGood[p.Index] = value;
                    device.HasGood[p.Index] = true;
                    continue;
                }
                device.Counters.AddDecodeError();
                if (device.DecodeLog.ShouldLog(time, out var suppressed))
                {
                    DevicesLog.DecodeFailed(_logger, device.Device.Name, device.Device.Options.Tags[p.Index].Name,
                        $"{ModbusNames.TypeNameOf(p.Type)} at {ModbusNames.TableName(p.Table)} {p.Address}", suppressed);
                }
            }
            // no value known yet: nothing is reported rather than a made-up 0 that rules would act on
            if (device.HasGood[p.Index])
            {
                output[count++] = new Reading(p.TagId, time, device.LastGood[p.Index], ReadingQuality.Bad);
            }
        }
        return count;
    }

    private static bool TryDecode(PollJob job, in PlannedPoint planned, out double value)
    {
        var p = planned.Point;
        var request = job.Plan.Requests[planned.Request];
        double raw;
        if (request.IsBits)
        {
            raw = job.Bits[request.BufferOffset + planned.Offset] ? 1 : 0;
        }
        else
        {
            var registers = job.Registers.AsSpan(request.BufferOffset + planned.Offset, p.Count);
            if (p.Type == ModbusDataType.String)
            {
                // a reading is a number: a string register is taken as the number it spells (firmware versions, ASCII meters)
                var text = ModbusValueCodec.DecodeString(registers, p.Order);
                if (!double.TryParse(text, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out raw))
                {
                    value = 0;
                    return false;
                }
            }
            else
            {
                raw = ModbusValueCodec.DecodeNumber(registers, p.Type, p.Order, p.Bit);
            }
        }
        value = (raw * p.Scale) + p.Offset;
        return double.IsFinite(value);
    }

    /// <summary>On entering the degraded state every tag of the device goes bad, not only those of the failing group.</summary>
    private async Task ReportOtherGroupsBadAsync(PollJob job, long nowMs, CancellationToken stop)
    {
        var device = job.Device;
        var buffer = device.BadBuffer;
        var count = 0;
        foreach (var p in device.Device.Points)
        {
            if (device.PointGroup[p.Index] != job.GroupIndex && device.HasGood[p.Index])
            {
                buffer[count++] = new Reading(p.TagId, nowMs, device.LastGood[p.Index], ReadingQuality.Bad);
            }
        }
        if (count > 0)
        {
            await _sink.WriteAsync(new ReadingBatch(device.Source, buffer.AsMemory(0, count)), stop);
        }
    }

    private async ValueTask<RequestOutcome> ReadAsync(PollJob job, int index, int attempts, CancellationToken stop)
    {
        var device = job.Device;
        var counters = device.Counters;
        var request = job.Plan.Requests[index];
        var unit = device.Device.UnitId;
        var outcome = RequestOutcome.NoAnswer;
        string? error = null;
        for (var attempt = 0; attempt < attempts; attempt++)
        {
            counters.AddRequest();
            var token = Arm();
            try
            {
                if (request.IsBits)
                {
                    await _master.ReadBitsAsync(unit, request.Table, request.Address, job.Bits.AsMemory(request.BufferOffset, request.Count), token);
                }
                else
                {
                    await _master.ReadRegistersAsync(unit, request.Table, request.Address, job.Registers.AsMemory(request.BufferOffset, request.Count), token);
                }
                var now = NowMs();
                counters.AddResponse(now);
                job.CompletedMs[index] = now;
                return RequestOutcome.Ok;
            }
            catch (ModbusException) when (stop.IsCancellationRequested)
            {
                // a transaction cut short by the shutdown is no fault of the device
                throw new OperationCanceledException(stop);
            }
            catch (ModbusSlaveException ex)
            {
                counters.AddSlaveException();
                outcome = RequestOutcome.SlaveException;
                error = ex.Message;
                if (ex.Code is not (ModbusExceptionCode.ServerDeviceBusy or ModbusExceptionCode.Acknowledge))
                {
                    break; // the answer will not change on a retry
                }
            }
            catch (ModbusTimeoutException ex)
            {
                counters.AddTimeout();
                outcome = RequestOutcome.NoAnswer;
                error = ex.Message;
            }
            catch (ModbusFrameException ex)
            {
                counters.AddFrameError();
                outcome = RequestOutcome.Corrupt;
                error = ex.Message;
            }
            catch (ModbusTransportException ex)
            {
                counters.AddTransportError();
                outcome = RequestOutcome.NoAnswer;
                error = ex.Message;
            }
            catch (OperationCanceledException) when (!stop.IsCancellationRequested)
            {
                counters.AddTimeout();
                outcome = RequestOutcome.NoAnswer;
                error = $"the transaction did not end within {_watchdog.TotalMilliseconds:0} ms";
            }
            finally
            {
                Disarm();
            }
        }
        var failedAt = NowMs();
        job.CompletedMs[index] = failedAt;
        if (device.RequestLog.ShouldLog(failedAt, out var suppressed))
        {
            DevicesLog.RequestFailed(_logger, device.Device.Name, ModbusNames.TableName(request.Table), request.Address,
                request.Count, error ?? "unknown", suppressed);
        }
        return outcome;
    }

    private CancellationToken Arm()
    {
        lock (_attemptLock)
        {
            _attempt.CancelAfter(_watchdog);
            return _attempt.Token;
        }
    }

    private void Disarm()
    {
        lock (_attemptLock)
        {
            if (!_attempt.TryReset() && !_stopping)
            {
                _attempt.Dispose();
                _attempt = new CancellationTokenSource(Timeout.InfiniteTimeSpan, _time);
            }
        }
    }

    private void Stop()
    {
        lock (_attemptLock)
        {
            _stopping = true;
            _attempt.Cancel();
        }
    }

    private long NowMs() => _time.GetUtcNow().ToUnixTimeMilliseconds();

    public ModbusLinkStatus Status()
    {
        var c = _master.Counters;
        var names = new string[_devices.Length];
        for (var i = 0; i < names.Length; i++)
        {
            names[i] = _devices[i].Device.Name;
        }
        return new ModbusLinkStatus(_spec.Key, names, c.Requests, c.Responses, c.Timeouts, c.FrameErrors, c.SlaveExceptions,
            c.TransportErrors, c.Reconnects);
    }

    public async ValueTask DisposeAsync()
    {
        await _master.DisposeAsync();
        lock (_attemptLock)
        {
            _attempt.Dispose();
        }
    }
}
