using EdgeAnomaly.FirmwareSim.Fleet;
using EdgeAnomaly.FirmwareSim.Signals;

namespace EdgeAnomaly.FirmwareSim.Modbus;

/// <summary>
/// Signal model of one pump, stepped on a fixed grid of simulated time. Like the ESP32 simulator's pump:
/// load-driven current, flow, pressure and vibration with Gaussian noise, a first-order thermal lag towards a
/// load- and time-of-day-dependent temperature, plus the run command and speed setpoint a master may write.
/// Each signal draws from its own seeded stream, so a run is reproducible from (seed, unit, start).
/// </summary>
public sealed class PumpModel
{
    public const double NominalRpm = 1450;

    private const double MeanLoad = 0.85;
    private const double LoadReversionSeconds = 120;
    private const double LoadStationarySigma = 0.03;
    private const double SpeedTauSeconds = 3;
    private const double ThermalTauSeconds = 900;
    private const double LineVoltage = 400;
    private const double PowerFactor = 0.85;

    private readonly PumpDuty _duty;
    private readonly SimRandom _loadNoise;
    private readonly SimRandom _currentNoise;
    private readonly SimRandom _flowNoise;
    private readonly SimRandom _pressureNoise;
    private readonly SimRandom _vibrationNoise;
    private readonly SimRandom _temperatureNoise;
    private readonly SimRandom _speedNoise;
    private readonly LoadCycle? _cycle;
    private double _load;
    private double _speedFactor;
    private double _temperature;
    private double _runTimeSeconds;
    private double _energyRemainder;
    private PumpReadings _readings;
    private long _lastMs;
    private long _heartbeatMs;

    public PumpModel(byte unit, long seed, long startMs, PumpDuty duty)
    {
        _duty = duty;
        var stream = 0x4D00 + unit;
        var init = SimRandom.For(seed, stream, 0);
        _loadNoise = SimRandom.For(seed, stream, 1);
        _currentNoise = SimRandom.For(seed, stream, 2);
        _flowNoise = SimRandom.For(seed, stream, 3);
        _pressureNoise = SimRandom.For(seed, stream, 4);
        _vibrationNoise = SimRandom.For(seed, stream, 5);
        _temperatureNoise = SimRandom.For(seed, stream, 6);
        _speedNoise = SimRandom.For(seed, stream, 7);
        if (duty == PumpDuty.Cycle)
        {
            _cycle = new LoadCycle(AssetTemplates.Create("pump", "pump").Load, SimRandom.For(seed, stream, 8), startMs);
        }
        _load = duty == PumpDuty.Continuous ? MeanLoad : _cycle!.At(startMs);
        _speedFactor = 1.0;
        _temperature = ThermalTarget(_load, startMs);
        // Counters start where a pump some years in service would be; energy is past 2^32 J from the start.
        _runTimeSeconds = Math.Round(init.Uniform(10_000, 40_000)) * 3600;
        _readings.VolumeM3 = Math.Round(init.Uniform(500_000, 1_500_000), 3);
        _readings.EnergyJ = (ulong)(_runTimeSeconds * 7_000);
        _readings.RunTimeSeconds = (uint)_runTimeSeconds;
        _lastMs = startMs;
        _heartbeatMs = startMs;
        Compute();
    }

    /// <summary>The values at the last step.</summary>
    public PumpReadings Readings => _readings;

    /// <summary>Advances to <paramref name="tMs"/> (one grid step after the last) with the master's current inputs.</summary>
    public void Step(long tMs, ushort speedSetpointRpm, bool runCommand)
    {
        var dt = Math.Max(0, tMs - _lastMs) / 1000.0;
        _lastMs = tMs;
        if (_duty == PumpDuty.Continuous)
        {
            // Ornstein-Uhlenbeck wander around the mean load.
            var theta = 1.0 / LoadReversionSeconds;
            var sigma = LoadStationarySigma * Math.Sqrt(2 * theta);
            _load += theta * (MeanLoad - _load) * dt + sigma * Math.Sqrt(dt) * _loadNoise.NextGaussian();
            _load = Math.Clamp(_load, 0.5, 1.0);
        }
        else
        {
            _load = _cycle!.At(tMs);
        }
        var speedTarget = runCommand ? speedSetpointRpm / NominalRpm : 0.0;
        _speedFactor = SignalMath.ThermalStep(_speedFactor, speedTarget, dt, SpeedTauSeconds);
        var effectiveLoad = _load * _speedFactor;
        _temperature = SignalMath.ThermalStep(_temperature, ThermalTarget(effectiveLoad, tMs), dt, ThermalTauSeconds);

        var wasRunning = _readings.Running;
        Compute();
        if (wasRunning)
        {
            _runTimeSeconds += dt;
        }
        _readings.RunTimeSeconds = (uint)Math.Min(uint.MaxValue, _runTimeSeconds);
        _readings.VolumeM3 += _readings.FlowM3h * dt / 3600.0;
        _energyRemainder += Math.Sqrt(3) * LineVoltage * _readings.CurrentA * PowerFactor * dt;
        var whole = Math.Floor(_energyRemainder);
        _readings.EnergyJ += (ulong)whole;
        _energyRemainder -= whole;
        while (tMs - _heartbeatMs >= 1000)
        {
            _heartbeatMs += 1000;
            _readings.Heartbeat++;
        }
    }

    private void Compute()
    {
        var effectiveLoad = _load * _speedFactor;
        var running = _speedFactor > 0.05;
        _readings.Running = running;
        _readings.CurrentA = Math.Max(0, 0.4 + 15.0 * effectiveLoad + 0.25 * _currentNoise.NextGaussian());
        _readings.FlowM3h = Math.Max(0, 42.0 * effectiveLoad + 0.6 * _flowNoise.NextGaussian());
        _readings.PressureBar = Math.Max(0, 0.8 + 3.2 * effectiveLoad + 0.05 * _pressureNoise.NextGaussian());
        _readings.VibrationMms = Math.Max(0, 0.3 + 2.4 * effectiveLoad + 0.12 * _vibrationNoise.NextGaussian());
        _readings.TemperatureC = _temperature + 0.1 * _temperatureNoise.NextGaussian();
        var speedNoise = _speedNoise.NextGaussian();
        _readings.SpeedRpm = running ? Math.Max(0, NominalRpm * _speedFactor * (1 - 0.01 * _load) + 1.5 * speedNoise) : 0;
    }

    private static double ThermalTarget(double effectiveLoad, long tMs) => 22.0 + 26.0 * effectiveLoad + 4.0 * SignalMath.Daily(tMs);
}
