using EdgeAnomaly.Runtime.Configuration;
using EdgeAnomaly.TestSupport;

namespace EdgeAnomaly.Gateway.Tests.Configuration;

public sealed class ConfigLoaderTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private const string ValidAssets = """
        "Assets": [ { "Name": "pump-01", "Type": "pump", "Tags": [ { "Name": "current.a", "Unit": "A", "IntervalSeconds": 1 } ] } ]
        """;

    private string Write(string json)
    {
        var path = _dir.File("edgeanomaly.json");
        File.WriteAllText(path, json);
        return path;
    }

    [Fact]
    public void Load_ValidConfig_ResolvesPathsAndDefaults()
    {
        var config = ConfigLoader.Load(Write($$"""{ "Gateway": { "Id": "gw-7", "DataDir": "state" }, {{ValidAssets}} }"""));
        Assert.Equal(Path.Combine(_dir.Path, "state"), config.Gateway.DataDir);
        Assert.Equal(Path.Combine(_dir.Path, "state", "edgeanomaly.db"), config.Store.Path);
        Assert.Equal(Path.Combine(_dir.Path, "rules.yaml"), config.Rules.Path);
        Assert.Equal("gw-7", config.Central.GatewayId);
        var registry = ConfigLoader.BuildRegistry(config);
        Assert.Equal(1, registry.TagCount);
    }

    [Theory]
    [InlineData("""{ "Gateway": { "Id": "bad id!" }, ASSETS }""", "Gateway:Id")]
    [InlineData("""{ "Central": { "Port": "not-a-number" }, ASSETS }""", "Central:Port")]
    [InlineData("""{ "Central": { "Port": 70000 }, ASSETS }""", "Central:Port")]
    [InlineData("""{ "LocalBroker": { "Port": 0 }, ASSETS }""", "LocalBroker:Port")]
    [InlineData("""{ "Ingest": { "MaxPayloadBytes": 0 }, ASSETS }""", "Ingest:MaxPayloadBytes")]
    [InlineData("""{ "Statistics": { "ZScore": { "Window": 1 } }, ASSETS }""", "Statistics:ZScore:Window")]
    [InlineData("""{ "Alarm": { "GpioPin": -1 }, ASSETS }""", "Alarm:GpioPin")]
    [InlineData("""{ "Store": { "MaxDiskBytes": 10 }, ASSETS }""", "Store:MaxDiskBytes")]
    [InlineData("""{ "Gateway": { "Idd": "typo" }, ASSETS }""", "Idd")]
    [InlineData("""{ "Assets": [] }""", "Assets")]
    [InlineData("""{ "Assets": [ { "Name": "p", "Type": "pump", "Tags": [ { "Name": "x", "Sensitivity": 0 } ] } ] }""", "Assets:0:Tags:0:Sensitivity")]
    [InlineData("""{ "Assets": [ { "Name": "p", "Type": "pump", "Tags": [ { "Name": "x" }, { "Name": "x" } ] } ] }""", "Assets:0:Tags:1:Name")]
    [InlineData("""{ "Central": { "HealthInterval": "00:00:00" }, ASSETS }""", "Central:HealthInterval")]
    public void Load_InvalidConfig_RefusesWithMessageNamingTheKey(string json, string key)
    {
        var ex = Assert.Throws<ConfigException>(() => ConfigLoader.Load(Write(json.Replace("ASSETS", ValidAssets, StringComparison.Ordinal))));
        Assert.Contains(ex.Errors, e => e.Contains(key, StringComparison.Ordinal));
    }

    [Fact]
    public void Load_MalformedJson_RefusesWithClearMessage()
    {
        var ex = Assert.Throws<ConfigException>(() => ConfigLoader.Load(Write("{ \"Gateway\": ")));
        Assert.Contains("not valid JSON", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_Overrides_WinOverTheFile()
    {
        var config = ConfigLoader.Load(Write($$"""{ "Central": { "Host": "a.example" }, {{ValidAssets}} }"""),
            [new("Central:Host", "b.example")]);
        Assert.Equal("b.example", config.Central.Host);
    }

    [Fact]
    public void ShippedConfig_IsValid()
    {
        var repoConfigs = Path.Combine(FindRepoRoot(), "configs", "edgeanomaly.json");
        var config = ConfigLoader.Load(repoConfigs);
        Assert.NotEmpty(config.Assets);
    }

    internal static string FindRepoRoot([System.Runtime.CompilerServices.CallerFilePath] string sourceFile = "")
    {
        // The source file's location works wherever the build output goes (artifacts paths, CI clones).
        var dir = new DirectoryInfo(Path.GetDirectoryName(sourceFile) ?? AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "EdgeAnomaly.sln")))
        {
            dir = dir.Parent;
        }
        return dir?.FullName ?? throw new InvalidOperationException("repository root not found");
    }
}
