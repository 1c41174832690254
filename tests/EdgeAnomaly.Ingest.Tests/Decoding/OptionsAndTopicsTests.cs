namespace EdgeAnomaly.Ingest.Tests.Decoding;

public sealed class OptionsAndTopicsTests
{
    [Fact]
    public void IngestOptions_Defaults_AreValidAndMatchTheContract()
    {
        var o = new IngestOptions();

        Assert.Empty(o.Validate());
        Assert.Equal(("ea", 65536, 1000, TimeSpan.FromSeconds(5), TimeSpan.FromHours(24)), (o.TopicPrefix, o.MaxPayloadBytes, o.MaxReadingsPerMessage, o.FutureTolerance, o.MaxAge));
    }

    public static TheoryData<IngestOptions, string> BadIngestOptions => new()
    {
        { new IngestOptions { TopicPrefix = "" }, "Ingest:TopicPrefix" },
        { new IngestOptions { TopicPrefix = "ea/+" }, "Ingest:TopicPrefix" },
        { new IngestOptions { TopicPrefix = "ea/" }, "Ingest:TopicPrefix" },
        { new IngestOptions { TopicPrefix = "/ea" }, "Ingest:TopicPrefix" },
        { new IngestOptions { TopicPrefix = "a//b" }, "Ingest:TopicPrefix" },
        { new IngestOptions { MaxPayloadBytes = 0 }, "Ingest:MaxPayloadBytes must be 1..1048576" },
        { new IngestOptions { MaxPayloadBytes = 1048577 }, "Ingest:MaxPayloadBytes must be 1..1048576" },
        { new IngestOptions { MaxReadingsPerMessage = 0 }, "Ingest:MaxReadingsPerMessage" },
        { new IngestOptions { FutureTolerance = TimeSpan.FromSeconds(-1) }, "Ingest:FutureTolerance" },
        { new IngestOptions { MaxAge = TimeSpan.Zero }, "Ingest:MaxAge" },
        { new IngestOptions { MaxNodes = 0 }, "Ingest:MaxNodes" },
    };

    [Theory]
    [MemberData(nameof(BadIngestOptions))]
    public void IngestOptions_InvalidValue_IsReportedUnderItsKey(IngestOptions options, string expected)
    {
        var message = Assert.Single(options.Validate());

        Assert.StartsWith(expected, message, StringComparison.Ordinal);
    }

    public static TheoryData<MqttIngestOptions, string> BadMqttOptions => new()
    {
        { new MqttIngestOptions { Host = " " }, "LocalBroker:Host" },
        { new MqttIngestOptions { Port = 0 }, "LocalBroker:Port" },
        { new MqttIngestOptions { ClientId = "" }, "LocalBroker:ClientId" },
        { new MqttIngestOptions { Password = "x" }, "LocalBroker:Password" },
        { new MqttIngestOptions { KeepAlive = TimeSpan.Zero }, "LocalBroker:KeepAlive" },
        { new MqttIngestOptions { ChannelCapacity = 0 }, "LocalBroker:ChannelCapacity" },
        { new MqttIngestOptions { ReceiveMaximum = 70000 }, "LocalBroker:ReceiveMaximum" },
        { new MqttIngestOptions { ReconnectMaxDelay = TimeSpan.FromMilliseconds(1) }, "LocalBroker:ReconnectInitialDelay" },
        { new MqttIngestOptions { ReconnectJitter = 2 }, "LocalBroker:ReconnectJitter" },
        { new MqttIngestOptions { SessionExpiry = TimeSpan.FromSeconds(-1) }, "LocalBroker:SessionExpiry" },
    };

    [Theory]
    [MemberData(nameof(BadMqttOptions))]
    public void MqttIngestOptions_InvalidValue_IsReportedUnderItsKey(MqttIngestOptions options, string expected)
    {
        var message = Assert.Single(options.Validate());

        Assert.StartsWith(expected, message, StringComparison.Ordinal);
    }

    [Fact]
    public void MqttIngestOptions_CaFile_IsCheckedAtStartUnderItsKey()
    {
        var missing = Path.Combine(Path.GetTempPath(), "ea-no-such-ca-" + Guid.NewGuid().ToString("N")[..8] + ".pem");

        Assert.Equal([$"LocalBroker:CaFile '{missing}' does not exist"], new MqttIngestOptions { UseTls = true, CaFile = missing }.Validate());
        Assert.Contains("LocalBroker:CaFile needs LocalBroker:UseTls=true", new MqttIngestOptions { CaFile = missing }.Validate());
    }

    [Fact]
    public void MqttIngestOptions_Defaults_AreValid()
    {
        Assert.Empty(new MqttIngestOptions().Validate());
    }
}
