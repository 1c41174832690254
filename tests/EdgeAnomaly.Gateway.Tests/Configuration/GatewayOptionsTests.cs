using EdgeAnomaly.Runtime.Configuration;
using EdgeAnomaly.TestSupport;
using EdgeAnomaly.Uplink;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace EdgeAnomaly.Gateway.Tests.Configuration;

/// <summary>
/// The sections are options bound from the file and validated once, at start, by one validator per section: a host
/// using them refuses to start, `config check` / `run` (through <see cref="ConfigLoader"/>) and configurations built
/// in code (the demo) get the same messages naming the key.
/// </summary>
public sealed class GatewayOptionsTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private const string ValidAssets = """
        "Assets": [ { "Name": "pump-01", "Type": "pump", "Tags": [ { "Name": "current.a", "Unit": "A", "IntervalSeconds": 1 } ] } ]
        """;

    private const string TopicPrefixError = "Central:TopicPrefix must be non-empty, without wildcards or leading/trailing '/'";

    private string Write(string json)
    {
        var path = _dir.File("edgeanomaly.json");
        File.WriteAllText(path, json);
        return path;
    }

    [Fact]
    public async Task HostWithTheOptions_InvalidSection_RefusesToStartNamingTheKey()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Central:TopicPrefix"] = "ea/#",
            ["Assets:0:Name"] = "pump-01",
            ["Assets:0:Tags:0:Name"] = "x",
        }).Build();
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Services.AddGatewayOptions(configuration, _dir.Path);
        using var host = builder.Build();

        var ex = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.Contains(TopicPrefixError, ex.Failures);
    }

    [Fact]
    public void Loader_And_CodeBuiltConfig_GiveTheSameMessage()
    {
        var loaded = Assert.Throws<ConfigException>(() => ConfigLoader.Load(Write($$"""{ "Central": { "TopicPrefix": "ea/#" }, {{ValidAssets}} }""")));
        var config = ConfigLoader.Load(Write($"{{ {ValidAssets} }}"));
        config.Central.TopicPrefix = "ea/#";

        Assert.Equal([TopicPrefixError], loaded.Errors);
        Assert.Equal([TopicPrefixError], ConfigLoader.Validate(config));
    }

    [Fact]
    public void Load_SeveralBadSections_ReportsEachOnce()
    {
        var ex = Assert.Throws<ConfigException>(() => ConfigLoader.Load(Write(
            $$"""{ "Rules": { "OrphanGrace": "-00:00:01" }, "Store": { "CacheKiB": 1 }, "Devices": { "Gpio": [ { "Asset": "nope", "Tag": "t", "Pin": 5 } ] }, {{ValidAssets}} }""")));

        Assert.Equal(1, ex.Errors.Count(e => e.StartsWith("Rules:OrphanGrace", StringComparison.Ordinal)));
        Assert.Equal(1, ex.Errors.Count(e => e.StartsWith("Store:CacheKiB", StringComparison.Ordinal)));
        Assert.Contains("Devices:Gpio:0:Asset 'nope' is not declared under Assets", ex.Errors);
    }

    [Theory]
    [InlineData("""{ "Centrl": { "Host": "x" }, ASSETS }""", "'Centrl'")]
    [InlineData("""{ "Statistics": { "Ewma": { "Lambda": 0 } }, ASSETS }""", "Statistics:Ewma:Lambda")]
    [InlineData("""{ "DataQuality": { "Spike": { "Threshold": 0 } }, ASSETS }""", "DataQuality:Spike:Threshold")]
    [InlineData("""{ "Central": { "Password": "p" }, ASSETS }""", "Central:Password needs Central:Username")]
    [InlineData("""{ "Gateway": { "DataDir": "" }, ASSETS }""", "Gateway:DataDir must not be empty")]
    public void Load_InvalidSection_NamesTheKey(string json, string key)
    {
        var ex = Assert.Throws<ConfigException>(() => ConfigLoader.Load(Write(json.Replace("ASSETS", ValidAssets, StringComparison.Ordinal))));
        Assert.Contains(ex.Errors, e => e.Contains(key, StringComparison.Ordinal));
    }

    [Fact]
    public void Load_RelativePaths_ResolveOnce_AgainstConfigFolderAndDataDir()
    {
        var config = ConfigLoader.Load(Write(
            $$"""{ "Gateway": { "DataDir": "state" }, "Rules": { "Path": "r/rules.yaml" }, "Store": { "Path": "db/x.db" }, "Models": { "BundleDirectory": "b" }, {{ValidAssets}} }"""));

        Assert.Equal(Path.Combine(_dir.Path, "r", "rules.yaml"), config.Rules.Path);
        Assert.Equal(Path.Combine(_dir.Path, "state", "db", "x.db"), config.Store.Path);
        Assert.Equal(Path.Combine(_dir.Path, "state", "b"), config.Models.BundleDirectory);
    }

    [Fact]
    public void GatewayHost_RegistersEachSectionAsOptions()
    {
        var config = ConfigLoader.Load(Write($$"""{ "Central": { "Host": "central.example" }, "Gateway": { "DataDir": "state" }, {{ValidAssets}} }"""));
        using var host = EdgeAnomaly.Runtime.Hosting.GatewayHost.Build(config, new EdgeAnomaly.Runtime.Hosting.GatewayHostOptions
        {
            AlarmOutput = new EdgeAnomaly.Runtime.Alarm.DisabledAlarmOutput(),
        });

        Assert.Same(config.Central, host.Services.GetRequiredService<IOptions<UplinkOptions>>().Value);
    }
}
