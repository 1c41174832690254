using System.Buffers.Binary;
using System.Text;

namespace EdgeAnomaly.FirmwareSim.Modbus;

/// <summary>
/// One simulated pump behind one unit id: the four Modbus tables of <see cref="PumpRegisterMap"/>, written by the
/// simulation tick and read or written by any number of connections. All access goes through one lock per unit,
/// held only for copying a few registers, so a read never sees half of a tick's update.
/// </summary>
public sealed class PumpUnit : IModbusDataSpace
{
    private static readonly byte[] ServerIdText = Encoding.ASCII.GetBytes("EdgeAnomaly pump simulator " + PumpRegisterMap.ModelNameText);

    private static readonly (int Address, RegisterByteOrder Order)[] RunTimeSlots = Orders(PumpRegisterMap.RunTime, PumpRegisterMap.RunTimeCdab, PumpRegisterMap.RunTimeBadc, PumpRegisterMap.RunTimeDcba);
    private static readonly (int Address, RegisterByteOrder Order)[] VolumeSlots = Orders(PumpRegisterMap.Volume, PumpRegisterMap.VolumeCdab, PumpRegisterMap.VolumeBadc, PumpRegisterMap.VolumeDcba);
    private static readonly (int Address, RegisterByteOrder Order)[] EnergySlots = Orders(PumpRegisterMap.Energy, PumpRegisterMap.EnergyCdab, PumpRegisterMap.EnergyBadc, PumpRegisterMap.EnergyDcba);
    private static readonly (int Address, RegisterByteOrder Order)[] VolumeBalanceSlots = Orders(PumpRegisterMap.VolumeBalance, PumpRegisterMap.VolumeBalanceCdab, PumpRegisterMap.VolumeBalanceBadc, PumpRegisterMap.VolumeBalanceDcba);
    private static readonly (int Address, RegisterByteOrder Order)[] PressureDeviationSlots = Orders(PumpRegisterMap.PressureDeviationMbar, PumpRegisterMap.PressureDeviationMbarCdab, PumpRegisterMap.PressureDeviationMbarBadc, PumpRegisterMap.PressureDeviationMbarDcba);
    private static readonly (int Address, RegisterByteOrder Order)[] CurrentSlots = Orders(PumpRegisterMap.Current, PumpRegisterMap.CurrentCdab, PumpRegisterMap.CurrentBadc, PumpRegisterMap.CurrentDcba);

    private readonly Lock _gate = new();
    private readonly ushort[] _input = new ushort[PumpRegisterMap.InputCount];
    private readonly ushort[] _holding = new ushort[PumpRegisterMap.HoldingCount];
    private readonly bool[] _coils = new bool[PumpRegisterMap.CoilCount];
    private readonly bool[] _discrete = new bool[PumpRegisterMap.DiscreteInputCount];
    private volatile UnitTransportFaults _transport = UnitTransportFaults.None;
    private bool _alarmLatched;
    private long _requests;
    private long _writes;

    public PumpUnit(byte unitId)
    {
        if (unitId is < 1 or > 247)
        {
            throw new ArgumentOutOfRangeException(nameof(unitId), unitId, "unit id must be 1..247");
        }
        UnitId = unitId;
        _holding[PumpRegisterMap.SpeedSetpoint] = PumpRegisterMap.DefaultSpeedSetpointRpm;
        _holding[PumpRegisterMap.PressureSetpointX100] = PumpRegisterMap.DefaultPressureSetpointX100;
        _holding[PumpRegisterMap.CurrentLimitX10] = PumpRegisterMap.DefaultCurrentLimitX10;
        _holding[PumpRegisterMap.TemperatureLimitX10] = unchecked((ushort)PumpRegisterMap.DefaultTemperatureLimitX10);
        RegisterEncoding.WriteFloat32(_holding.AsSpan(PumpRegisterMap.PressureLowLimit, 2), PumpRegisterMap.DefaultPressureLowLimitBar, RegisterByteOrder.ABCD);
        RegisterEncoding.WriteUInt32(_holding.AsSpan(PumpRegisterMap.VolumeTarget, 2), PumpRegisterMap.DefaultVolumeTargetLitres, RegisterByteOrder.ABCD);
        RegisterEncoding.WriteString(_holding.AsSpan(PumpRegisterMap.AssetTag, PumpRegisterMap.StringRegisters), PumpRegisterMap.DefaultAssetTag(unitId));
        RegisterEncoding.WriteString(_input.AsSpan(PumpRegisterMap.ModelName, PumpRegisterMap.StringRegisters), PumpRegisterMap.ModelNameText);
        _coils[PumpRegisterMap.RunCommandCoil] = true;
        _coils[PumpRegisterMap.RemoteCoil] = true;
    }

    public byte UnitId { get; }

    /// <summary>Transport faults in force (set by the simulation tick, read by the servers).</summary>
    public UnitTransportFaults Transport
    {
        get => _transport;
        internal set => _transport = value;
    }

    /// <summary>Requests executed against this unit (reads and writes, including broadcasts).</summary>
    public long Requests => Interlocked.Read(ref _requests);

    /// <summary>Successful writes by a master.</summary>
    public long Writes => Interlocked.Read(ref _writes);

    public ushort SpeedSetpointRpm => ReadHolding(PumpRegisterMap.SpeedSetpoint);

    public bool RunCommand => ReadCoil(PumpRegisterMap.RunCommandCoil);

    public ushort ReadInput(int address)
    {
        lock (_gate)
        {
            return _input[address];
        }
    }

    public ushort ReadHolding(int address)
    {
        lock (_gate)
        {
            return _holding[address];
        }
    }

    public bool ReadCoil(int address)
    {
        lock (_gate)
        {
            return _coils[address];
        }
    }

    public bool ReadDiscreteInput(int address)
    {
        lock (_gate)
        {
            return _discrete[address];
        }
    }

    /// <summary>Copies input registers [<paramref name="address"/>, + destination.Length) (tests and tools).</summary>
    public void CopyInputs(int address, Span<ushort> destination)
    {
        lock (_gate)
        {
            _input.AsSpan(address, destination.Length).CopyTo(destination);
        }
    }

    /// <summary>What the model needs from the master's side: speed setpoint and run command.</summary>
    public (ushort SpeedSetpointRpm, bool RunCommand) ReadControls()
    {
        lock (_gate)
        {
            return (_holding[PumpRegisterMap.SpeedSetpoint], _coils[PumpRegisterMap.RunCommandCoil]);
        }
    }

    /// <summary>Shows <paramref name="readings"/> in the input registers and derives the status bits.</summary>
    public void Publish(in PumpReadings readings)
    {
        lock (_gate)
        {
            var input = _input.AsSpan();
            var abcd = RegisterByteOrder.ABCD;
            var current = (float)readings.CurrentA;
            RegisterEncoding.WriteFloat32(input.Slice(PumpRegisterMap.Current, 2), current, abcd);
            RegisterEncoding.WriteFloat32(input.Slice(PumpRegisterMap.Pressure, 2), (float)readings.PressureBar, abcd);
            RegisterEncoding.WriteFloat32(input.Slice(PumpRegisterMap.Temperature, 2), (float)readings.TemperatureC, abcd);
            RegisterEncoding.WriteFloat32(input.Slice(PumpRegisterMap.Vibration, 2), (float)readings.VibrationMms, abcd);
            RegisterEncoding.WriteFloat32(input.Slice(PumpRegisterMap.Flow, 2), (float)readings.FlowM3h, abcd);
            input[PumpRegisterMap.Speed] = ToUInt16(readings.SpeedRpm, 1);

            var pressureSetpoint = _holding[PumpRegisterMap.PressureSetpointX100] / 100.0;
            var deviationMbar = (int)Math.Round((readings.PressureBar - pressureSetpoint) * 1000, MidpointRounding.AwayFromZero);
            var volumeTarget = RegisterEncoding.ReadUInt32(_holding.AsSpan(PumpRegisterMap.VolumeTarget, 2), abcd);
            var balance = (long)Math.Round(readings.VolumeM3 * 1000, MidpointRounding.AwayFromZero) - volumeTarget;

            foreach (var (address, order) in RunTimeSlots)
            {
                RegisterEncoding.WriteUInt32(input.Slice(address, 2), readings.RunTimeSeconds, order);
            }
            foreach (var (address, order) in VolumeSlots)
            {
                RegisterEncoding.WriteFloat64(input.Slice(address, 4), readings.VolumeM3, order);
            }
            foreach (var (address, order) in EnergySlots)
            {
                RegisterEncoding.WriteUInt64(input.Slice(address, 4), readings.EnergyJ, order);
            }
            foreach (var (address, order) in VolumeBalanceSlots)
            {
                RegisterEncoding.WriteInt64(input.Slice(address, 4), balance, order);
            }
            foreach (var (address, order) in PressureDeviationSlots)
            {
                RegisterEncoding.WriteInt32(input.Slice(address, 2), deviationMbar, order);
            }
            foreach (var (address, order) in CurrentSlots)
            {
                RegisterEncoding.WriteFloat32(input.Slice(address, 2), current, order);
            }
            RegisterEncoding.WriteInt32(input.Slice(PumpRegisterMap.TemperatureMilli, 2), (int)Math.Round(readings.TemperatureC * 1000, MidpointRounding.AwayFromZero), abcd);
            input[PumpRegisterMap.TemperatureX10] = unchecked((ushort)ToInt16(readings.TemperatureC, 10));
            input[PumpRegisterMap.PressureDeviationX100] = unchecked((ushort)ToInt16(readings.PressureBar - pressureSetpoint, 100));
            input[PumpRegisterMap.CurrentX100] = ToUInt16(readings.CurrentA, 100);
            input[PumpRegisterMap.FlowX10] = ToUInt16(readings.FlowM3h, 10);
            input[PumpRegisterMap.Heartbeat] = readings.Heartbeat;

            var overcurrent = readings.CurrentA > _holding[PumpRegisterMap.CurrentLimitX10] / 10.0;
            var overtemperature = readings.TemperatureC > unchecked((short)_holding[PumpRegisterMap.TemperatureLimitX10]) / 10.0;
            var lowLimit = RegisterEncoding.ReadFloat32(_holding.AsSpan(PumpRegisterMap.PressureLowLimit, 2), abcd);
            var lowPressure = readings.Running && readings.PressureBar < lowLimit;
            _alarmLatched |= overcurrent || overtemperature || lowPressure;
            _discrete[PumpRegisterMap.RunningInput] = readings.Running;
            _discrete[PumpRegisterMap.AlarmInput] = _alarmLatched;
            _discrete[PumpRegisterMap.OvercurrentInput] = overcurrent;
            _discrete[PumpRegisterMap.OvertemperatureInput] = overtemperature;
            _discrete[PumpRegisterMap.LowPressureInput] = lowPressure;
            _discrete[PumpRegisterMap.RemoteInput] = _coils[PumpRegisterMap.RemoteCoil];
            _discrete[PumpRegisterMap.HeartbeatToggleInput] = (readings.Heartbeat & 1) != 0;
            _discrete[PumpRegisterMap.PowerOkInput] = true;
            ushort status = 1 << PumpRegisterMap.SimulatedStatusBit;
            for (var bit = 0; bit < PumpRegisterMap.DiscreteInputCount; bit++)
            {
                if (_discrete[bit])
                {
                    status |= (ushort)(1 << bit);
                }
            }
            input[PumpRegisterMap.Status] = status;
        }
    }

    public ModbusExceptionCode ReadBits(ModbusTable table, int address, int count, Span<byte> packed)
    {
        Interlocked.Increment(ref _requests);
        lock (_gate)
        {
            var bits = table == ModbusTable.Coils ? _coils : _discrete;
            if (address + count > bits.Length)
            {
                return ModbusExceptionCode.IllegalDataAddress;
            }
            for (var i = 0; i < count; i++)
            {
                if (bits[address + i])
                {
                    packed[i / 8] |= (byte)(1 << (i % 8));
                }
            }
        }
        return ModbusExceptionCode.None;
    }

    public ModbusExceptionCode ReadRegisters(ModbusTable table, int address, int count, Span<byte> destination)
    {
        Interlocked.Increment(ref _requests);
        lock (_gate)
        {
            ReadOnlySpan<ushort> source;
            if (table == ModbusTable.InputRegisters)
            {
                source = _input;
            }
            else if (address >= PumpRegisterMap.HoldingMirrorBase)
            {
                source = _input;
                address -= PumpRegisterMap.HoldingMirrorBase;
            }
            else
            {
                source = _holding;
            }
            if (address + count > source.Length)
            {
                return ModbusExceptionCode.IllegalDataAddress;
            }
            for (var i = 0; i < count; i++)
            {
                BinaryPrimitives.WriteUInt16BigEndian(destination[(2 * i)..], source[address + i]);
            }
        }
        return ModbusExceptionCode.None;
    }

    public ModbusExceptionCode WriteCoils(int address, int count, ReadOnlySpan<byte> packed)
    {
        Interlocked.Increment(ref _requests);
        lock (_gate)
        {
            if (address + count > _coils.Length)
            {
                return ModbusExceptionCode.IllegalDataAddress;
            }
            for (var i = 0; i < count; i++)
            {
                var value = (packed[i / 8] & (1 << (i % 8))) != 0;
                var coil = address + i;
                if (coil == PumpRegisterMap.AlarmResetCoil)
                {
                    // A command, not a state: it clears the latch (the next tick latches again if a condition holds).
                    if (value)
                    {
                        _alarmLatched = false;
                        _discrete[PumpRegisterMap.AlarmInput] = false;
                    }
                    continue;
                }
                _coils[coil] = value;
            }
        }
        Interlocked.Increment(ref _writes);
        return ModbusExceptionCode.None;
    }

    public ModbusExceptionCode WriteRegisters(int address, ReadOnlySpan<byte> values)
    {
        Interlocked.Increment(ref _requests);
        var count = values.Length / 2;
        if (address + count > PumpRegisterMap.HoldingCount)
        {
            // Includes the read-only mirror of the input registers at 1000..
            return ModbusExceptionCode.IllegalDataAddress;
        }
        for (var i = 0; i < count; i++)
        {
            var register = address + i;
            var value = BinaryPrimitives.ReadUInt16BigEndian(values[(2 * i)..]);
            if ((register == PumpRegisterMap.SpeedSetpoint && value > PumpRegisterMap.MaxSpeedSetpointRpm)
                || (register == PumpRegisterMap.PressureSetpointX100 && value > PumpRegisterMap.MaxPressureSetpointX100))
            {
                return ModbusExceptionCode.IllegalDataValue;
            }
        }
        lock (_gate)
        {
            for (var i = 0; i < count; i++)
            {
                _holding[address + i] = BinaryPrimitives.ReadUInt16BigEndian(values[(2 * i)..]);
            }
        }
        Interlocked.Increment(ref _writes);
        return ModbusExceptionCode.None;
    }

    public int WriteServerId(Span<byte> destination)
    {
        Interlocked.Increment(ref _requests);
        destination[0] = UnitId;
        destination[1] = ReadDiscreteInput(PumpRegisterMap.RunningInput) ? (byte)0xFF : (byte)0x00;
        var text = ServerIdText.AsSpan(0, Math.Min(ServerIdText.Length, destination.Length - 2));
        text.CopyTo(destination[2..]);
        return 2 + text.Length;
    }

    private static (int Address, RegisterByteOrder Order)[] Orders(int abcd, int cdab, int badc, int dcba) =>
        [(abcd, RegisterByteOrder.ABCD), (cdab, RegisterByteOrder.CDAB), (badc, RegisterByteOrder.BADC), (dcba, RegisterByteOrder.DCBA)];

    private static ushort ToUInt16(double value, double scale) =>
        (ushort)Math.Clamp(Math.Round(value * scale, MidpointRounding.AwayFromZero), 0, ushort.MaxValue);

    private static short ToInt16(double value, double scale) =>
        (short)Math.Clamp(Math.Round(value * scale, MidpointRounding.AwayFromZero), short.MinValue, short.MaxValue);
}

/// <summary>Transport-level faults in force for one unit (an immutable snapshot swapped by the tick).</summary>
public sealed record UnitTransportFaults(bool Drop, int DelayMs, ModbusExceptionCode Exception, bool BadCrc, int CorruptMode)
{
    public static UnitTransportFaults None { get; } = new(false, 0, ModbusExceptionCode.None, false, 0);

    public bool IsNone => this == None || (!Drop && DelayMs == 0 && Exception == ModbusExceptionCode.None && !BadCrc && CorruptMode == 0);
}
