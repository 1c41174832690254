using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using EdgeAnomaly.FirmwareSim.Cli;
using EdgeAnomaly.TestSupport;

namespace EdgeAnomaly.FirmwareSim.Tests.Cli;

public class Esp32CommandTests
{
    private static async Task<(int Exit, string Out, string Err)> InvokeAsync(params string[] args)
    {
        var root = new RootCommand { Esp32Command.Create() };
        using var output = new StringWriter();
        using var error = new StringWriter();
        var exit = await root.Parse(args).InvokeAsync(new InvocationConfiguration { Output = output, Error = error });
        return (exit, output.ToString(), error.ToString());
    }

    [Fact]
    public async Task Assets_NodesAndAssetsPerNode_PrintsTheFleetAsJson()
    {
        var (exit, output, _) = await InvokeAsync("esp32", "assets", "--nodes", "2", "--assets-per-node", "2");

        Assert.Equal(0, exit);
        using var doc = JsonDocument.Parse(output);
        var assets = doc.RootElement.GetProperty("assets").EnumerateArray().Select(a => a.GetProperty("name").GetString()).ToList();
        Assert.Equal(["pump-01", "motor-01", "compressor-01", "pump-02"], assets);
    }

    [Theory]
    [InlineData("--batch", "0", "batch size")]
    [InlineData("--qos", "2", "qos must be 0 or 1")]
    [InlineData("--faults", "/nonexistent/faults.json", "faults.json")]
    public async Task Run_InvalidOption_ExitsWithTwoAndNamesTheProblem(string option, string value, string expected)
    {
        var (exit, _, error) = await InvokeAsync("esp32", "--port", "1", option, value);

        Assert.Equal(2, exit);
        Assert.Contains(expected, error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_AgainstMosquittoWithRandomFaults_PublishesAndWritesLabels()
    {
        await using var broker = await MosquittoBroker.StartAsync();
        using var dir = new TempDirectory();
        var labels = dir.File("labels.jsonl");

        var (exit, output, error) = await InvokeAsync("esp32", "--port", broker.Port.ToString(CultureInfo.InvariantCulture),
            "--nodes", "2", "--duration", "1", "--speed", "3600", "--faults", "random", "--fault-rate-per-hour", "20",
            "--labels", labels, "--bad-input-share", "0.05");

        Assert.True(exit == 0, error);
        Assert.Contains("readings=", output, StringComparison.Ordinal);
        var lines = File.ReadAllLines(labels);
        Assert.True(lines.Length >= 5, $"{lines.Length} labels");
        Assert.All(lines, l => Assert.StartsWith("{\"asset\":", l, StringComparison.Ordinal));
    }
}
