using System.Net;
using System.Security.Cryptography.X509Certificates;
using EdgeAnomaly.Core.Diagnostics;
using EdgeAnomaly.TestSupport;
using MQTTnet;
using MQTTnet.Protocol;

namespace EdgeAnomaly.Ingest.Tests.Mqtt;

/// <summary>
/// The ingest client against a real mosquitto that only listens with TLS and password authentication, as a local
/// broker on a gateway that ESP32 nodes reach over the plant Wi-Fi is set up: certificates from a test CA, users
/// hashed by mosquitto_passwd, a node publishing over TLS as well.
/// </summary>
public sealed class MqttIngestTlsTests : IAsyncLifetime
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(15);
    private const string GatewayUser = "edgeanomaly";
    private const string GatewaySecret = "gw pass:with:colons";
    private const string NodeUser = "esp32-a";
    private const string NodeSecret = "node-pw";
    private readonly TempDirectory _dir = new();
    private TestCertificates _certificates = null!;
    private MosquittoBroker _broker = null!;

    public async Task InitializeAsync()
    {
        _certificates = TestCertificates.Create(Path.Combine(_dir.Path, "local"), "Plant Test CA", ["gateway.local"], [IPAddress.Loopback]);
        _broker = await MosquittoBroker.StartAsync(security: new MosquittoSecurity(_certificates, new Dictionary<string, string> { [GatewayUser] = GatewaySecret, [NodeUser] = NodeSecret }));
    }

    public async Task DisposeAsync()
    {
        await _broker.DisposeAsync();
        _dir.Dispose();
    }

    private MqttIngestOptions Options(string clientId, string? caFile, string password = GatewaySecret) => new()
    {
        Host = _broker.Host,
        Port = _broker.Port,
        ClientId = clientId,
        Username = GatewayUser,
        Password = password,
        UseTls = true,
        CaFile = caFile,
        ConnectTimeout = TimeSpan.FromSeconds(3),
        ReconnectInitialDelay = TimeSpan.FromMilliseconds(100),
        ReconnectMaxDelay = TimeSpan.FromMilliseconds(500),
    };

    private static async Task<(MqttIngestClient Client, CancellationTokenSource Stop, Task Run, ListLogger<MqttIngestClient> Log)> StartAsync(MqttIngestOptions options)
    {
        var log = new ListLogger<MqttIngestClient>();
        var client = new MqttIngestClient(options, new IngestOptions(), TimeProvider.System, log, new GatewayCounters());
        var stop = new CancellationTokenSource();
        return (client, stop, client.RunAsync(stop.Token), log);
    }

    [Fact]
    public async Task CaFileAndPassword_Connects_AndANodeReadingPublishedOverTlsArrives()
    {
        var (client, stop, run, log) = await StartAsync(Options("gw-tls", _certificates.CaFile));
        await using (client)
        {
            await Eventually.True(() => client.IsConnected || run.IsCompleted, Deadline, "connects over TLS:\n" + log);
            Assert.True(client.IsConnected, "RunAsync ended: " + run.Exception + "\n" + log);

            var trust = new X509Certificate2Collection();
            trust.ImportFromPemFile(_certificates.CaFile);
            using var node = new MqttClientFactory().CreateMqttClient();
            var nodeOptions = new MqttClientOptionsBuilder().WithTcpServer(_broker.Host, _broker.Port).WithClientId("esp32-a")
                .WithCredentials(NodeUser, NodeSecret)
                .WithTlsOptions(tls => tls.UseTls().WithTargetHost(_broker.Host).WithTrustChain(trust))
                .Build();
            using (var timeout = new CancellationTokenSource(Deadline))
            {
                await node.ConnectAsync(nodeOptions, timeout.Token);
                var payload = """{"v":1,"seq":7,"asset":"pump-01","tag":"current.a","value":4.2}""";
                var sent = await node.PublishAsync(new MqttApplicationMessageBuilder().WithTopic("ea/v1/nodes/esp32-a/readings").WithPayload(payload)
                    .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build(), timeout.Token);
                Assert.True(sent.IsSuccess, sent.ReasonString);

                var message = await client.Messages.ReadAsync(timeout.Token);
                Assert.Equal("ea/v1/nodes/esp32-a/readings", message.Topic);
                Assert.Equal(payload, System.Text.Encoding.UTF8.GetString(message.Payload));
                message.Release();
            }
            Assert.Contains(log.Lines, l => l.Contains("Ingest TLS: certificate 'CN=gateway.local' of the broker at '127.0.0.1' expires ", StringComparison.Ordinal));
            await stop.CancelAsync();
            await run.WaitAsync(Deadline);
            Assert.Equal(0, client.Reconnects);
        }
    }

    public static TheoryData<string, string> UntrustedBrokers => new()
    {
        { "CA file of another CA", "does not chain to LocalBroker:CaFile (UntrustedRoot" },
        { "no CA file (system store)", "set LocalBroker:CaFile to the broker's CA" },
    };

    [Theory]
    [MemberData(nameof(UntrustedBrokers))]
    public async Task BrokerCertificateNotFromTheConfiguredCa_NeverConnects_AndTheLogSaysWhyNamingTheKey(string trust, string reason)
    {
        string? caFile = null;
        if (trust.StartsWith("CA file", StringComparison.Ordinal))
        {
            caFile = TestCertificates.Create(Path.Combine(_dir.Path, "other"), "Some Other CA", ["gateway.local"], [IPAddress.Loopback]).CaFile;
        }
        var (client, stop, run, log) = await StartAsync(Options("gw-untrusted", caFile));
        await using (client)
        {
            await Eventually.True(() => log.Count(l => l.Contains("attempt", StringComparison.Ordinal)) >= 2, Deadline, "two failed attempts:\n" + log);
            Assert.False(client.IsConnected);
            Assert.Contains(log.Lines, l => l.Contains("broker certificate refused: certificate 'CN=gateway.local' issued by 'CN=Plant Test CA'", StringComparison.Ordinal)
                && l.Contains(reason, StringComparison.Ordinal));
            await stop.CancelAsync();
            await run.WaitAsync(Deadline);
        }
    }

    [Fact]
    public async Task WrongPassword_IsRefusedByTheBroker_AndRetried()
    {
        var (client, stop, run, log) = await StartAsync(Options("gw-bad-password", _certificates.CaFile, password: "wrong"));
        await using (client)
        {
            await Eventually.True(() => log.Count(l => l.Contains("attempt", StringComparison.Ordinal)) >= 2, Deadline, "two failed attempts:\n" + log);
            Assert.False(client.IsConnected);
            Assert.Contains(log.Lines, l => l.Contains("NotAuthorized", StringComparison.Ordinal) || l.Contains("BadUserNameOrPassword", StringComparison.Ordinal));
            Assert.DoesNotContain(log.Lines, l => l.Contains("broker certificate refused", StringComparison.Ordinal));
            await stop.CancelAsync();
            await run.WaitAsync(Deadline);
        }
    }
}
