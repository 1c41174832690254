using EdgeAnomaly.TestSupport;

namespace EdgeAnomaly.Gateway.Tests.Modbus;

/// <summary>The commissioning CLI over Modbus RTU: the firmware-sim slave on one end of a socat pty pair, two units on the line.</summary>
public sealed class ModbusRtuCommandsTests : IAsyncLifetime
{
    private SocatPty _pty = null!;
    private SimSlave _sim = null!;

    public async Task InitializeAsync()
    {
        _pty = await SocatPty.StartAsync();
        _sim = await SimSlave.StartAsync([2, 3], tcp: false, rtuDevice: _pty.DeviceEnd, freeze: true);
    }

    public async Task DisposeAsync()
    {
        await _sim.DisposeAsync();
        await _pty.DisposeAsync();
    }

    [Fact]
    public async Task Read_TwoUnitsOnOneLine_EachAnswersWithItsOwnValue()
    {
        foreach (var (unit, current) in new[] { ("2", "10.5"), ("3", "10.75") })
        {
            var (exit, output, error) = await ModbusCommandsTests.RunAsync("read", "--rtu", _pty.HostEnd, "--baud", "19200", "--parity", "N",
                "--unit", unit, "--address", "30001", "--count", "2", "--type", "float32");
            Assert.True(exit == 0, error);
            Assert.Contains($"float32 ABCD at 0: {current}", output, StringComparison.Ordinal);
            Assert.Contains("rtu ", output, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Read_AbsentUnit_Exit1Timeout()
    {
        var (exit, _, error) = await ModbusCommandsTests.RunAsync("read", "--rtu", _pty.HostEnd, "--parity", "N", "--unit", "7", "--address", "30001",
            "--timeout", "300");
        Assert.Equal(1, exit);
        Assert.Contains("timeout", error, StringComparison.Ordinal);
    }
}
