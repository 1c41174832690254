using EdgeAnomaly.Runtime.Alarm;
using EdgeAnomaly.Runtime.Configuration;
using EdgeAnomaly.Runtime.Hosting;
using EdgeAnomaly.Gateway.Tests.Configuration;
using EdgeAnomaly.TestSupport;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace EdgeAnomaly.Gateway.Tests.Integration;

/// <summary>
/// configs/edgeanomaly.json and configs/mosquitto-local.conf, as shipped, work together: the gateway logs in with
/// the account the broker config's header creates (its password given as the operator does, by environment), and a
/// refused login is logged with the keys to set.
/// </summary>
[Collection("gateway-process")]
public sealed class ShippedConfigsTogetherTests : IAsyncLifetime
{
    private const string GatewayPassword = "gw-secret";

    private readonly TempDirectory _dir = new();
    private MosquittoBroker _local = null!;
    private MosquittoBroker _central = null!;

    private static string Shipped(string file) => Path.Combine(ConfigLoaderTests.FindRepoRoot(), "configs", file);

    public async Task InitializeAsync()
    {
        // The broker header's accounts: the gateway's and one node's.
        var users = new Dictionary<string, string> { ["edgeanomaly"] = GatewayPassword, ["esp32-01"] = "node-secret" };
        _local = await MosquittoBroker.StartFromShippedConfigAsync(Shipped("mosquitto-local.conf"), users);
        // A central broker that knows no 'gateway-01' account, to see the uplink's hint.
        _central = await MosquittoBroker.StartFromShippedConfigAsync(Shipped("mosquitto-local.conf"), users);
    }

    public async Task DisposeAsync()
    {
        await _local.DisposeAsync();
        await _central.DisposeAsync();
        _dir.Dispose();
    }

    /// <summary>The shipped JSON with only what a test must change: ports, data folder, plain TCP to the test central.</summary>
    private GatewayConfig ShippedGatewayConfig(string? localPassword) => ConfigLoader.Load(Shipped("edgeanomaly.json"),
    [
        new("Gateway:DataDir", Path.Combine(_dir.Path, "data")),
        new("LocalBroker:Port", _local.Port.ToString(System.Globalization.CultureInfo.InvariantCulture)),
        new("LocalBroker:Password", localPassword),
        new("Central:Host", _central.Host),
        new("Central:Port", _central.Port.ToString(System.Globalization.CultureInfo.InvariantCulture)),
        new("Central:UseTls", "false"),
    ]);

    private static IHost Build(GatewayConfig config, CapturedLog log) => GatewayHost.Build(config, new GatewayHostOptions
    {
        AlarmOutput = new DisabledAlarmOutput(),
        MinimumLogLevel = LogLevel.Information,
        ConfigureLogging = b => b.ClearProviders().AddProvider(log),
    });

    [Fact]
    public async Task ShippedGatewayConfig_WithShippedLocalBrokerConfig_Connects()
    {
        var log = new CapturedLog();
        using var host = Build(ShippedGatewayConfig(GatewayPassword), log);
        await Task.Run(() => host.StartAsync());
        var ingest = (EdgeAnomaly.Ingest.MqttIngestClient)host.Services.GetService(typeof(EdgeAnomaly.Ingest.MqttIngestClient))!;

        await Eventually.True(() => ingest.IsConnected, TimeSpan.FromSeconds(15), $"the gateway logs in to the shipped local broker\n{log}");

        // The central broker refuses 'gateway-01': the uplink says which keys to set.
        await Eventually.True(() => log.ToString().Contains("Set Central:Username and Central:Password", StringComparison.Ordinal),
            TimeSpan.FromSeconds(15), $"the uplink logs a plain hint on NotAuthorized\n{log}");
        await host.StopAsync();
    }

    [Fact]
    public async Task ShippedGatewayConfig_WithoutThePassword_LogsWhichKeysToSet()
    {
        var log = new CapturedLog();
        using var host = Build(ShippedGatewayConfig(null), log);
        await Task.Run(() => host.StartAsync());

        await Eventually.True(() => log.ToString().Contains("Set LocalBroker:Username and LocalBroker:Password", StringComparison.Ordinal),
            TimeSpan.FromSeconds(15), $"the ingest logs a plain hint on NotAuthorized\n{log}");
        Assert.Single(log.Lines, l => l.Contains("refuses the gateway's login", StringComparison.Ordinal) && l.Contains("local broker", StringComparison.Ordinal));
        await host.StopAsync();
    }
}
