using System.CommandLine;
using EdgeAnomaly.Gateway.Cli;
using EdgeAnomaly.Gateway.Tests.Integration;
using EdgeAnomaly.TestSupport;

namespace EdgeAnomaly.Gateway.Tests.Configuration;

/// <summary>
/// `config check` and `run` apply the same rules as a reload: an unknown tag in the rules file or a bare number in
/// a duration is refused with a non-zero exit, naming the rule and tag or the key.
/// </summary>
public sealed class ConfigCheckTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private static async Task<(int Exit, string Out, string Err)> CheckAsync(string configPath)
    {
        var root = new RootCommand { ConfigCommands.Create() };
        var output = new StringWriter();
        var error = new StringWriter();
        var exit = await root.Parse(["config", "check", "--config", configPath]).InvokeAsync(new InvocationConfiguration { Output = output, Error = error });
        return (exit, output.ToString(), error.ToString());
    }

    private string WriteConfig(string when)
    {
        var path = GatewayFixtureConfig.Write(_dir.Path, 1883, 1884, ["a01"]);
        File.WriteAllText(Path.Combine(_dir.Path, "rules.yaml"), $"version: 1\nrules:\n  - id: x-high\n    select: {{ asset: \"*\" }}\n    when: \"{when}\"\n");
        return path;
    }

    [Fact]
    public async Task ConfigCheck_ValidRules_ExitsZeroWithInstanceCount()
    {
        var (exit, output, error) = await CheckAsync(WriteConfig("x > 5"));

        Assert.True(exit == 0, error);
        Assert.Contains("1 rule instances", output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("edgeanomaly.json")]
    [InlineData("modbus-pump.json")]
    public async Task ConfigCheck_ShippedConfigWithShippedRules_IsValid(string file)
    {
        var (exit, output, error) = await CheckAsync(Path.Combine(ConfigLoaderTests.FindRepoRoot(), "configs", file));

        Assert.True(exit == 0, error);
        Assert.Contains("config ok", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ConfigCheck_RuleReadingAnUnknownTag_ExitsNonZeroNamingRuleAndTag()
    {
        var (exit, _, error) = await CheckAsync(WriteConfig("xx > 5"));

        Assert.Equal(2, exit);
        Assert.Contains("config error: Rules:Path: rules.yaml:5:12: rule 'x-high' reads unknown tag 'xx'", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ConfigCheck_BareNumberDuration_ExitsNonZeroNamingTheKey()
    {
        var path = WriteConfig("x > 5");
        File.WriteAllText(path, File.ReadAllText(path).Replace("\"HealthInterval\": \"00:00:02\"", "\"HealthInterval\": 10", StringComparison.Ordinal));

        var (exit, _, error) = await CheckAsync(path);

        Assert.Equal(2, exit);
        Assert.Contains("config error: Central:HealthInterval is a bare number (10)", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_RuleReadingAnUnknownTag_RefusesToStartNamingRuleAndTag()
    {
        var result = await GatewayProcess.RunToExitAsync(TimeSpan.FromSeconds(30), "run", "--config", WriteConfig("xx > 5"));

        Assert.True(result is not null, "the gateway started with a rule reading an unknown tag; it must refuse to start");
        var (exit, stdout, stderr) = result.Value;
        Assert.Equal(2, exit);
        Assert.Contains("rule 'x-high' reads unknown tag 'xx'", stderr + stdout, StringComparison.Ordinal);
    }
}
