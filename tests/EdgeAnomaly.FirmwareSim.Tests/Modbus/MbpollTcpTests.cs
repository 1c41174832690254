using EdgeAnomaly.FirmwareSim.Modbus;

namespace EdgeAnomaly.FirmwareSim.Tests.Modbus;

/// <summary>Our slave against a real master: Debian mbpoll (libmodbus) over Modbus TCP, values compared to the register map.</summary>
public class MbpollTcpTests
{
    [Fact]
    public async Task Float32_BigEndian_And_WordSwapped_MatchTheMap()
    {
        await using var host = SimHost.Frozen(1, 2);
        host.StartTcp();

        // mbpoll -B: big-endian word order (ABCD); without -B it reads 32-bit values word-swapped (CDAB).
        var abcd = await Mbpoll.TcpAsync(host.Port, ["-a", "2", "-t", "3:float", "-B", "-r", "1", "-c", "5"]);
        var cdab = await Mbpoll.TcpAsync(host.Port, ["-a", "2", "-t", "3:float", "-r", (PumpRegisterMap.CurrentCdab + 1).ToString(System.Globalization.CultureInfo.InvariantCulture), "-c", "1"]);
        var mirror = await Mbpoll.TcpAsync(host.Port, ["-a", "2", "-t", "4:float", "-B", "-r", "1001", "-c", "5"]);

        Assert.True(abcd.ExitCode == 0, abcd.ToString());
        Assert.Equal([10.5, 3.25, 45.5, 2.75, 38.5], new[] { 1, 3, 5, 7, 9 }.Select(abcd.Number));
        Assert.Equal(10.5, cdab.Number(PumpRegisterMap.CurrentCdab + 1));
        Assert.Equal([10.5, 3.25, 45.5, 2.75, 38.5], new[] { 1001, 1003, 1005, 1007, 1009 }.Select(mirror.Number));
    }

    [Fact]
    public async Task Int32_And_16BitRegisters_MatchTheMap()
    {
        await using var host = SimHost.Frozen(1);
        host.StartTcp();

        var int32 = await Mbpoll.TcpAsync(host.Port, ["-t", "3:int", "-B", "-r", "13", "-c", "1"]);
        var signed = await Mbpoll.TcpAsync(host.Port, ["-t", "3:int", "-B", "-r", "27", "-c", "2"]);
        var swapped = await Mbpoll.TcpAsync(host.Port, ["-t", "3:int", "-r", "47", "-c", "1"]);
        var words = await Mbpoll.TcpAsync(host.Port, ["-t", "3", "-r", "11", "-c", "2"]);
        var scaled = await Mbpoll.TcpAsync(host.Port, ["-t", "3", "-r", "31", "-c", "4"]);

        Assert.Equal(0x0123_4567, int32.Number(13));                       // run_time.s, uint32 ABCD
        Assert.Equal(45_500, signed.Number(27));                           // temperature.mc
        Assert.Equal(-750, signed.Number(29));                             // pressure_dev.mbar, negative int32
        Assert.Equal(-750, swapped.Number(47));                            // the same, CDAB
        Assert.Equal(1450, words.Number(11));                              // speed.rpm
        Assert.Equal(0x80A1, words.Number(12));                            // status word
        Assert.Equal([455, 65461, 1025, 385], new[] { 31, 32, 33, 34 }.Select(scaled.Number));   // x10, -75 as uint16, x100, x10
    }

    [Fact]
    public async Task WholeInputTable_EveryTypeAndByteOrder_DecodesToTheFrozenValues()
    {
        await using var host = SimHost.Frozen(1);
        host.StartTcp();

        var raw = await Mbpoll.TcpAsync(host.Port, ["-t", "3", "-r", "1", "-c", PumpRegisterMap.InputCount.ToString(System.Globalization.CultureInfo.InvariantCulture)]);

        Assert.True(raw.ExitCode == 0, raw.ToString());
        var registers = Enumerable.Range(1, PumpRegisterMap.InputCount).Select(r => (ushort)raw.Number(r)).ToArray();
        var expected = PumpReadings.Frozen(1);
        foreach (var point in PumpRegisterMap.Points.Where(p => p.Table == ModbusTable.InputRegisters))
        {
            var span = registers.AsSpan(point.Address, point.Count);
            switch (point.Tag)
            {
                case "current.a" when point.Type == PointType.Float32:
                    Assert.Equal((float)expected.CurrentA, RegisterEncoding.ReadFloat32(span, point.Order));
                    break;
                case "run_time.s":
                    Assert.Equal(expected.RunTimeSeconds, RegisterEncoding.ReadUInt32(span, point.Order));
                    break;
                case "energy.j":
                    Assert.Equal(expected.EnergyJ, RegisterEncoding.ReadUInt64(span, point.Order));
                    break;
                case "volume.m3":
                    Assert.Equal(expected.VolumeM3, RegisterEncoding.ReadFloat64(span, point.Order));
                    break;
                case "volume_balance.l":
                    Assert.Equal(1_234_567_125L - PumpRegisterMap.DefaultVolumeTargetLitres, RegisterEncoding.ReadInt64(span, point.Order));
                    break;
                case "pressure_dev.bar" when point.Type == PointType.Int32:
                    Assert.Equal(-750, RegisterEncoding.ReadInt32(span, point.Order));
                    break;
                case "model":
                    Assert.Equal(PumpRegisterMap.ModelNameText, RegisterEncoding.ReadString(span));
                    break;
                case "running":
                    Assert.Equal(1, (registers[point.Address] >> point.Bit) & 1);
                    break;
                case "simulated":
                    Assert.Equal(1, (registers[point.Address] >> point.Bit) & 1);
                    break;
            }
        }
    }

    [Fact]
    public async Task CoilsAndDiscreteInputs_MatchTheMap()
    {
        await using var host = SimHost.Frozen(1);
        host.StartTcp();

        var coils = await Mbpoll.TcpAsync(host.Port, ["-t", "0", "-r", "1", "-c", "8"]);
        var inputs = await Mbpoll.TcpAsync(host.Port, ["-t", "1", "-r", "1", "-c", "8"]);

        Assert.Equal([1, 0, 1, 0, 0, 0, 0, 0], Enumerable.Range(1, 8).Select(coils.Number));
        Assert.Equal([1, 0, 0, 0, 0, 1, 0, 1], Enumerable.Range(1, 8).Select(inputs.Number));
    }

    [Fact]
    public async Task Writes_FromMbpoll_AreSeenByTheSlave_AndInfluenceTheModel()
    {
        await using var host = SimHost.Frozen(1);
        host.StartTcp();
        var unit = host.Unit(1);

        var speed = await Mbpoll.TcpAsync(host.Port, ["-t", "4", "-r", "1"], "1200");
        var pressure = await Mbpoll.TcpAsync(host.Port, ["-t", "4", "-r", "2"], "300");
        var lowLimit = await Mbpoll.TcpAsync(host.Port, ["-t", "4:float", "-B", "-r", "5"], "3.5");
        var coil = await Mbpoll.TcpAsync(host.Port, ["-t", "0", "-r", "4"], "1");
        host.Advance(TimeSpan.FromMilliseconds(100));

        Assert.True(speed.ExitCode == 0, speed.ToString());
        Assert.True(pressure.ExitCode == 0 && lowLimit.ExitCode == 0 && coil.ExitCode == 0, pressure + "\n" + lowLimit + "\n" + coil);
        Assert.Equal(1200, unit.SpeedSetpointRpm);
        Assert.True(unit.ReadCoil(PumpRegisterMap.FirstUserFlagCoil));
        Assert.Equal(250, RegisterEncoding.ReadInt32([unit.ReadInput(PumpRegisterMap.PressureDeviationMbar), unit.ReadInput(PumpRegisterMap.PressureDeviationMbar + 1)], RegisterByteOrder.ABCD));
        Assert.True(unit.ReadDiscreteInput(PumpRegisterMap.LowPressureInput));   // 3.25 bar < 3.5 bar
        var readBack = await Mbpoll.TcpAsync(host.Port, ["-t", "4:float", "-B", "-r", "5", "-c", "1"]);
        Assert.Equal(3.5, readBack.Number(5));
    }

    [Fact]
    public async Task ProtocolErrors_SurfaceInMbpoll()
    {
        await using var host = SimHost.Frozen(1);
        host.StartTcp();

        var unmapped = await Mbpoll.TcpAsync(host.Port, ["-t", "3", "-r", "200", "-c", "1"]);
        var readOnly = await Mbpoll.TcpAsync(host.Port, ["-t", "4", "-r", "1001"], "5");
        var outOfRange = await Mbpoll.TcpAsync(host.Port, ["-t", "4", "-r", "1"], "4000");

        Assert.NotEqual(0, unmapped.ExitCode);
        Assert.Contains("Illegal data address", unmapped.Error, StringComparison.Ordinal);
        Assert.Contains("Illegal data address", readOnly.Error, StringComparison.Ordinal);
        Assert.Contains("Illegal data value", outOfRange.Error, StringComparison.Ordinal);
        Assert.Equal(PumpRegisterMap.DefaultSpeedSetpointRpm, host.Unit(1).SpeedSetpointRpm);
    }

    [Fact]
    public async Task InjectedException_And_Delay_SurfaceInMbpoll_ThenTheUnitRecovers()
    {
        await using var host = SimHost.Create(new ModbusSimulatorOptions
        {
            Units = [1, 2],
            Freeze = true,
            Faults = [ModbusFaultSpec.Parse("exception:1@10+10:6"), ModbusFaultSpec.Parse("delay:1@20+10:3000")],
        });
        host.StartTcp();
        string[] read = ["-a", "1", "-t", "3:float", "-B", "-r", "1", "-c", "1", "-o", "1"];

        host.Advance(TimeSpan.FromSeconds(10));
        var busy = await Mbpoll.TcpAsync(host.Port, read);
        var other = await Mbpoll.TcpAsync(host.Port, ["-a", "2", "-t", "3:float", "-B", "-r", "1", "-c", "1"]);
        host.Advance(TimeSpan.FromSeconds(10));
        var late = await Mbpoll.TcpAsync(host.Port, read);
        host.Advance(TimeSpan.FromSeconds(10));
        var recovered = await Mbpoll.TcpAsync(host.Port, read[..^2]); // without "-o 1": must succeed

        Assert.Contains("busy", busy.Error, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(10.5, other.Number(1));
        Assert.Contains("timed out", late.Error, StringComparison.Ordinal);
        Assert.True(recovered.ExitCode == 0, recovered.ToString());
        Assert.Equal(10.25, recovered.Number(1));
    }
}
