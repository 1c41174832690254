using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using EdgeAnomaly.FirmwareSim.Cli;
using EdgeAnomaly.FirmwareSim.Modbus;
using EdgeAnomaly.TestSupport;

namespace EdgeAnomaly.FirmwareSim.Tests.Modbus;

public class ModbusCommandTests
{
    private static async Task<(int Exit, string Out, string Err)> InvokeAsync(params string[] args)
    {
        var root = new RootCommand { ModbusCommand.Create() };
        using var output = new StringWriter();
        using var error = new StringWriter();
        var exit = await root.Parse(args).InvokeAsync(new InvocationConfiguration { Output = output, Error = error });
        return (exit, output.ToString(), error.ToString());
    }

    [Theory]
    [InlineData(new[] { "--units", "1" }, "nothing to serve")]
    [InlineData(new[] { "--tcp", "127.0.0.1" }, "is not HOST:PORT")]
    [InlineData(new[] { "--tcp", "127.0.0.1:0", "--units", "0" }, "not a unit id")]
    [InlineData(new[] { "--tcp", "127.0.0.1:0", "--fault", "melt:1@0+1" }, "unknown kind 'melt'")]
    [InlineData(new[] { "--tcp", "127.0.0.1:0", "--units", "1,2", "--fault", "drop:3@0+1" }, "unit 3 is not simulated")]
    [InlineData(new[] { "--rtu", "/nonexistent/tty", "--units", "1" }, "does not exist")]
    [InlineData(new[] { "--rtu", "/dev/null", "--parity", "X" }, "parity")]
    [InlineData(new[] { "--tcp", "127.0.0.1:0", "--unknown-unit", "shout" }, "unknown-unit")]
    public async Task InvalidOptions_ExitWithTwoAndNameTheProblem(string[] args, string expected)
    {
        var (exit, _, error) = await InvokeAsync(["modbus", .. args]);

        Assert.Equal(2, exit);
        Assert.Contains(expected, error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Map_Json_ListsEveryPointWithAddressesAndTypes()
    {
        var (exit, output, _) = await InvokeAsync("modbus", "map", "--json");

        Assert.Equal(0, exit);
        using var doc = JsonDocument.Parse(output);
        var points = doc.RootElement.GetProperty("points").EnumerateArray().ToList();
        Assert.Equal(PumpRegisterMap.Points.Count, points.Count);
        var current = points.Single(p => p.GetProperty("name").GetString() == "current.a.dcba");
        Assert.Equal("input", current.GetProperty("table").GetString());
        Assert.Equal(PumpRegisterMap.CurrentDcba, current.GetProperty("address").GetInt32());
        Assert.Equal("float32", current.GetProperty("type").GetString());
        Assert.Equal("DCBA", current.GetProperty("byte_order").GetString());
    }

    [Fact]
    public async Task Map_Markdown_GivesZeroAndOneBasedReferences()
    {
        var (exit, output, _) = await InvokeAsync("modbus", "map");

        Assert.Equal(0, exit);
        Assert.Contains("| input | 0 | 1 | 30001 | 2 | `current.a` | float32 | ABCD |", output, StringComparison.Ordinal);
        Assert.Contains("| holding | 0 | 1 | 40001 | 1 | `speed_setpoint.rpm` | uint16 |", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Docs_RegisterMapTable_IsWhatMapPrints()
    {
        var (_, table, _) = await InvokeAsync("modbus", "map");
        var docs = await File.ReadAllTextAsync(Path.Combine(RepositoryRoot(), "docs", "modbus-sim.md"));

        Assert.Contains(table.ReplaceLineEndings("\n"), docs.ReplaceLineEndings("\n"), StringComparison.Ordinal);
    }

    private static string RepositoryRoot([System.Runtime.CompilerServices.CallerFilePath] string sourceFile = "") =>
        Path.GetFullPath(Path.Combine(Path.GetDirectoryName(sourceFile)!, "..", "..", ".."));

    [Fact]
    public async Task Process_ServesTcpAndRtu_PrintsReadyLine_WritesLabels_StopsOnSigterm()
    {
        await using var pty = await SocatPty.StartAsync();
        using var dir = new TempDirectory();
        var labels = dir.File("labels.jsonl");
        var dll = Path.Combine(AppContext.BaseDirectory, "edgeanomaly-sim.dll");
        var psi = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet",
            [dll, "modbus", "--tcp", "127.0.0.1:0", "--tcp-per-unit", "127.0.0.1:0", "--rtu", pty.DeviceEnd, "--units", "1-3", "--freeze",
             "--fault", "overcurrent:2@0+0.5:8", "--labels", labels])
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = Process.Start(psi)!;
        var stderr = process.StandardError.ReadToEndAsync();
        try
        {
            var ready = await process.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(60));
            Assert.NotNull(ready);
            Assert.StartsWith("listening tcp=127.0.0.1:", ready, StringComparison.Ordinal);
            Assert.EndsWith($" rtu={pty.DeviceEnd} units=1,2,3", ready, StringComparison.Ordinal);
            var endpoints = ready.Split(' ')[1]["tcp=".Length..].Split(',');
            Assert.Equal(4, endpoints.Length);   // the shared listener and one per unit
            var shared = int.Parse(endpoints[0].Split(':')[1], CultureInfo.InvariantCulture);
            var unit3 = endpoints.Single(e => e.EndsWith("/3", StringComparison.Ordinal));
            var unit3Port = int.Parse(unit3[(unit3.IndexOf(':', StringComparison.Ordinal) + 1)..unit3.IndexOf('/', StringComparison.Ordinal)], CultureInfo.InvariantCulture);

            var overTcp = await Mbpoll.TcpAsync(shared, ["-a", "1", "-t", "3:float", "-B", "-r", "1", "-c", "1"]);
            var perUnit = await Mbpoll.TcpAsync(unit3Port, ["-a", "3", "-t", "3:float", "-B", "-r", "1", "-c", "1"]);
            var overRtu = await Mbpoll.RtuAsync(pty.HostEnd, ["-a", "2", "-t", "3:float", "-B", "-r", "1", "-c", "1"]);
            Assert.Equal(10.25, overTcp.Number(1));
            Assert.Equal(10.75, perUnit.Number(1));
            Assert.True(overRtu.ExitCode == 0, overRtu.ToString());
            await Eventually.True(() => File.Exists(labels) && File.ReadAllText(labels).Contains("\"fault\":\"overcurrent\"", StringComparison.Ordinal),
                TimeSpan.FromSeconds(30), "the overcurrent label is written when the fault ends");

            using (var term = Process.Start("kill", ["-TERM", process.Id.ToString(CultureInfo.InvariantCulture)]))
            {
                await term!.WaitForExitAsync();
            }
            var rest = await process.StandardOutput.ReadToEndAsync().WaitAsync(TimeSpan.FromSeconds(30));
            await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));

            Assert.True(process.ExitCode == 0, $"exit {process.ExitCode}: {await stderr}");
            using var counters = JsonDocument.Parse(rest.Trim());
            Assert.Equal(3, counters.RootElement.GetProperty("responses").GetInt64());
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill();
                await process.WaitForExitAsync();
            }
        }
    }
}
