using MQTTnet;

namespace EdgeAnomaly.Uplink.Tests;

public class UplinkOptionsTests
{
    private static UplinkOptions Valid() => new() { Host = "central.example", ClientId = "edge-1", GatewayId = "gw-1" };

    public static TheoryData<string, Action<UplinkOptions>> BadOptions => new()
    {
        { "Central:Host must be set", o => o.Host = "" },
        { "Central:Port must be 1..65535", o => o.Port = 0 },
        { "Central:GatewayId must match [A-Za-z0-9_-]{1,64}", o => o.GatewayId = "gw/1" },
        { "Central:TopicPrefix must be non-empty, without wildcards or leading/trailing '/'", o => o.TopicPrefix = "ea/#" },
        { "Central:Password needs Central:Username", o => o.Password = "x" },
        { "Central:CaFile needs Central:UseTls=true", o => o.CaFile = "/nonexistent/ca.pem" },
        { "Central:ReconnectMax must be >= Central:ReconnectInitial", o => o.ReconnectMax = TimeSpan.FromMilliseconds(10) },
        { "Central:MaxInflight must be 1..65535", o => o.MaxInflight = 0 },
    };

    [Theory]
    [InlineData(256, 0, 256)] // no Receive Maximum in the CONNACK (MQTT 5 default 65 535, or MQTT 3.1.1)
    [InlineData(256, 65535, 256)]
    [InlineData(256, 20, 18)] // mosquitto's default max_inflight_messages: two slots left for state and health
    [InlineData(256, 2, 1)]
    [InlineData(256, 1, 1)]
    [InlineData(8, 100, 8)]
    public void InflightLimit_NeverExceedsTheBrokersReceiveMaximum(int maxInflight, int receiveMaximum, int expected)
    {
        Assert.Equal(expected, UplinkClient.InflightLimit(maxInflight, receiveMaximum));
    }

    [Fact]
    public void CaFile_WithoutAPemCertificate_IsRefusedNamingTheKeyAndFile()
    {
        var path = Path.Combine(Path.GetTempPath(), "ea-notacert-" + Guid.NewGuid().ToString("N")[..8] + ".pem");
        File.WriteAllText(path, "this is a private key, not a certificate\n");
        try
        {
            var o = Valid();
            o.UseTls = true;
            o.CaFile = path;
            var error = Assert.Single(o.Validate());
            Assert.StartsWith($"Central:CaFile '{path}' holds no PEM certificate", error, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Theory]
    [MemberData(nameof(BadOptions))]
    public void Options_InvalidValue_IsReportedWithItsKey(string expected, Action<UplinkOptions> spoil)
    {
        var o = Valid();
        Assert.Empty(o.Validate());
        spoil(o);
        Assert.Contains(expected, o.Validate());
    }

    [Fact]
    public void BuildMqttOptions_SetsRetainedOfflineWillOnTheStateTopic()
    {
        var built = UplinkClient.BuildMqttOptions(Valid());
        Assert.Equal("ea/v1/gateways/gw-1/state", built.WillTopic);
        Assert.True(built.WillRetain);
        Assert.Equal("""{"v":1,"state":"offline"}""", System.Text.Encoding.UTF8.GetString(built.WillPayload));
        Assert.Equal("edge-1", built.ClientId);
        var tcp = Assert.IsType<MqttClientTcpOptions>(built.ChannelOptions);
        Assert.False(tcp.TlsOptions?.UseTls ?? false);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void BuildMqttOptions_SendsEachPacketInOneWrite(bool useTls)
    {
        // Header and payload of a PUBLISH in one socket write (one send call per event in a drain), with or without TLS.
        var o = Valid();
        o.UseTls = useTls;
        Assert.False(UplinkClient.BuildMqttOptions(o).AllowPacketFragmentation);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void BuildMqttOptions_WithTls_BuildsATlsClientWithCredentials(bool allowUntrusted)
    {
        var o = Valid();
        o.UseTls = true;
        o.Port = 8883;
        o.Username = "edge";
        o.Password = "secret";
        o.AllowUntrustedCertificates = allowUntrusted;
        var built = UplinkClient.BuildMqttOptions(o);
        var tcp = Assert.IsType<MqttClientTcpOptions>(built.ChannelOptions);
        Assert.True(tcp.TlsOptions.UseTls);
        Assert.Equal(allowUntrusted, tcp.TlsOptions.AllowUntrustedCertificates);
        // Both ways the gateway decides: accept-all for benches, otherwise ServerCertificateValidator (which says why it refused).
        Assert.NotNull(tcp.TlsOptions.CertificateValidationHandler);
        Assert.Equal("central.example", tcp.TlsOptions.TargetHost);
        Assert.Equal("edge", built.Credentials.GetUserName(built));
    }
}
