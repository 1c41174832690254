using System.Globalization;
using EdgeAnomaly.FirmwareSim.Modbus;
using EdgeAnomaly.TestSupport;

namespace EdgeAnomaly.FirmwareSim.Tests.Modbus;

/// <summary>
/// The RTU server on one end of a real socat pty pair; on the other end the real mbpoll (libmodbus) or a raw
/// master that sends exact bytes. Several units share the one line.
/// </summary>
public class ModbusRtuTests
{
    private static string Ref(int address) => (address + 1).ToString(CultureInfo.InvariantCulture);

    [Fact]
    public async Task Mbpoll_SeveralUnitsOnOneLine_ReadValuesOfTheMap()
    {
        await using var pty = await SocatPty.StartAsync();
        await using var host = SimHost.Frozen(1, 2, 3);
        var server = await host.StartRtuAsync(pty.DeviceEnd);

        foreach (var unit in new[] { "1", "2", "3" })
        {
            var floats = await Mbpoll.RtuAsync(pty.HostEnd, ["-a", unit, "-t", "3:float", "-B", "-r", "1", "-c", "5"]);
            Assert.True(floats.ExitCode == 0, floats.ToString());
            Assert.Equal([10 + int.Parse(unit, CultureInfo.InvariantCulture) * 0.25, 3.25, 45.5, 2.75, 38.5], new[] { 1, 3, 5, 7, 9 }.Select(floats.Number));
        }
        var runTime = await Mbpoll.RtuAsync(pty.HostEnd, ["-a", "2", "-t", "3:int", "-B", "-r", Ref(PumpRegisterMap.RunTime), "-c", "1"]);
        var swapped = await Mbpoll.RtuAsync(pty.HostEnd, ["-a", "2", "-t", "3:float", "-r", Ref(PumpRegisterMap.CurrentCdab), "-c", "1"]);
        var scaled = await Mbpoll.RtuAsync(pty.HostEnd, ["-a", "3", "-t", "3", "-r", Ref(PumpRegisterMap.TemperatureX10), "-c", "4"]);
        var coils = await Mbpoll.RtuAsync(pty.HostEnd, ["-a", "1", "-t", "0", "-r", "1", "-c", "8"]);
        var inputs = await Mbpoll.RtuAsync(pty.HostEnd, ["-a", "3", "-t", "1", "-r", "1", "-c", "8"]);

        Assert.Equal(0x0123_4567, runTime.Number(PumpRegisterMap.RunTime + 1));
        Assert.Equal(10.5, swapped.Number(PumpRegisterMap.CurrentCdab + 1));
        Assert.Equal([455, 65461, 1075, 385], Enumerable.Range(PumpRegisterMap.TemperatureX10 + 1, 4).Select(scaled.Number));
        Assert.Equal([1, 0, 1, 0, 0, 0, 0, 0], Enumerable.Range(1, 8).Select(coils.Number));
        Assert.Equal([1, 0, 0, 0, 0, 1, 0, 1], Enumerable.Range(1, 8).Select(inputs.Number));
        Assert.True(server.UsesSerialPort, "SerialPort opened the pty");
        Assert.Equal(0, host.Simulator.Counters.RtuDiscardedBytes);
    }

    [Fact]
    public async Task Mbpoll_WritesOverRtu_AreSeenByTheAddressedUnitOnly()
    {
        await using var pty = await SocatPty.StartAsync();
        await using var host = SimHost.Frozen(1, 2);
        await host.StartRtuAsync(pty.DeviceEnd);

        var write = await Mbpoll.RtuAsync(pty.HostEnd, ["-a", "2", "-t", "4", "-r", "1"], "900");
        var coil = await Mbpoll.RtuAsync(pty.HostEnd, ["-a", "2", "-t", "0", "-r", "1"], "0");
        var readBack = await Mbpoll.RtuAsync(pty.HostEnd, ["-a", "2", "-t", "4", "-r", "1", "-c", "2"]);

        Assert.True(write.ExitCode == 0 && coil.ExitCode == 0, write + "\n" + coil);
        Assert.Equal(900, host.Unit(2).SpeedSetpointRpm);
        Assert.False(host.Unit(2).RunCommand);
        Assert.Equal(PumpRegisterMap.DefaultSpeedSetpointRpm, host.Unit(1).SpeedSetpointRpm);
        Assert.True(host.Unit(1).RunCommand);
        Assert.Equal([900, 400], new[] { 1, 2 }.Select(readBack.Number));
    }

    [Fact]
    public async Task Mbpoll_Faults_BadCrcExceptionAndSilence_ThenTheUnitRecovers_OthersUnaffected()
    {
        await using var pty = await SocatPty.StartAsync();
        await using var host = SimHost.Create(new ModbusSimulatorOptions
        {
            Units = [1, 2],
            Freeze = true,
            Faults = [ModbusFaultSpec.Parse("bad-crc:1@10+10"), ModbusFaultSpec.Parse("exception:1@20+10:4"), ModbusFaultSpec.Parse("drop:1@30+10")],
        });
        await host.StartRtuAsync(pty.DeviceEnd);
        // Reads that must fail get a short timeout; those that must succeed keep Mbpoll's patient default.
        string[] one = ["-a", "1", "-t", "4", "-r", "1", "-c", "1", "-o", "1"];
        string[] onePatient = ["-a", "1", "-t", "4", "-r", "1", "-c", "1"];
        string[] two = ["-a", "2", "-t", "4", "-r", "1", "-c", "1"];

        host.Advance(TimeSpan.FromSeconds(10));
        var badCrc = await Mbpoll.RtuAsync(pty.HostEnd, one);
        var otherDuringBadCrc = await Mbpoll.RtuAsync(pty.HostEnd, two);
        host.Advance(TimeSpan.FromSeconds(10));
        var failure = await Mbpoll.RtuAsync(pty.HostEnd, one);
        host.Advance(TimeSpan.FromSeconds(10));
        var silent = await Mbpoll.RtuAsync(pty.HostEnd, one);
        var otherDuringDrop = await Mbpoll.RtuAsync(pty.HostEnd, two);
        host.Advance(TimeSpan.FromSeconds(10));
        var recovered = await Mbpoll.RtuAsync(pty.HostEnd, onePatient);

        Assert.Contains("CRC", badCrc.Error, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(1450, otherDuringBadCrc.Number(1));
        Assert.Contains("failure", failure.Error, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("timed out", silent.Error, StringComparison.Ordinal);
        Assert.Equal(1450, otherDuringDrop.Number(1));
        Assert.True(recovered.ExitCode == 0, recovered.ToString());
        Assert.Equal(1450, recovered.Number(1));
    }

    [Fact]
    public async Task DelayFault_OtherUnitsOnTheLineKeepTheirCadence_LateAnswerOnlyOnAQuietLine()
    {
        await using var pty = await SocatPty.StartAsync();
        await using var host = SimHost.Create(new ModbusSimulatorOptions { Units = [1, 2], Freeze = true, Faults = [ModbusFaultSpec.Parse("delay:1@1+60:3000")] });
        await host.StartRtuAsync(pty.DeviceEnd);
        using var master = new RawRtuMaster(pty.HostEnd);
        host.Advance(TimeSpan.FromSeconds(1));
        var readSpeed1 = RawRtuMaster.Frame(0x01, 0x03, 0x00, 0x00, 0x00, 0x01);
        var readSpeed2 = RawRtuMaster.Frame(0x02, 0x03, 0x00, 0x00, 0x00, 0x01);

        // The master gives unit 1 up and polls unit 2: unit 2 answers at once, unit 1's late answer is not sent.
        master.Send(readSpeed1);
        master.Send(readSpeed2);
        var fast = System.Diagnostics.Stopwatch.StartNew();
        Assert.Equal(RawRtuMaster.Frame(0x02, 0x03, 0x02, 0x05, 0xAA), master.Receive());
        Assert.True(fast.ElapsedMilliseconds < 2500, $"unit 2 answered after {fast.ElapsedMilliseconds} ms, not before unit 1's delay");

        // A patient master on a quiet line gets unit 1's answer late (and the first, suppressed one, never).
        var slow = System.Diagnostics.Stopwatch.StartNew();
        master.Send(readSpeed1);
        Assert.Equal(RawRtuMaster.Frame(0x01, 0x03, 0x02, 0x05, 0xAA), master.Receive());
        Assert.True(slow.ElapsedMilliseconds >= 2900, $"late answer after {slow.ElapsedMilliseconds} ms");
        master.Send(readSpeed2);
        Assert.Equal(RawRtuMaster.Frame(0x02, 0x03, 0x02, 0x05, 0xAA), master.Receive());
    }

    [Fact]
    public async Task Mbpoll_UnitNotOnTheLine_GetsNoAnswer()
    {
        await using var pty = await SocatPty.StartAsync();
        await using var host = SimHost.Frozen(1);
        await host.StartRtuAsync(pty.DeviceEnd);

        var result = await Mbpoll.RtuAsync(pty.HostEnd, ["-a", "9", "-t", "4", "-r", "1", "-o", "0.5"]);

        Assert.Contains("timed out", result.Error, StringComparison.Ordinal);
        await EdgeAnomaly.TestSupport.Eventually.True(() => host.Simulator.Counters.Ignored == 1, TimeSpan.FromSeconds(30), "the frame for unit 9 was read and ignored");
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task RawMaster_GarbageForeignUnitsAndBroadcasts_AreHandledLikeOnARealBus(bool preferSerialPort)
    {
        await using var pty = await SocatPty.StartAsync();
        await using var host = SimHost.Frozen(1, 2);
        var server = await host.StartRtuAsync(pty.DeviceEnd, preferSerialPort);
        using var master = new RawRtuMaster(pty.HostEnd);
        var readSpeed1 = RawRtuMaster.Frame(0x01, 0x04, 0x00, 0x0A, 0x00, 0x01);

        // Garbage glued before a request: the request is still found and answered.
        master.Send([0xFF, 0x00, 0x13, 0x37, .. readSpeed1]);
        Assert.Equal(RawRtuMaster.Frame(0x01, 0x04, 0x02, 0x05, 0xAA), master.Receive());

        // A request for unit 9 (another slave on the bus), then one for unit 2: only unit 2 answers.
        master.Send([.. RawRtuMaster.Frame(0x09, 0x03, 0x00, 0x00, 0x00, 0x01), .. RawRtuMaster.Frame(0x02, 0x03, 0x00, 0x00, 0x00, 0x01)]);
        Assert.Equal(RawRtuMaster.Frame(0x02, 0x03, 0x02, 0x05, 0xAA), master.Receive());

        // Broadcast write of the speed setpoint: executed on both units, no answer (the next answer is unit 1's read).
        master.Send([.. RawRtuMaster.Frame(0x00, 0x06, 0x00, 0x00, 0x03, 0xE8), .. RawRtuMaster.Frame(0x01, 0x03, 0x00, 0x00, 0x00, 0x01)]);
        Assert.Equal(RawRtuMaster.Frame(0x01, 0x03, 0x02, 0x03, 0xE8), master.Receive());
        Assert.Equal(1000, host.Unit(2).SpeedSetpointRpm);

        // A function this slave cannot size: framed by its CRC when the line goes quiet, answered "illegal function".
        master.Send(RawRtuMaster.Frame(0x02, 0x41, 0x01, 0x02, 0x03));
        Assert.Equal(RawRtuMaster.Frame(0x02, 0xC1, 0x01), master.Receive());

        // Report server id (mbpoll -u uses it).
        master.Send(RawRtuMaster.Frame(0x01, 0x11));
        var id = master.Receive();
        Assert.Equal([0x01, 0x11, (byte)(id.Length - 5), 0x01, 0xFF], id[..5]);

        Assert.Equal(preferSerialPort, server.UsesSerialPort);
        Assert.Equal(1, host.Simulator.Counters.Broadcasts);
        Assert.Equal(1, host.Simulator.Counters.Ignored);
        Assert.Equal(4, host.Simulator.Counters.RtuDiscardedBytes);
    }
}
