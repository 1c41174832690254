namespace EdgeAnomaly.FirmwareSim.Modbus;

/// <summary>Engineering values of one pump at one instant, as the register map shows them.</summary>
public struct PumpReadings
{
    public double CurrentA { get; set; }
    public double PressureBar { get; set; }
    public double TemperatureC { get; set; }
    public double VibrationMms { get; set; }
    public double FlowM3h { get; set; }
    public double SpeedRpm { get; set; }
    public bool Running { get; set; }
    public uint RunTimeSeconds { get; set; }
    public double VolumeM3 { get; set; }
    public ulong EnergyJ { get; set; }
    public ushort Heartbeat { get; set; }

    /// <summary>
    /// The constant values of --freeze mode: chosen exactly representable in float32 and with distinct bytes in
    /// the 32/64-bit counters, so every type and byte order can be compared exactly. Current differs per unit
    /// (10 + (unit mod 32) * 0.25 A, below the default limit) so a reply can be told from another unit's.
    /// </summary>
    public static PumpReadings Frozen(byte unit) => new()
    {
        CurrentA = 10.0 + (unit % 32) * 0.25,
        PressureBar = 3.25,
        TemperatureC = 45.5,
        VibrationMms = 2.75,
        FlowM3h = 38.5,
        SpeedRpm = 1450,
        Running = true,
        RunTimeSeconds = 0x0123_4567,
        VolumeM3 = 1_234_567.125,
        EnergyJ = 0x0123_4567_89AB_CDEF,
        Heartbeat = 0,
    };
}

/// <summary>How a pump's load evolves.</summary>
public enum PumpDuty
{
    /// <summary>Runs all the time at about 85 % load with a slow random wander (predictable for detection tests).</summary>
    Continuous,

    /// <summary>Running and idle phases with ramps, like the ESP32 simulator's pumps.</summary>
    Cycle,
}
