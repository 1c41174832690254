using System.CommandLine;
using System.Text.Json;
using EdgeAnomaly.Gateway.Cli;

namespace EdgeAnomaly.Gateway.Tests.Modbus;

/// <summary>`edgeanomaly modbus read | probe | write` in-process against the firmware-sim pump slave (frozen values).</summary>
public sealed class ModbusCommandsTests : IAsyncLifetime
{
    private SimSlave _sim = null!;

    public async Task InitializeAsync() => _sim = await SimSlave.StartAsync([1, 2], freeze: true);

    public async Task DisposeAsync() => await _sim.DisposeAsync();

    internal static async Task<(int Exit, string Out, string Err)> RunAsync(params string[] args)
    {
        var root = new RootCommand { ModbusCommands.Create() };
        var output = new StringWriter();
        var error = new StringWriter();
        var exit = await root.Parse(["modbus", .. args]).InvokeAsync(new InvocationConfiguration { Output = output, Error = error });
        return (exit, output.ToString(), error.ToString());
    }

    [Fact]
    public async Task Read_Float32_PrintsRegistersInHexAndDecimal_AndTheDecodedValue()
    {
        // Frozen unit 2: current 10.5 A = float32 0x41280000 at input register 0.
        var (exit, output, error) = await RunAsync("read", "--tcp", _sim.TcpEndpoint, "--unit", "2", "--table", "input", "--address", "0",
            "--count", "2", "--type", "float32");
        Assert.True(exit == 0, error);
        Assert.Contains("0x4128", output, StringComparison.Ordinal);
        Assert.Contains("16680", output, StringComparison.Ordinal);
        Assert.Contains("float32 ABCD at 0: 10.5", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Read_ModiconAddressAndJson_GivesTheValuesAsJson()
    {
        var (exit, output, error) = await RunAsync("read", "--tcp", _sim.TcpEndpoint, "--unit", "1", "--address", "30035", "--count", "2",
            "--type", "float32", "--order", "CDAB", "--json");
        Assert.True(exit == 0, error);
        var json = JsonDocument.Parse(output).RootElement;
        Assert.Equal("input", json.GetProperty("table").GetString());
        Assert.Equal(34, json.GetProperty("address").GetInt32());
        Assert.Equal(10.25, json.GetProperty("values")[0].GetProperty("value").GetDouble());
        Assert.Equal(2, json.GetProperty("registers").GetArrayLength());
    }

    [Fact]
    public async Task Read_DiscreteInputs_PrintsBits()
    {
        var (exit, output, error) = await RunAsync("read", "--tcp", _sim.TcpEndpoint, "--table", "discrete", "--address", "0", "--count", "8", "--json");
        Assert.True(exit == 0, error);
        var bits = JsonDocument.Parse(output).RootElement.GetProperty("bits");
        Assert.Equal(1, bits[0].GetInt32()); // running
        Assert.Equal(1, bits[7].GetInt32()); // power ok
    }

    [Fact]
    public async Task Probe_WordSwappedFloat_ShowsTheValueUnderCdab()
    {
        // Input registers 34..35 hold the current word-swapped; 36..37 byte-swapped (see docs/modbus-sim.md).
        var (exit, output, error) = await RunAsync("probe", "--tcp", _sim.TcpEndpoint, "--unit", "2", "--table", "input", "--address", "34", "--count", "4");
        Assert.True(exit == 0, error);
        var lines = output.Split('\n');
        var at34 = Array.FindIndex(lines, l => l.StartsWith("starting at input 34:", StringComparison.Ordinal));
        Assert.True(at34 >= 0, output);
        var header = lines[at34 + 1];
        var float32 = lines.Skip(at34).First(l => l.TrimStart().StartsWith("float32", StringComparison.Ordinal));
        var cdabColumn = header.IndexOf("CDAB", StringComparison.Ordinal);
        Assert.StartsWith("10.5 ", float32[cdabColumn..], StringComparison.Ordinal);
        var at36 = Array.FindIndex(lines, l => l.StartsWith("starting at input 36:", StringComparison.Ordinal));
        var float32At36 = lines.Skip(at36).First(l => l.TrimStart().StartsWith("float32", StringComparison.Ordinal));
        Assert.StartsWith("10.5", float32At36[header.IndexOf("BADC", StringComparison.Ordinal)..], StringComparison.Ordinal);
        Assert.Contains("int64", output, StringComparison.Ordinal);
        Assert.Contains("float64", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Probe_Json_HasEveryTypeAndOrder()
    {
        var (exit, output, error) = await RunAsync("probe", "--tcp", _sim.TcpEndpoint, "--address", "30001", "--count", "4", "--json");
        Assert.True(exit == 0, error);
        var decodings = JsonDocument.Parse(output).RootElement.GetProperty("decodings");
        // at offset 0: 8 types x 4 orders; offset 1: 5 x 4; offset 2: 5 x 4; offset 3: 2 x 4
        Assert.Equal((8 + 5 + 5 + 2) * 4, decodings.GetArrayLength());
        Assert.Contains(decodings.EnumerateArray(), d => d.GetProperty("type").GetString() == "float32" && d.GetProperty("order").GetString() == "ABCD"
            && d.GetProperty("address").GetInt32() == 0 && d.GetProperty("value").GetDouble() == 10.25);
    }

    [Fact]
    public async Task Read_UnmappedAddress_Exit1WithTheExceptionCodeAndItsMeaning()
    {
        var (exit, _, error) = await RunAsync("read", "--tcp", _sim.TcpEndpoint, "--table", "holding", "--address", "500", "--count", "2");
        Assert.Equal(1, exit);
        Assert.Contains("exception 02 illegal data address", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Read_UnitThatNeverAnswers_Exit1Timeout()
    {
        var (exit, _, error) = await RunAsync("read", "--tcp", _sim.TcpEndpoint, "--unit", "9", "--address", "30001", "--timeout", "300");
        Assert.Equal(1, exit);
        Assert.Contains("timeout", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Read_NothingListening_Exit1LinkFailed()
    {
        using var probe = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        probe.Start();
        var port = ((System.Net.IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        var (exit, _, error) = await RunAsync("read", "--tcp", $"127.0.0.1:{port}", "--address", "30001");
        Assert.Equal(1, exit);
        Assert.StartsWith("modbus: ", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Write_WithoutYes_Exit2AndTheDeviceKeepsItsValue()
    {
        var (exit, _, error) = await RunAsync("write", "--tcp", _sim.TcpEndpoint, "--table", "holding", "--address", "0", "--value", "1200");
        Assert.Equal(2, exit);
        Assert.Contains("refusing to write without --yes", error, StringComparison.Ordinal);
        var (_, output, _) = await RunAsync("read", "--tcp", _sim.TcpEndpoint, "--table", "holding", "--address", "0", "--type", "uint16", "--json");
        Assert.Equal(1450, JsonDocument.Parse(output).RootElement.GetProperty("values")[0].GetProperty("value").GetInt32());
    }

    [Fact]
    public async Task Write_WithYes_WritesAndReadsBack()
    {
        var (exit, output, error) = await RunAsync("write", "--tcp", _sim.TcpEndpoint, "--unit", "2", "--table", "holding", "--address", "4",
            "--type", "float32", "--value", "2.5", "--yes");
        Assert.True(exit == 0, error);
        Assert.Contains("reads back 2.5", output, StringComparison.Ordinal);
        var (coilExit, coilOutput, coilError) = await RunAsync("write", "--tcp", _sim.TcpEndpoint, "--unit", "2", "--table", "coil", "--address", "3",
            "--value", "1", "--yes");
        Assert.True(coilExit == 0, coilError);
        Assert.Contains("reads back 1", coilOutput, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("read", "--address", "0")]                                                // no link
    [InlineData("read", "--tcp", "h:1", "--rtu", "/dev/null", "--address", "0")]          // two links
    [InlineData("read", "--tcp", "h:1", "--table", "holding", "--address", "0", "--count", "abc")]
    [InlineData("read", "--tcp", "h:1", "--table", "holding", "--address", "0", "--count", "126")]
    [InlineData("read", "--tcp", "h:1", "--table", "holdings", "--address", "0")]
    [InlineData("read", "--tcp", "h:1", "--table", "holding", "--address", "0", "--order", "ABDC")]
    [InlineData("read", "--tcp", "h:1", "--address", "20001")]
    [InlineData("write", "--tcp", "h:1", "--table", "input", "--address", "0", "--value", "1", "--yes")]
    [InlineData("probe", "--tcp", "h:1", "--table", "coil", "--address", "0")]
    public async Task Usage_Errors_Exit2WithoutTouchingTheLink(params string[] args)
    {
        var (exit, _, error) = await RunAsync(args);
        Assert.Equal(2, exit);
        Assert.StartsWith("modbus: ", error, StringComparison.Ordinal);
    }
}
