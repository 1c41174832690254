using EdgeAnomaly.FirmwareSim.Fleet;

namespace EdgeAnomaly.FirmwareSim.Signals;

/// <summary>
/// An asset's load over time: alternating running and idle phases with linear ramps between levels.
/// Time only moves forward; each new phase draws its level and length from the asset's own stream.
/// </summary>
public sealed class LoadCycle
{
    private readonly LoadProfile _profile;
    private readonly SimRandom _random;
    private readonly long _rampMs;
    private long _phaseStartMs;
    private long _phaseEndMs;
    private double _fromLevel;
    private double _level;
    private bool _running;

    public LoadCycle(LoadProfile profile, SimRandom random, long startMs)
    {
        _profile = profile;
        _random = random;
        _rampMs = (long)(profile.RampSeconds * 1000);
        // Start at a random point of the cycle so a fleet does not switch on in lockstep.
        _running = random.NextDouble() < 0.6;
        _level = DrawLevel();
        _fromLevel = _level;
        var length = DrawLengthMs();
        _phaseStartMs = startMs - (long)(random.NextDouble() * length);
        _phaseEndMs = _phaseStartMs + length;
    }

    public bool IsRunning => _running;

    /// <summary>Load (0..1) at <paramref name="tMs"/>, which must not go back in time.</summary>
    public double At(long tMs)
    {
        while (tMs >= _phaseEndMs)
        {
            var previous = SignalMath.Ramp(_fromLevel, _level, _phaseStartMs, _rampMs, _phaseEndMs);
            _running = !_running;
            _fromLevel = previous;
            _level = DrawLevel();
            _phaseStartMs = _phaseEndMs;
            _phaseEndMs = _phaseStartMs + DrawLengthMs();
        }
        return SignalMath.Ramp(_fromLevel, _level, _phaseStartMs, _rampMs, tMs);
    }

    private double DrawLevel() => _running ? _random.Uniform(_profile.OnLevelMin, _profile.OnLevelMax) : _profile.OffLevel;

    private long DrawLengthMs()
    {
        var seconds = _running
            ? _random.Uniform(_profile.OnSecondsMin, _profile.OnSecondsMax)
            : _random.Uniform(_profile.OffSecondsMin, _profile.OffSecondsMax);
        // A phase is never shorter than its ramp, so the level is always reached.
        return Math.Max((long)(seconds * 1000), _rampMs + FleetSpec.TickMs);
    }
}
