namespace EdgeAnomaly.FirmwareSim.Modbus;

/// <summary>How a point's raw registers or bit are read.</summary>
public enum PointType
{
    /// <summary>A coil or discrete input.</summary>
    Bit,

    /// <summary>One bit (<see cref="PumpPoint.Bit"/>, 0 = LSB) of a 16-bit register.</summary>
    BitInRegister,
    Int16,
    UInt16,
    Int32,
    UInt32,
    Int64,
    UInt64,
    Float32,
    Float64,

    /// <summary>ASCII, two characters per register, first character in the high byte, NUL-padded.</summary>
    String,
}

/// <summary>
/// One documented point of the pump's register map. <paramref name="Address"/> is the 0-based PDU address;
/// engineering value = raw * <paramref name="Scale"/>. <paramref name="Tag"/> is the physical quantity the point
/// carries (several points carry the same tag in other types and byte orders); fault labels name tags.
/// </summary>
public sealed record PumpPoint(
    string Name,
    ModbusTable Table,
    int Address,
    PointType Type,
    string Tag,
    string Unit,
    string Description,
    RegisterByteOrder Order = RegisterByteOrder.ABCD,
    double Scale = 1,
    int Bit = -1,
    bool Writable = false)
{
    /// <summary>Registers (or bits, for <see cref="PointType.Bit"/>) the point occupies.</summary>
    public int Count => Type switch
    {
        PointType.Bit or PointType.BitInRegister or PointType.Int16 or PointType.UInt16 => 1,
        PointType.Int32 or PointType.UInt32 or PointType.Float32 => 2,
        PointType.Int64 or PointType.UInt64 or PointType.Float64 => 4,
        PointType.String => PumpRegisterMap.StringRegisters,
        _ => throw new InvalidOperationException(Type.ToString()),
    };

    /// <summary>The 1-based reference a master such as mbpoll takes (-r), and its classic 5-digit form (30001, 40001, ...).</summary>
    public int Reference => Address + 1;

    public int ClassicReference => Table switch
    {
        ModbusTable.Coils => 1 + Address,
        ModbusTable.DiscreteInputs => 10001 + Address,
        ModbusTable.InputRegisters => 30001 + Address,
        _ => 40001 + Address,
    };
}

/// <summary>
/// The register map of the simulated pump, the same for every unit id. Addresses are 0-based PDU addresses
/// (mbpoll's -r takes address + 1). Measurements are input registers 0..96 and, read-only, holding registers
/// 1000..1096 (the same words, for masters that only read holding registers); setpoints are holding registers 0..15.
/// See docs/modbus-sim.md.
/// </summary>
public static class PumpRegisterMap
{
    // Input registers: measurements (float32/ABCD first, then every other type and byte order).
    public const int Current = 0;
    public const int Pressure = 2;
    public const int Temperature = 4;
    public const int Vibration = 6;
    public const int Flow = 8;
    public const int Speed = 10;
    public const int Status = 11;
    public const int RunTime = 12;
    public const int Volume = 14;
    public const int Energy = 18;
    public const int VolumeBalance = 22;
    public const int TemperatureMilli = 26;
    public const int PressureDeviationMbar = 28;
    public const int TemperatureX10 = 30;
    public const int PressureDeviationX100 = 31;
    public const int CurrentX100 = 32;
    public const int FlowX10 = 33;
    public const int CurrentCdab = 34;
    public const int CurrentBadc = 36;
    public const int CurrentDcba = 38;
    public const int RunTimeCdab = 40;
    public const int RunTimeBadc = 42;
    public const int RunTimeDcba = 44;
    public const int PressureDeviationMbarCdab = 46;
    public const int PressureDeviationMbarBadc = 48;
    public const int PressureDeviationMbarDcba = 50;
    public const int EnergyCdab = 52;
    public const int EnergyBadc = 56;
    public const int EnergyDcba = 60;
    public const int VolumeBalanceCdab = 64;
    public const int VolumeBalanceBadc = 68;
    public const int VolumeBalanceDcba = 72;
    public const int VolumeCdab = 76;
    public const int VolumeBadc = 80;
    public const int VolumeDcba = 84;
    public const int ModelName = 88;
    public const int Heartbeat = 96;

    /// <summary>Input registers 0 .. InputCount-1 are mapped (one read of 97 registers covers them all).</summary>
    public const int InputCount = 97;

    /// <summary>Holding registers HoldingMirrorBase.. repeat the input registers, read-only.</summary>
    public const int HoldingMirrorBase = 1000;

    // Holding registers: setpoints a master may write.
    public const int SpeedSetpoint = 0;
    public const int PressureSetpointX100 = 1;
    public const int CurrentLimitX10 = 2;
    public const int TemperatureLimitX10 = 3;
    public const int PressureLowLimit = 4;
    public const int VolumeTarget = 6;
    public const int AssetTag = 8;

    /// <summary>Writable holding registers 0 .. HoldingCount-1.</summary>
    public const int HoldingCount = 16;

    /// <summary>Registers of each string (16 characters).</summary>
    public const int StringRegisters = 8;

    // Coils.
    public const int RunCommandCoil = 0;
    public const int AlarmResetCoil = 1;
    public const int RemoteCoil = 2;
    public const int FirstUserFlagCoil = 3;
    public const int CoilCount = 8;

    // Discrete inputs (and the same bits, 0..7, of the status word).
    public const int RunningInput = 0;
    public const int AlarmInput = 1;
    public const int OvercurrentInput = 2;
    public const int OvertemperatureInput = 3;
    public const int LowPressureInput = 4;
    public const int RemoteInput = 5;
    public const int HeartbeatToggleInput = 6;
    public const int PowerOkInput = 7;
    public const int DiscreteInputCount = 8;

    /// <summary>Status word bit 15: always set, marks a simulated device.</summary>
    public const int SimulatedStatusBit = 15;

    // Setpoint defaults (raw register values).
    public const ushort DefaultSpeedSetpointRpm = 1450;
    public const ushort MaxSpeedSetpointRpm = 3000;
    public const ushort DefaultPressureSetpointX100 = 400;
    public const ushort MaxPressureSetpointX100 = 1600;
    public const ushort DefaultCurrentLimitX10 = 200;
    public const short DefaultTemperatureLimitX10 = 800;
    public const float DefaultPressureLowLimitBar = 2.0f;
    public const uint DefaultVolumeTargetLitres = 4_000_000_000;

    public const string ModelNameText = "EA-SIM PUMP 7k5";

    /// <summary>Default asset tag of a unit: PUMP-U001 for unit 1.</summary>
    public static string DefaultAssetTag(byte unit) => "PUMP-U" + unit.ToString("000", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Every documented point, in table and address order.</summary>
    public static IReadOnlyList<PumpPoint> Points { get; } = BuildPoints();

    /// <summary>Points carrying <paramref name="tag"/> (e.g. "current.a"): what a fault on that quantity alters.</summary>
    public static IEnumerable<PumpPoint> PointsOf(string tag) => Points.Where(p => p.Tag == tag);

    private static List<PumpPoint> BuildPoints()
    {
        const ModbusTable ir = ModbusTable.InputRegisters;
        const ModbusTable hr = ModbusTable.HoldingRegisters;
        var cdab = RegisterByteOrder.CDAB;
        var badc = RegisterByteOrder.BADC;
        var dcba = RegisterByteOrder.DCBA;
        var points = new List<PumpPoint>
        {
            new("current.a", ir, Current, PointType.Float32, "current.a", "A", "Motor current"),
            new("pressure.bar", ir, Pressure, PointType.Float32, "pressure.bar", "bar", "Discharge pressure"),
            new("temperature.c", ir, Temperature, PointType.Float32, "temperature.c", "degC", "Motor winding temperature"),
            new("vibration.mms", ir, Vibration, PointType.Float32, "vibration.mms", "mm/s", "Vibration velocity (RMS)"),
            new("flow.m3h", ir, Flow, PointType.Float32, "flow.m3h", "m3/h", "Flow"),
            new("speed.rpm", ir, Speed, PointType.UInt16, "speed.rpm", "rpm", "Shaft speed (0 when stopped)"),
            new("status", ir, Status, PointType.UInt16, "status", "", "Status word: bits 0..7 as discrete inputs 0..7, bit 15 simulated"),
            new("status.running", ir, Status, PointType.BitInRegister, "running", "", "Status bit 0: running", Bit: RunningInput),
            new("status.alarm", ir, Status, PointType.BitInRegister, "alarm", "", "Status bit 1: alarm (latched)", Bit: AlarmInput),
            new("status.overcurrent", ir, Status, PointType.BitInRegister, "overcurrent", "", "Status bit 2: current above limit", Bit: OvercurrentInput),
            new("status.overtemperature", ir, Status, PointType.BitInRegister, "overtemperature", "", "Status bit 3: temperature above limit", Bit: OvertemperatureInput),
            new("status.low_pressure", ir, Status, PointType.BitInRegister, "low_pressure", "", "Status bit 4: running and pressure below low limit", Bit: LowPressureInput),
            new("status.simulated", ir, Status, PointType.BitInRegister, "simulated", "", "Status bit 15: always 1", Bit: SimulatedStatusBit),
            new("run_time.s", ir, RunTime, PointType.UInt32, "run_time.s", "s", "Run-hours counter in seconds (hours = value / 3600)"),
            new("volume.m3", ir, Volume, PointType.Float64, "volume.m3", "m3", "Total pumped volume"),
            new("energy.j", ir, Energy, PointType.UInt64, "energy.j", "J", "Energy counter"),
            new("volume_balance.l", ir, VolumeBalance, PointType.Int64, "volume_balance.l", "l", "Total volume minus volume target (negative until reached)"),
            new("temperature.mc", ir, TemperatureMilli, PointType.Int32, "temperature.c", "degC", "Temperature x1000", Scale: 0.001),
            new("pressure_dev.mbar", ir, PressureDeviationMbar, PointType.Int32, "pressure_dev.bar", "mbar", "Pressure minus pressure setpoint"),
            new("temperature.c.x10", ir, TemperatureX10, PointType.Int16, "temperature.c", "degC", "Temperature x10", Scale: 0.1),
            new("pressure_dev.bar.x100", ir, PressureDeviationX100, PointType.Int16, "pressure_dev.bar", "bar", "Pressure minus setpoint x100", Scale: 0.01),
            new("current.a.x100", ir, CurrentX100, PointType.UInt16, "current.a", "A", "Current x100", Scale: 0.01),
            new("flow.m3h.x10", ir, FlowX10, PointType.UInt16, "flow.m3h", "m3/h", "Flow x10", Scale: 0.1),
            new("current.a.cdab", ir, CurrentCdab, PointType.Float32, "current.a", "A", "Current, word-swapped", cdab),
            new("current.a.badc", ir, CurrentBadc, PointType.Float32, "current.a", "A", "Current, byte-swapped", badc),
            new("current.a.dcba", ir, CurrentDcba, PointType.Float32, "current.a", "A", "Current, little-endian", dcba),
            new("run_time.s.cdab", ir, RunTimeCdab, PointType.UInt32, "run_time.s", "s", "Run time, word-swapped", cdab),
            new("run_time.s.badc", ir, RunTimeBadc, PointType.UInt32, "run_time.s", "s", "Run time, byte-swapped", badc),
            new("run_time.s.dcba", ir, RunTimeDcba, PointType.UInt32, "run_time.s", "s", "Run time, little-endian", dcba),
            new("pressure_dev.mbar.cdab", ir, PressureDeviationMbarCdab, PointType.Int32, "pressure_dev.bar", "mbar", "Pressure deviation, word-swapped", cdab),
            new("pressure_dev.mbar.badc", ir, PressureDeviationMbarBadc, PointType.Int32, "pressure_dev.bar", "mbar", "Pressure deviation, byte-swapped", badc),
            new("pressure_dev.mbar.dcba", ir, PressureDeviationMbarDcba, PointType.Int32, "pressure_dev.bar", "mbar", "Pressure deviation, little-endian", dcba),
            new("energy.j.cdab", ir, EnergyCdab, PointType.UInt64, "energy.j", "J", "Energy, word-swapped", cdab),
            new("energy.j.badc", ir, EnergyBadc, PointType.UInt64, "energy.j", "J", "Energy, byte-swapped", badc),
            new("energy.j.dcba", ir, EnergyDcba, PointType.UInt64, "energy.j", "J", "Energy, little-endian", dcba),
            new("volume_balance.l.cdab", ir, VolumeBalanceCdab, PointType.Int64, "volume_balance.l", "l", "Volume balance, word-swapped", cdab),
            new("volume_balance.l.badc", ir, VolumeBalanceBadc, PointType.Int64, "volume_balance.l", "l", "Volume balance, byte-swapped", badc),
            new("volume_balance.l.dcba", ir, VolumeBalanceDcba, PointType.Int64, "volume_balance.l", "l", "Volume balance, little-endian", dcba),
            new("volume.m3.cdab", ir, VolumeCdab, PointType.Float64, "volume.m3", "m3", "Volume, word-swapped", cdab),
            new("volume.m3.badc", ir, VolumeBadc, PointType.Float64, "volume.m3", "m3", "Volume, byte-swapped", badc),
            new("volume.m3.dcba", ir, VolumeDcba, PointType.Float64, "volume.m3", "m3", "Volume, little-endian", dcba),
            new("model", ir, ModelName, PointType.String, "model", "", "Model name '" + ModelNameText + "'"),
            new("heartbeat", ir, Heartbeat, PointType.UInt16, "heartbeat", "", "+1 per simulated second (wraps); constant in --freeze and while stuck"),

            new("speed_setpoint.rpm", hr, SpeedSetpoint, PointType.UInt16, "speed_setpoint.rpm", "rpm", "Speed setpoint 0..3000 (scales load, flow, current)", Writable: true),
            new("pressure_setpoint.bar.x100", hr, PressureSetpointX100, PointType.UInt16, "pressure_setpoint.bar", "bar", "Pressure setpoint x100, 0..1600 (pressure deviation refers to it)", Scale: 0.01, Writable: true),
            new("current_limit.a.x10", hr, CurrentLimitX10, PointType.UInt16, "current_limit.a", "A", "Overcurrent limit x10", Scale: 0.1, Writable: true),
            new("temperature_limit.c.x10", hr, TemperatureLimitX10, PointType.Int16, "temperature_limit.c", "degC", "Overtemperature limit x10", Scale: 0.1, Writable: true),
            new("pressure_low_limit.bar", hr, PressureLowLimit, PointType.Float32, "pressure_low_limit.bar", "bar", "Low-pressure alarm limit (while running)", Writable: true),
            new("volume_target.l", hr, VolumeTarget, PointType.UInt32, "volume_target.l", "l", "Volume target for volume_balance.l", Writable: true),
            new("asset_tag", hr, AssetTag, PointType.String, "asset_tag", "", "Asset tag, default PUMP-U<unit>", Writable: true),

            new("run_command", ModbusTable.Coils, RunCommandCoil, PointType.Bit, "run_command", "", "1 = run (default); 0 stops the pump (ramps down)", Writable: true),
            new("alarm_reset", ModbusTable.Coils, AlarmResetCoil, PointType.Bit, "alarm_reset", "", "Write 1 to clear the latched alarm (reads 0)", Writable: true),
            new("remote", ModbusTable.Coils, RemoteCoil, PointType.Bit, "remote", "", "Remote mode (default 1), mirrored to input 5", Writable: true),
        };
        for (var i = FirstUserFlagCoil; i < CoilCount; i++)
        {
            points.Add(new("user_flag." + (i - FirstUserFlagCoil).ToString(System.Globalization.CultureInfo.InvariantCulture), ModbusTable.Coils, i, PointType.Bit, "user_flag", "", "Plain storage", Writable: true));
        }
        points.AddRange(
        [
            new("running", ModbusTable.DiscreteInputs, RunningInput, PointType.Bit, "running", "", "Pump running"),
            new("alarm", ModbusTable.DiscreteInputs, AlarmInput, PointType.Bit, "alarm", "", "Alarm latched (cleared by alarm_reset once no condition holds)"),
            new("overcurrent", ModbusTable.DiscreteInputs, OvercurrentInput, PointType.Bit, "overcurrent", "", "current.a > current_limit"),
            new("overtemperature", ModbusTable.DiscreteInputs, OvertemperatureInput, PointType.Bit, "overtemperature", "", "temperature.c > temperature_limit"),
            new("low_pressure", ModbusTable.DiscreteInputs, LowPressureInput, PointType.Bit, "low_pressure", "", "running and pressure.bar < pressure_low_limit"),
            new("remote_active", ModbusTable.DiscreteInputs, RemoteInput, PointType.Bit, "remote", "", "Remote coil"),
            new("heartbeat_toggle", ModbusTable.DiscreteInputs, HeartbeatToggleInput, PointType.Bit, "heartbeat", "", "Heartbeat bit 0"),
            new("power_ok", ModbusTable.DiscreteInputs, PowerOkInput, PointType.Bit, "power_ok", "", "Always 1"),
        ]);
        return points;
    }
}
