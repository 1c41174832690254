using EdgeAnomaly.Core.Diagnostics;
using EdgeAnomaly.TestSupport;
using Microsoft.Extensions.Logging.Abstractions;
using MQTTnet;
using MQTTnet.Protocol;

namespace EdgeAnomaly.Ingest.Tests.Mqtt;

/// <summary>configs/mosquitto-local.conf, the local broker setup we ship, run by a real mosquitto as written.</summary>
public sealed class ShippedLocalBrokerConfigTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);
    private const string GatewayUser = "edgeanomaly";
    private const string GatewayPassword = "gw-secret";
    private const string NodeUser = "esp32-01";
    private const string NodePassword = "node-secret";

    private static string ShippedConfig()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "configs", "mosquitto-local.conf");
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }
        throw new InvalidOperationException("configs/mosquitto-local.conf not found above " + AppContext.BaseDirectory);
    }

    private static Task<MosquittoBroker> StartAsync() => MosquittoBroker.StartFromShippedConfigAsync(ShippedConfig(),
        new Dictionary<string, string> { [GatewayUser] = GatewayPassword, [NodeUser] = NodePassword });

    /// <summary>Connects as a node; throws naming the CONNACK code when the broker refuses.</summary>
    private static async Task<IMqttClient> ConnectNodeAsync(MosquittoBroker broker, string? user, string? password, string clientId = "esp32-01")
    {
        var client = new MqttClientFactory().CreateMqttClient();
        var options = new MqttClientOptionsBuilder().WithTcpServer(broker.Host, broker.Port).WithClientId(clientId)
            .WithProtocolVersion(MQTTnet.Formatter.MqttProtocolVersion.V500);
        if (user is not null)
        {
            options = options.WithCredentials(user, password);
        }
        using var timeout = new CancellationTokenSource(Deadline);
        try
        {
            var result = await client.ConnectAsync(options.Build(), timeout.Token);
            if (result.ResultCode != MqttClientConnectResultCode.Success)
            {
                throw new InvalidOperationException("refused: " + result.ResultCode);
            }
        }
        catch
        {
            client.Dispose();
            throw;
        }
        return client;
    }

    /// <summary>The file's commented TLS listener, switched on as its comment says, with a test CA's certificate.</summary>
    [Fact]
    public async Task TheTlsListenerAsDocumented_TakesANodeOverTls_AndThePlainOneStillTakesTheGateway()
    {
        using var dir = new TempDirectory();
        var certificates = TestCertificates.Create(dir.Path, "Plant Test CA", ["gateway.local"], [System.Net.IPAddress.Loopback]);
        var text = (await File.ReadAllTextAsync(ShippedConfig()))
            .Replace("#listener 8883", "listener 8883", StringComparison.Ordinal)
            .Replace("#certfile /etc/mosquitto/certs/gateway.crt", "certfile " + certificates.CertFile, StringComparison.Ordinal)
            .Replace("#keyfile /etc/mosquitto/certs/gateway.key", "keyfile " + certificates.KeyFile, StringComparison.Ordinal)
            .Replace("#cafile /etc/mosquitto/certs/plant-ca.crt", "cafile " + certificates.CaFile, StringComparison.Ordinal);
        Assert.DoesNotContain("#listener", text, StringComparison.Ordinal);
        var path = Path.Combine(dir.Path, "mosquitto-local-tls.conf");
        await File.WriteAllTextAsync(path, text);
        await using var broker = await MosquittoBroker.StartFromShippedConfigAsync(path,
            new Dictionary<string, string> { [GatewayUser] = GatewayPassword, [NodeUser] = NodePassword });
        var tlsPort = Assert.Single(broker.ExtraPorts);

        var trust = new System.Security.Cryptography.X509Certificates.X509Certificate2Collection();
        trust.ImportFromPemFile(certificates.CaFile);
        using var node = new MqttClientFactory().CreateMqttClient();
        using var timeout = new CancellationTokenSource(Deadline);
        var result = await node.ConnectAsync(new MqttClientOptionsBuilder().WithTcpServer(broker.Host, tlsPort).WithClientId("esp32-01")
            .WithCredentials(NodeUser, NodePassword)
            .WithTlsOptions(tls => tls.UseTls().WithTargetHost(broker.Host).WithTrustChain(trust)).Build(), timeout.Token);
        Assert.Equal(MqttClientConnectResultCode.Success, result.ResultCode);
        using var gateway = await ConnectNodeAsync(broker, GatewayUser, GatewayPassword, "edgeanomaly-ingest");
        Assert.True(gateway.IsConnected);
        Assert.True(node.IsConnected);
    }

    [Fact]
    public async Task Anonymous_IsRefused_ANodeWithItsAccountIsAccepted()
    {
        await using var broker = await StartAsync();

        var refused = await Assert.ThrowsAnyAsync<Exception>(() => ConnectNodeAsync(broker, null, null));
        Assert.Contains("NotAuthorized", refused.Message + refused.InnerException?.Message, StringComparison.Ordinal);
        using var node = await ConnectNodeAsync(broker, NodeUser, NodePassword);
        Assert.True(node.IsConnected);
    }

    /// <summary>
    /// mosquitto's default queue (1,000 messages per session) would drop most of these while the gateway is
    /// away; the shipped limits keep every one for its persistent session.
    /// </summary>
    [Fact]
    public async Task ReadingsPublishedWhileTheGatewayIsAway_BeyondMosquittosDefaultQueue_AreAllDeliveredAfterwards()
    {
        const int count = 3_000;
        await using var broker = await StartAsync();
        var options = new MqttIngestOptions
        {
            Host = broker.Host,
            Port = broker.Port,
            ClientId = "edgeanomaly-ingest-gw-shipped",
            Username = GatewayUser,
            Password = GatewayPassword,
            ReconnectInitialDelay = TimeSpan.FromMilliseconds(100),
            ReconnectMaxDelay = TimeSpan.FromMilliseconds(500),
            ChannelCapacity = count + 10,
        };
        // First run creates the persistent session, then the gateway goes away.
        await using (var first = new MqttIngestClient(options, new IngestOptions(), TimeProvider.System, NullLogger<MqttIngestClient>.Instance, new GatewayCounters()))
        {
            using var stop = new CancellationTokenSource();
            var run = first.RunAsync(stop.Token);
            await Eventually.True(() => first.IsConnected || run.IsCompleted, Deadline, "the gateway connects with its account");
            Assert.True(first.IsConnected, "RunAsync ended: " + run.Exception);
            await stop.CancelAsync();
            await run.WaitAsync(Deadline);
        }

        using (var node = await ConnectNodeAsync(broker, NodeUser, NodePassword))
        {
            using var timeout = new CancellationTokenSource(Deadline);
            for (var i = 0; i < count; i++)
            {
                var message = new MqttApplicationMessageBuilder().WithTopic("ea/v1/nodes/esp32-01/readings")
                    .WithPayload($$"""{"v":1,"seq":{{i}},"asset":"pump-01","tag":"current.a","value":{{i}}}""")
                    .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build();
                var sent = await node.PublishAsync(message, timeout.Token);
                Assert.True(sent.IsSuccess, $"publish {i}: {sent.ReasonCode}");
            }
        }

        await using var back = new MqttIngestClient(options, new IngestOptions(), TimeProvider.System, NullLogger<MqttIngestClient>.Instance, new GatewayCounters());
        using var stopBack = new CancellationTokenSource();
        var runBack = back.RunAsync(stopBack.Token);
        using (var timeout = new CancellationTokenSource(Deadline))
        {
            for (var i = 0; i < count; i++)
            {
                IngestMessage m;
                try
                {
                    m = await back.Messages.ReadAsync(timeout.Token);
                }
                catch (OperationCanceledException)
                {
                    Assert.Fail($"received {i} of {count} queued readings: the broker dropped the rest");
                    throw;
                }
                Assert.Contains($"\"seq\":{i},", System.Text.Encoding.UTF8.GetString(m.Payload), StringComparison.Ordinal);
                m.Acknowledge();
                m.Release();
            }
        }
        await stopBack.CancelAsync();
        await runBack.WaitAsync(Deadline);
    }
}
