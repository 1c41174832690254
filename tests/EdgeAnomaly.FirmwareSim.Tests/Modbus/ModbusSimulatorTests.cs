using System.Text.Json;
using EdgeAnomaly.FirmwareSim.Modbus;

namespace EdgeAnomaly.FirmwareSim.Tests.Modbus;

public class ModbusSimulatorTests
{
    private static float Float(PumpUnit unit, int address, RegisterByteOrder order = RegisterByteOrder.ABCD)
    {
        Span<ushort> registers = stackalloc ushort[2];
        unit.CopyInputs(address, registers);
        return RegisterEncoding.ReadFloat32(registers, order);
    }

    private static ushort[] Inputs(PumpUnit unit)
    {
        var registers = new ushort[PumpRegisterMap.InputCount];
        unit.CopyInputs(0, registers);
        return registers;
    }

    [Fact]
    public void Frozen_EveryPointHasItsDocumentedValue()
    {
        var simulator = SimHost.Frozen(1, 9).Simulator;
        var unit = simulator.Find(9)!;
        var r = Inputs(unit);
        ReadOnlySpan<ushort> span = r;

        Assert.Equal(12.25f, RegisterEncoding.ReadFloat32(span.Slice(PumpRegisterMap.Current, 2), RegisterByteOrder.ABCD));
        Assert.Equal(3.25f, RegisterEncoding.ReadFloat32(span.Slice(PumpRegisterMap.Pressure, 2), RegisterByteOrder.ABCD));
        Assert.Equal(45.5f, RegisterEncoding.ReadFloat32(span.Slice(PumpRegisterMap.Temperature, 2), RegisterByteOrder.ABCD));
        Assert.Equal(2.75f, RegisterEncoding.ReadFloat32(span.Slice(PumpRegisterMap.Vibration, 2), RegisterByteOrder.ABCD));
        Assert.Equal(38.5f, RegisterEncoding.ReadFloat32(span.Slice(PumpRegisterMap.Flow, 2), RegisterByteOrder.ABCD));
        Assert.Equal(1450, r[PumpRegisterMap.Speed]);
        Assert.Equal(0x80A1, r[PumpRegisterMap.Status]);
        Assert.Equal(new ushort[] { 0x0123, 0x4567 }, r[PumpRegisterMap.RunTime..(PumpRegisterMap.RunTime + 2)]);
        Assert.Equal(new ushort[] { 0x4567, 0x0123 }, r[PumpRegisterMap.RunTimeCdab..(PumpRegisterMap.RunTimeCdab + 2)]);
        Assert.Equal(new ushort[] { 0x2301, 0x6745 }, r[PumpRegisterMap.RunTimeBadc..(PumpRegisterMap.RunTimeBadc + 2)]);
        Assert.Equal(new ushort[] { 0x6745, 0x2301 }, r[PumpRegisterMap.RunTimeDcba..(PumpRegisterMap.RunTimeDcba + 2)]);
        Assert.Equal(new ushort[] { 0x0123, 0x4567, 0x89AB, 0xCDEF }, r[PumpRegisterMap.Energy..(PumpRegisterMap.Energy + 4)]);
        Assert.Equal(new ushort[] { 0xCDEF, 0x89AB, 0x4567, 0x0123 }, r[PumpRegisterMap.EnergyCdab..(PumpRegisterMap.EnergyCdab + 4)]);
        Assert.Equal(new ushort[] { 0x2301, 0x6745, 0xAB89, 0xEFCD }, r[PumpRegisterMap.EnergyBadc..(PumpRegisterMap.EnergyBadc + 4)]);
        Assert.Equal(new ushort[] { 0xEFCD, 0xAB89, 0x6745, 0x2301 }, r[PumpRegisterMap.EnergyDcba..(PumpRegisterMap.EnergyDcba + 4)]);
        foreach (var (address, order) in new[] { (PumpRegisterMap.Current, RegisterByteOrder.ABCD), (PumpRegisterMap.CurrentCdab, RegisterByteOrder.CDAB), (PumpRegisterMap.CurrentBadc, RegisterByteOrder.BADC), (PumpRegisterMap.CurrentDcba, RegisterByteOrder.DCBA) })
        {
            Assert.Equal(12.25f, RegisterEncoding.ReadFloat32(span.Slice(address, 2), order));
        }
        foreach (var (address, order) in new[] { (PumpRegisterMap.Volume, RegisterByteOrder.ABCD), (PumpRegisterMap.VolumeCdab, RegisterByteOrder.CDAB), (PumpRegisterMap.VolumeBadc, RegisterByteOrder.BADC), (PumpRegisterMap.VolumeDcba, RegisterByteOrder.DCBA) })
        {
            Assert.Equal(1_234_567.125, RegisterEncoding.ReadFloat64(span.Slice(address, 4), order));
        }
        foreach (var (address, order) in new[] { (PumpRegisterMap.VolumeBalance, RegisterByteOrder.ABCD), (PumpRegisterMap.VolumeBalanceCdab, RegisterByteOrder.CDAB), (PumpRegisterMap.VolumeBalanceBadc, RegisterByteOrder.BADC), (PumpRegisterMap.VolumeBalanceDcba, RegisterByteOrder.DCBA) })
        {
            Assert.Equal(-2_765_432_875, RegisterEncoding.ReadInt64(span.Slice(address, 4), order));
        }
        foreach (var (address, order) in new[] { (PumpRegisterMap.PressureDeviationMbar, RegisterByteOrder.ABCD), (PumpRegisterMap.PressureDeviationMbarCdab, RegisterByteOrder.CDAB), (PumpRegisterMap.PressureDeviationMbarBadc, RegisterByteOrder.BADC), (PumpRegisterMap.PressureDeviationMbarDcba, RegisterByteOrder.DCBA) })
        {
            Assert.Equal(-750, RegisterEncoding.ReadInt32(span.Slice(address, 2), order));
        }
        Assert.Equal(45_500, RegisterEncoding.ReadInt32(span.Slice(PumpRegisterMap.TemperatureMilli, 2), RegisterByteOrder.ABCD));
        Assert.Equal(455, (short)r[PumpRegisterMap.TemperatureX10]);
        Assert.Equal(-75, (short)r[PumpRegisterMap.PressureDeviationX100]);
        Assert.Equal(1225, r[PumpRegisterMap.CurrentX100]);
        Assert.Equal(385, r[PumpRegisterMap.FlowX10]);
        Assert.Equal(PumpRegisterMap.ModelNameText, RegisterEncoding.ReadString(span.Slice(PumpRegisterMap.ModelName, PumpRegisterMap.StringRegisters)));
        Assert.Equal(0, r[PumpRegisterMap.Heartbeat]);
    }

    [Fact]
    public void Frozen_ValuesStayConstantAsTimePasses()
    {
        var host = SimHost.Frozen(1);
        var before = Inputs(host.Unit(1));

        host.Advance(TimeSpan.FromMinutes(10));

        Assert.Equal(before, Inputs(host.Unit(1)));
    }

    [Fact]
    public void Model_SameSeed_SameValues_OtherSeed_OtherValues()
    {
        var a = SimHost.Create(new ModbusSimulatorOptions { Units = [1, 2], Seed = 42 });
        var b = SimHost.Create(new ModbusSimulatorOptions { Units = [1, 2], Seed = 42 });
        var c = SimHost.Create(new ModbusSimulatorOptions { Units = [1, 2], Seed = 43 });
        for (var i = 0; i < 50; i++)
        {
            // Uneven steps: the model runs on its own 100 ms grid whatever the clock's jumps are.
            a.Advance(TimeSpan.FromMilliseconds(250));
            b.Advance(TimeSpan.FromMilliseconds(i % 2 == 0 ? 130 : 370));
        }

        Assert.Equal(Inputs(a.Unit(1)), Inputs(b.Unit(1)));
        Assert.Equal(Inputs(a.Unit(2)), Inputs(b.Unit(2)));
        Assert.NotEqual(Inputs(a.Unit(1)), Inputs(a.Unit(2)));
        c.Advance(TimeSpan.FromSeconds(12.5));
        Assert.NotEqual(Inputs(a.Unit(1)), Inputs(c.Unit(1)));
    }

    [Fact]
    public void Model_RunningPump_HasPlausibleValues_AndCountersAdvance()
    {
        var host = SimHost.Create(new ModbusSimulatorOptions { Seed = 3 });
        var unit = host.Unit(1);
        Span<ushort> energy = stackalloc ushort[4];
        unit.CopyInputs(PumpRegisterMap.Energy, energy);
        var energyBefore = RegisterEncoding.ReadUInt64(energy, RegisterByteOrder.ABCD);

        host.Advance(TimeSpan.FromSeconds(60));

        Assert.InRange(Float(unit, PumpRegisterMap.Current), 8, 18);
        Assert.InRange(Float(unit, PumpRegisterMap.Pressure), 2.5, 4.5);
        Assert.InRange(Float(unit, PumpRegisterMap.Flow), 20, 45);
        Assert.InRange(Float(unit, PumpRegisterMap.Temperature), 30, 60);
        Assert.InRange(unit.ReadInput(PumpRegisterMap.Speed), 1380, 1460);
        Assert.Equal(60, unit.ReadInput(PumpRegisterMap.Heartbeat));
        Assert.True(unit.ReadDiscreteInput(PumpRegisterMap.RunningInput));
        unit.CopyInputs(PumpRegisterMap.Energy, energy);
        var energyAfter = RegisterEncoding.ReadUInt64(energy, RegisterByteOrder.ABCD);
        Assert.InRange(energyAfter - energyBefore, 60 * 4_000ul, 60 * 12_000ul);   // 4..12 kW for a minute
        Assert.True(energyAfter > uint.MaxValue);
    }

    [Fact]
    public void RunCommandOff_StopsThePump_SpeedSetpointScalesIt()
    {
        var host = SimHost.Create(new ModbusSimulatorOptions { Seed = 5 });
        var unit = host.Unit(1);
        var response = new byte[ModbusFunction.MaxPduLength];

        ModbusRequestHandler.Handle([0x06, 0x00, 0x00, 0x02, 0xD5], unit, response);   // 725 rpm: half speed
        host.Advance(TimeSpan.FromSeconds(30));
        Assert.InRange(unit.ReadInput(PumpRegisterMap.Speed), 690, 735);
        Assert.InRange(Float(unit, PumpRegisterMap.Current), 4, 9);

        ModbusRequestHandler.Handle([0x05, 0x00, 0x00, 0x00, 0x00], unit, response);   // run command off
        host.Advance(TimeSpan.FromSeconds(30));
        Assert.Equal(0, unit.ReadInput(PumpRegisterMap.Speed));
        Assert.False(unit.ReadDiscreteInput(PumpRegisterMap.RunningInput));
        Assert.Equal(0, unit.ReadInput(PumpRegisterMap.Status) & 1);
    }

    [Fact]
    public void Overcurrent_AltersOnlyItsLabelledRegisters_InsideItsWindow()
    {
        var options = new ModbusSimulatorOptions { Units = [1, 2], Seed = 9 };
        var clean = SimHost.Create(options);
        var faulty = SimHost.Create(new ModbusSimulatorOptions
        {
            Units = options.Units,
            Seed = options.Seed,
            Faults = [ModbusFaultSpec.Parse("overcurrent:1@10+20:8")],
        });
        var labelled = ModbusFaultLabel.AffectedRegisters(ModbusFaultKind.Overcurrent)
            .Where(r => r.Table == "input")
            .SelectMany(r => Enumerable.Range(r.Address, r.Count))
            .ToHashSet();
        labelled.Add(PumpRegisterMap.Status);   // status bits follow the value (overcurrent, alarm)
        var start = SimHost.Epoch.ToUnixTimeMilliseconds() + 10_000;
        var end = start + 20_000;
        var insideSeen = 0;

        for (var step = 0; step < 400; step++)
        {
            clean.Advance(TimeSpan.FromMilliseconds(100));
            faulty.Advance(TimeSpan.FromMilliseconds(100));
            var now = faulty.Clock.GetUtcNow().ToUnixTimeMilliseconds();
            var a = Inputs(clean.Unit(1));
            var b = Inputs(faulty.Unit(1));
            Assert.Equal(Inputs(clean.Unit(2)), Inputs(faulty.Unit(2)));
            if (now < start || now >= end)
            {
                // Energy integrates the current the model drew, not the faulty reading: identical outside too,
                // except that the alarm the overcurrent raised stays latched (status bit 1) until a reset.
                var latched = now >= end ? 1 << PumpRegisterMap.AlarmInput : 0;
                Assert.Equal(a[PumpRegisterMap.Status] | latched, b[PumpRegisterMap.Status]);
                a[PumpRegisterMap.Status] = b[PumpRegisterMap.Status] = 0;
                Assert.Equal(a, b);
                continue;
            }
            insideSeen++;
            for (var i = 0; i < a.Length; i++)
            {
                if (!labelled.Contains(i))
                {
                    Assert.True(a[i] == b[i], $"register {i} changed at {now - start} ms into the fault");
                }
            }
            Assert.Equal(Float(clean.Unit(1), PumpRegisterMap.Current) + 8, Float(faulty.Unit(1), PumpRegisterMap.Current), 0.001);
            Assert.True(faulty.Unit(1).ReadDiscreteInput(PumpRegisterMap.OvercurrentInput));
        }

        Assert.Equal(200, insideSeen);
        using var label = JsonDocument.Parse(faulty.Labels.ToString());
        var root = label.RootElement;
        Assert.Equal(1, root.GetProperty("unit").GetInt32());
        Assert.Equal("overcurrent", root.GetProperty("fault").GetString());
        Assert.Equal("process", root.GetProperty("layer").GetString());
        Assert.Equal(start, root.GetProperty("start_ms").GetInt64());
        Assert.Equal(end, root.GetProperty("end_ms").GetInt64());
        Assert.Equal(8, root.GetProperty("magnitude").GetDouble());
        Assert.Equal(["current.a"], root.GetProperty("tags").EnumerateArray().Select(t => t.GetString()));
        Assert.Contains(root.GetProperty("registers").EnumerateArray(), r => r.GetProperty("table").GetString() == "input" && r.GetProperty("address").GetInt32() == 0 && r.GetProperty("count").GetInt32() == 2);
        Assert.Contains(root.GetProperty("registers").EnumerateArray(), r => r.GetProperty("table").GetString() == "holding" && r.GetProperty("address").GetInt32() == 1000);
        Assert.Equal("", clean.Labels.ToString());
    }

    [Fact]
    public void Alarm_LatchesOnOvercurrent_ClearsOnResetOnceTheConditionIsGone()
    {
        var host = SimHost.Create(new ModbusSimulatorOptions { Freeze = true, Faults = [ModbusFaultSpec.Parse("overcurrent:1@1+2:15")] });
        var unit = host.Unit(1);
        var response = new byte[ModbusFunction.MaxPduLength];
        byte[] reset = [0x05, 0x00, PumpRegisterMap.AlarmResetCoil, 0xFF, 0x00];

        host.Advance(TimeSpan.FromSeconds(1.5));
        Assert.Equal(25.25f, Float(unit, PumpRegisterMap.Current));
        Assert.True(unit.ReadDiscreteInput(PumpRegisterMap.OvercurrentInput));
        ModbusRequestHandler.Handle(reset, unit, response);
        host.Advance(TimeSpan.FromSeconds(0.2));
        Assert.True(unit.ReadDiscreteInput(PumpRegisterMap.AlarmInput));   // condition still holds: latched again

        host.Advance(TimeSpan.FromSeconds(2));
        Assert.Equal(10.25f, Float(unit, PumpRegisterMap.Current));
        Assert.False(unit.ReadDiscreteInput(PumpRegisterMap.OvercurrentInput));
        Assert.True(unit.ReadDiscreteInput(PumpRegisterMap.AlarmInput));
        ModbusRequestHandler.Handle(reset, unit, response);
        host.Advance(TimeSpan.FromSeconds(0.2));
        Assert.False(unit.ReadDiscreteInput(PumpRegisterMap.AlarmInput));
        Assert.False(unit.ReadCoil(PumpRegisterMap.AlarmResetCoil));
    }

    [Fact]
    public void Overheat_RampsLinearly_PressureDrop_Steps_Frozen()
    {
        var host = SimHost.Create(new ModbusSimulatorOptions
        {
            Freeze = true,
            Faults = [ModbusFaultSpec.Parse("overheat:1@0+100:40"), ModbusFaultSpec.Parse("pressure-drop:1@50+10:1.5")],
        });
        var unit = host.Unit(1);

        host.Advance(TimeSpan.FromSeconds(25));
        Assert.Equal(55.5f, Float(unit, PumpRegisterMap.Temperature));
        host.Advance(TimeSpan.FromSeconds(30));
        Assert.Equal(67.5f, Float(unit, PumpRegisterMap.Temperature));
        Assert.Equal(1.75f, Float(unit, PumpRegisterMap.Pressure));
        Assert.True(unit.ReadDiscreteInput(PumpRegisterMap.LowPressureInput));
        Assert.Equal(-225, (short)unit.ReadInput(PumpRegisterMap.PressureDeviationX100));
        host.Advance(TimeSpan.FromSeconds(40));
        Assert.True(unit.ReadDiscreteInput(PumpRegisterMap.OvertemperatureInput));   // 83.5 > 80
        host.Advance(TimeSpan.FromSeconds(10));
        Assert.Equal(45.5f, Float(unit, PumpRegisterMap.Temperature));
        Assert.Equal(2, host.Labels.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
    }

    [Fact]
    public void Stuck_FreezesEveryMeasurement_ThenTheyMoveAgain()
    {
        var host = SimHost.Create(new ModbusSimulatorOptions { Seed = 11, Faults = [ModbusFaultSpec.Parse("stuck:1@5+10")] });
        var unit = host.Unit(1);
        host.Advance(TimeSpan.FromSeconds(5));
        var atStart = Inputs(unit);

        host.Advance(TimeSpan.FromSeconds(9.9));
        Assert.Equal(atStart, Inputs(unit));

        host.Advance(TimeSpan.FromSeconds(0.2));
        Assert.NotEqual(atStart, Inputs(unit));
        Assert.Contains("\"fault\":\"stuck\",\"layer\":\"values\"", host.Labels.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void TransportFaults_AreInForceOnlyInTheirWindow_AndAllUnitsExpands()
    {
        var host = SimHost.Create(new ModbusSimulatorOptions
        {
            Units = [1, 2],
            Freeze = true,
            Faults = [ModbusFaultSpec.Parse("exception:*@1+1:6"), ModbusFaultSpec.Parse("delay:2@3+1:1500"), ModbusFaultSpec.Parse("drop:1@3+1")],
        });
        var dropEvents = new List<(byte, bool)>();
        host.Simulator.DropChanged += (unit, dropped) => dropEvents.Add((unit.UnitId, dropped));
        Assert.True(host.Unit(1).Transport.IsNone);

        host.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(ModbusExceptionCode.ServerDeviceBusy, host.Unit(1).Transport.Exception);
        Assert.Equal(ModbusExceptionCode.ServerDeviceBusy, host.Unit(2).Transport.Exception);
        host.Advance(TimeSpan.FromSeconds(2));
        Assert.Equal(ModbusExceptionCode.None, host.Unit(1).Transport.Exception);
        Assert.True(host.Unit(1).Transport.Drop);
        Assert.Equal(1500, host.Unit(2).Transport.DelayMs);
        host.Advance(TimeSpan.FromSeconds(1));
        Assert.True(host.Unit(1).Transport.IsNone);
        Assert.True(host.Unit(2).Transport.IsNone);

        Assert.Equal([((byte)1, true), ((byte)1, false)], dropEvents);
        var labels = host.Labels.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(4, labels.Length);
        Assert.All(labels, l => Assert.Contains("\"layer\":\"transport\"", l, StringComparison.Ordinal));
    }

    [Fact]
    public void Finish_LabelsAFaultStillInForce_CutAtTheStop()
    {
        var host = SimHost.Create(new ModbusSimulatorOptions { Freeze = true, Faults = [ModbusFaultSpec.Parse("overcurrent:1@2+100"), ModbusFaultSpec.Parse("drop:1@50+1")] });
        host.Advance(TimeSpan.FromSeconds(5));

        host.Simulator.Finish(host.Clock.GetUtcNow().ToUnixTimeMilliseconds());

        using var label = JsonDocument.Parse(host.Labels.ToString());
        Assert.Equal(SimHost.Epoch.ToUnixTimeMilliseconds() + 5000, label.RootElement.GetProperty("end_ms").GetInt64());
    }

    [Fact]
    public void Options_FaultOnUnitNotSimulated_IsRejected()
    {
        var ex = Assert.Throws<ArgumentException>(() => SimHost.Create(new ModbusSimulatorOptions { Units = [1, 2], Faults = [ModbusFaultSpec.Parse("drop:3@0+1")] }));

        Assert.Contains("unit 3 is not simulated", ex.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => SimHost.Create(new ModbusSimulatorOptions { Units = [1, 1] }));
    }

    [Fact]
    public void RegisterMap_PointsDoNotOverlap_AndCoverTheInputTable()
    {
        var used = new Dictionary<(ModbusTable, int), string>();
        foreach (var point in PumpRegisterMap.Points.Where(p => p.Type != PointType.BitInRegister))
        {
            for (var i = 0; i < point.Count; i++)
            {
                Assert.True(used.TryAdd((point.Table, point.Address + i), point.Name), $"{point.Name} overlaps {used.GetValueOrDefault((point.Table, point.Address + i))}");
            }
        }
        Assert.All(Enumerable.Range(0, PumpRegisterMap.InputCount), a => Assert.True(used.ContainsKey((ModbusTable.InputRegisters, a)), $"input {a} undocumented"));
        Assert.All(Enumerable.Range(0, PumpRegisterMap.HoldingCount), a => Assert.True(used.ContainsKey((ModbusTable.HoldingRegisters, a)), $"holding {a} undocumented"));
        Assert.Equal(PumpRegisterMap.Points.Count, PumpRegisterMap.Points.Select(p => p.Name).Distinct().Count());
        foreach (var type in Enum.GetValues<PointType>())
        {
            Assert.Contains(PumpRegisterMap.Points, p => p.Type == type);
        }
    }
}
