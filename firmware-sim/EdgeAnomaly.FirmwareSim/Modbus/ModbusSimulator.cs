using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace EdgeAnomaly.FirmwareSim.Modbus;

/// <summary>
/// The simulated pumps behind every unit id, stepped on a fixed grid of simulation time (multiples of the tick
/// from the start), with scheduled faults applied and labelled. Servers (<see cref="ModbusTcpServer"/>,
/// <see cref="ModbusRtuServer"/>) share one simulator; they read each unit's registers and transport faults.
/// Time comes from the injected <see cref="TimeProvider"/>; <see cref="AdvanceTo"/> may be driven directly.
/// </summary>
public sealed class ModbusSimulator
{
    private const int MaxCatchUpTicks = 36_000;

    private readonly ModbusSimulatorOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly ModbusLabelWriter? _labels;
    private readonly PumpUnit?[] _byId = new PumpUnit?[256];
    private readonly PumpModel?[] _models = new PumpModel?[256];
    private readonly List<ScheduledFault> _faults = [];
    private readonly Lock _faultGate = new();
    private readonly Lock _tickGate = new();
    private long _nextTickMs;
    private bool _finished;

    public ModbusSimulator(ModbusSimulatorOptions options, TimeProvider time, ILogger? logger = null, ModbusLabelWriter? labels = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _options = options;
        _time = time;
        _logger = logger ?? NullLogger.Instance;
        _labels = labels;
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        StartMs = now - now % options.TickMs;
        var units = new List<PumpUnit>(options.Units.Count);
        foreach (var id in options.Units)
        {
            var unit = new PumpUnit(id);
            units.Add(unit);
            _byId[id] = unit;
            _models[id] = options.Freeze ? null : new PumpModel(id, options.Seed, StartMs, options.Duty);
        }
        Units = units;
        foreach (var fault in options.Faults)
        {
            Inject(fault);
        }
        _nextTickMs = StartMs;
        AdvanceTo(StartMs);
    }

    /// <summary>Unix ms of the simulation start (aligned to the tick); fault times count from here.</summary>
    public long StartMs { get; }

    public IReadOnlyList<PumpUnit> Units { get; }

    public ModbusCounters Counters { get; } = new();

    public ModbusSimulatorOptions Options => _options;

    /// <summary>Raised on the tick thread when a drop fault starts (true) or ends (false) for a unit.</summary>
    public event Action<PumpUnit, bool>? DropChanged;

    /// <summary>The unit behind <paramref name="unitId"/>, or null when it is not simulated.</summary>
    public PumpUnit? Find(byte unitId) => _byId[unitId];

    /// <summary>
    /// Schedules a fault (times from <see cref="StartMs"/>; unit 0 = every unit, expanded to one fault per unit).
    /// A fault whose window has already begun takes effect at the next tick.
    /// </summary>
    public void Inject(ModbusFaultSpec fault)
    {
        ArgumentNullException.ThrowIfNull(fault);
        fault.Validate();
        if (fault.Unit != ModbusFaultSpec.AllUnits && _byId[fault.Unit] is null)
        {
            throw new ArgumentException($"fault {fault}: unit {fault.Unit} is not simulated");
        }
        lock (_faultGate)
        {
            if (fault.Unit == ModbusFaultSpec.AllUnits)
            {
                foreach (var unit in Units)
                {
                    _faults.Add(new ScheduledFault(fault with { Unit = unit.UnitId }, StartMs));
                }
            }
            else
            {
                _faults.Add(new ScheduledFault(fault, StartMs));
            }
        }
    }

    /// <summary>Steps every tick of the grid up to and including <paramref name="nowMs"/>.</summary>
    public void AdvanceTo(long nowMs)
    {
        lock (_tickGate)
        {
            if (_finished)
            {
                return;
            }
            var ticks = 0;
            while (_nextTickMs <= nowMs)
            {
                if (++ticks > MaxCatchUpTicks)
                {
                    // The process was suspended for long: skip ahead rather than replay hours of ticks at once.
                    var skipped = (nowMs - _nextTickMs) / _options.TickMs;
                    _nextTickMs += skipped * _options.TickMs;
                    ModbusLog.TicksSkipped(_logger, skipped);
                    ticks = 0;
                }
                Tick(_nextTickMs);
                _nextTickMs += _options.TickMs;
            }
        }
    }

    /// <summary>Ticks with the clock until cancelled, then labels faults still in force (cut at the stop).</summary>
    public async Task RunAsync(CancellationToken ct)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(_options.TickMs), _time);
        try
        {
            AdvanceTo(NowMs());
            while (await timer.WaitForNextTickAsync(ct))
            {
                AdvanceTo(NowMs());
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
        Finish(NowMs());
    }

    /// <summary>Labels every fault that has started but not yet been labelled, cut at <paramref name="nowMs"/>; stops ticking.</summary>
    public void Finish(long nowMs)
    {
        lock (_tickGate)
        {
            if (_finished)
            {
                return;
            }
            _finished = true;
            lock (_faultGate)
            {
                foreach (var fault in _faults)
                {
                    if (!fault.Labelled && fault.StartMs <= nowMs)
                    {
                        WriteLabel(fault, Math.Min(fault.EndMs, Math.Max(nowMs, fault.StartMs)));
                    }
                }
            }
        }
    }

    private long NowMs() => _time.GetUtcNow().ToUnixTimeMilliseconds();

    private void Tick(long tMs)
    {
        lock (_faultGate)
        {
            foreach (var unit in Units)
            {
                TickUnit(unit, tMs);
            }
            foreach (var fault in _faults)
            {
                if (!fault.Labelled && fault.EndMs <= tMs)
                {
                    WriteLabel(fault, fault.EndMs);
                }
            }
        }
    }

    private void TickUnit(PumpUnit unit, long tMs)
    {
        var (speedSetpoint, runCommand) = unit.ReadControls();
        PumpReadings readings;
        if (_models[unit.UnitId] is { } model)
        {
            model.Step(tMs, speedSetpoint, runCommand);
            readings = model.Readings;
        }
        else
        {
            readings = PumpReadings.Frozen(unit.UnitId);
        }

        var stuck = false;
        var drop = false;
        var badCrc = false;
        var corrupt = 0;
        var delayMs = 0;
        var exception = ModbusExceptionCode.None;
        foreach (var fault in _faults)
        {
            if (fault.Spec.Unit != unit.UnitId || tMs < fault.StartMs || tMs >= fault.EndMs)
            {
                continue;
            }
            if (!fault.Announced)
            {
                fault.Announced = true;
                ModbusLog.FaultStarted(_logger, fault.Spec.Kind.ToWire(), unit.UnitId, fault.StartMs, fault.EndMs, fault.Spec.EffectiveMagnitude);
            }
            var magnitude = fault.Spec.EffectiveMagnitude;
            switch (fault.Spec.Kind)
            {
                case ModbusFaultKind.Delay:
                    delayMs = Math.Max(delayMs, (int)magnitude);
                    break;
                case ModbusFaultKind.BadCrc:
                    badCrc = true;
                    corrupt = corrupt == 0 ? 1 : corrupt;
                    break;
                case ModbusFaultKind.Corrupt:
                    badCrc = true;
                    corrupt = (int)magnitude;
                    break;
                case ModbusFaultKind.Exception:
                    exception = (ModbusExceptionCode)(byte)magnitude;
                    break;
                case ModbusFaultKind.Drop:
                    drop = true;
                    break;
                case ModbusFaultKind.Stuck:
                    stuck = true;
                    break;
                case ModbusFaultKind.Overcurrent:
                    readings.CurrentA += magnitude;
                    break;
                case ModbusFaultKind.PressureDrop:
                    readings.PressureBar = Math.Max(0, readings.PressureBar - magnitude);
                    break;
                case ModbusFaultKind.Overheat:
                    readings.TemperatureC += magnitude * (tMs - fault.StartMs) / (double)(fault.EndMs - fault.StartMs);
                    break;
            }
        }
        if (!stuck)
        {
            unit.Publish(readings);
        }
        var previous = unit.Transport;
        if (previous.Drop != drop || previous.DelayMs != delayMs || previous.Exception != exception || previous.BadCrc != badCrc || previous.CorruptMode != corrupt)
        {
            var next = new UnitTransportFaults(drop, delayMs, exception, badCrc, corrupt);
            unit.Transport = next.IsNone ? UnitTransportFaults.None : next;
            if (previous.Drop != drop)
            {
                DropChanged?.Invoke(unit, drop);
            }
        }
    }

    private void WriteLabel(ScheduledFault fault, long endMs)
    {
        fault.Labelled = true;
        var label = new ModbusFaultLabel(fault.Spec.Unit, fault.Spec.Kind, fault.StartMs, endMs, fault.Spec.EffectiveMagnitude);
        ModbusLog.FaultLabelled(_logger, label.Kind.ToWire(), label.Unit, label.StartMs, label.EndMs);
        _labels?.Write(label);
    }

    private sealed class ScheduledFault(ModbusFaultSpec spec, long simulationStartMs)
    {
        public ModbusFaultSpec Spec { get; } = spec;

        public long StartMs { get; } = simulationStartMs + (long)spec.Start.TotalMilliseconds;

        public long EndMs { get; } = simulationStartMs + (long)spec.End.TotalMilliseconds;

        public bool Announced { get; set; }

        public bool Labelled { get; set; }
    }
}
