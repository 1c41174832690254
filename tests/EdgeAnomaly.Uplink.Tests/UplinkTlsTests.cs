using System.Net;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using EdgeAnomaly.Core.Diagnostics;
using EdgeAnomaly.TestSupport;
using MQTTnet.Protocol;

namespace EdgeAnomaly.Uplink.Tests;

/// <summary>
/// The uplink against a real mosquitto with a TLS listener and password authentication, as a central broker on
/// a plant network is run: certificates from a test CA, users hashed by mosquitto_passwd.
/// </summary>
public sealed class UplinkTlsTests : IAsyncLifetime
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(15);
    private const string User = "gateway-01";
    private const string Secret = "s3cret-with spaces:and:colons";
    private readonly TempDirectory _dir = new();
    private readonly GatewayCounters _counters = new();
    private TestCertificates _certificates = null!;
    private MosquittoBroker _broker = null!;

    public async Task InitializeAsync()
    {
        _certificates = TestCertificates.Create(Path.Combine(_dir.Path, "central"), "EdgeAnomaly Test CA", ["central.test"], [IPAddress.Loopback]);
        _broker = await MosquittoBroker.StartAsync(security: new MosquittoSecurity(_certificates, new Dictionary<string, string> { [User] = Secret, ["reader"] = "reader-pw" }));
    }

    public async Task DisposeAsync()
    {
        await _broker.DisposeAsync();
        _dir.Dispose();
    }

    private UplinkOptions Options(string gw, string? caFile, string? password = Secret) => new()
    {
        Host = _broker.Host,
        Port = _broker.Port,
        ClientId = "edge-" + gw,
        GatewayId = gw,
        Username = User,
        Password = password,
        UseTls = true,
        CaFile = caFile,
        OperationTimeout = TimeSpan.FromSeconds(3),
        ReconnectInitial = TimeSpan.FromMilliseconds(200),
        ReconnectMax = TimeSpan.FromSeconds(1),
    };

    private Task<CentralSubscriber> SubscribeAsync(string filter) =>
        CentralSubscriber.StartAsync(_broker.Host, _broker.Port, filter, configure: builder =>
        {
            var trust = new X509Certificate2Collection();
            trust.ImportFromPemFile(_certificates.CaFile);
            builder.WithCredentials("reader", "reader-pw")
                .WithTlsOptions(tls => tls.UseTls().WithTargetHost(_broker.Host).WithTrustChain(trust));
        });

    [Fact]
    public async Task CaFileAndPassword_Connects_AndEventsArriveByteForByte()
    {
        var log = new ListLogger<UplinkClient>();
        await using var uplink = new UplinkClient(Options("gw-tls", _certificates.CaFile), _counters, log: log);
        using var cts = new CancellationTokenSource();
        var run = uplink.RunAsync(cts.Token);
        await uplink.WaitConnectedAsync(CancellationToken.None).WaitAsync(Deadline);

        await using var central = await SubscribeAsync(uplink.Topics.Root + "/#");
        await Eventually.True(() => central.Snapshot().Exists(m => m.Topic == uplink.Topics.State && m.Text.Contains("\"state\":\"online\"", StringComparison.Ordinal)), Deadline, "retained online state over TLS");
        var payload = Encoding.UTF8.GetBytes("""{"v":1,"id":"evt-tls-1","asset":"pump-01","kind":"rule"}""");
        var outcome = await uplink.PublishAsync(uplink.Topics.Events("pump-01"), payload, MqttQualityOfServiceLevel.AtLeastOnce, retain: false, CancellationToken.None);
        Assert.True(outcome.Success, outcome.Error);
        await Eventually.True(() => central.Snapshot().Exists(m => m.Topic == uplink.Topics.Events("pump-01")), Deadline, "event over TLS");
        Assert.Equal(payload, central.Snapshot().Find(m => m.Topic == uplink.Topics.Events("pump-01"))!.Payload);

        // The test CA's certificates expire in 2 days: the operator is told after the connect.
        Assert.Contains(log.Lines, l => l.Contains("Uplink TLS: certificate 'CN=central.test' of the broker at '127.0.0.1' expires ", StringComparison.Ordinal));
        await cts.CancelAsync();
        await run.WaitAsync(Deadline);
        Assert.Equal(0, _counters.UplinkReconnects);
    }

    public static TheoryData<string, string> UntrustedServers => new()
    {
        { "no CA file (system store)", "is not trusted by the system store" },
        { "CA file of another CA", "does not chain to Central:CaFile (UntrustedRoot" },
    };

    [Theory]
    [MemberData(nameof(UntrustedServers))]
    public async Task ServerCertificateNotFromTheConfiguredCa_NeverConnects_AndSaysWhy(string trust, string reason)
    {
        string? caFile = null;
        if (trust.StartsWith("CA file", StringComparison.Ordinal))
        {
            caFile = TestCertificates.Create(Path.Combine(_dir.Path, "other"), "Some Other CA", ["central.test"], [IPAddress.Loopback]).CaFile;
        }
        var log = new ListLogger<UplinkClient>();
        await using var uplink = new UplinkClient(Options("gw-untrusted", caFile), _counters, log: log);
        using var cts = new CancellationTokenSource();
        var run = uplink.RunAsync(cts.Token);
        await Eventually.True(() => log.Count(l => l.Contains("attempt", StringComparison.OrdinalIgnoreCase)) >= 2, Deadline, "two failed attempts:\n" + log);
        Assert.False(uplink.IsConnected);
        Assert.Contains(log.Lines, l => l.Contains("broker certificate refused: certificate 'CN=central.test' issued by", StringComparison.Ordinal) && l.Contains(reason, StringComparison.Ordinal));
        await cts.CancelAsync();
        await run.WaitAsync(Deadline);
    }

    [Fact]
    public async Task ServerCertificateForAnotherHost_IsRefused()
    {
        var misnamed = TestCertificates.Create(Path.Combine(_dir.Path, "misnamed"), "Misnamed CA", ["other-host.test"], [IPAddress.Parse("10.9.8.7")]);
        await using var broker = await MosquittoBroker.StartAsync(security: new MosquittoSecurity(misnamed, new Dictionary<string, string> { [User] = Secret }));
        var options = Options("gw-misnamed", misnamed.CaFile);
        options.Port = broker.Port;
        var log = new ListLogger<UplinkClient>();
        await using var uplink = new UplinkClient(options, _counters, log: log);
        using var cts = new CancellationTokenSource();
        var run = uplink.RunAsync(cts.Token);
        await Eventually.True(() => log.Count(l => l.Contains("attempt", StringComparison.OrdinalIgnoreCase)) >= 2, Deadline, "two failed attempts:\n" + log);
        Assert.False(uplink.IsConnected);
        Assert.Contains(log.Lines, l => l.Contains("'CN=other-host.test' issued by 'CN=Misnamed CA' is not for host '127.0.0.1'", StringComparison.Ordinal));
        await cts.CancelAsync();
        await run.WaitAsync(Deadline);
    }

    [Fact]
    public async Task WrongPassword_RefusedByTheBroker_RetriedWithBackoff_AndSaysWhy()
    {
        var log = new ListLogger<UplinkClient>();
        await using var uplink = new UplinkClient(Options("gw-badpw", _certificates.CaFile, password: "wrong"), _counters, log: log);
        using var cts = new CancellationTokenSource();
        var run = uplink.RunAsync(cts.Token);
        await Eventually.True(() => log.Count(l => l.Contains("attempt", StringComparison.OrdinalIgnoreCase)) >= 2, Deadline, "two failed attempts:\n" + log);
        Assert.False(uplink.IsConnected);
        Assert.Contains(log.Lines, l => l.Contains("BadUserNameOrPassword", StringComparison.Ordinal) || l.Contains("NotAuthorized", StringComparison.Ordinal));
        await cts.CancelAsync();
        await run.WaitAsync(Deadline);
    }

    [Fact]
    public async Task AllowUntrustedCertificates_ConnectsWithoutTheCa_ForTestBenches()
    {
        var options = Options("gw-bench", caFile: null);
        options.AllowUntrustedCertificates = true;
        await using var uplink = new UplinkClient(options, _counters);
        using var cts = new CancellationTokenSource();
        var run = uplink.RunAsync(cts.Token);
        await uplink.WaitConnectedAsync(CancellationToken.None).WaitAsync(Deadline);
        await cts.CancelAsync();
        await run.WaitAsync(Deadline);
    }
}
