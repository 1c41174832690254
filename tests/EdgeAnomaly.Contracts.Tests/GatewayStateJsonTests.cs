using System.Text;
using System.Text.Json;

namespace EdgeAnomaly.Contracts.Tests;

public sealed class GatewayStateJsonTests
{
    [Fact]
    public void Online_And_Offline_AreTheDocumentedPayloads()
    {
        Assert.Equal("""{"v":1,"state":"online","ts":1732400000123,"version":"1.0.0"}""",
            Encoding.UTF8.GetString(GatewayStateJson.Online(1732400000123, "1.0.0")));
        Assert.Equal("""{"v":1,"state":"offline"}""", Encoding.UTF8.GetString(GatewayStateJson.Offline()));
    }

    [Fact]
    public void Read_WhatTheGatewayWrites_GivesStateTimeAndVersion()
    {
        var online = GatewayStateJson.Read(GatewayStateJson.Online(1732400000123, "1.0.0"));
        var offline = GatewayStateJson.Read(GatewayStateJson.Offline());

        Assert.Equal(new GatewayState { State = "online", Ts = 1732400000123, Version = "1.0.0" }, online);
        Assert.True(online.IsOnline);
        Assert.Equal(new GatewayState { State = "offline" }, offline);
        Assert.False(offline.IsOnline);
        Assert.Equal(GatewayStateJson.Offline(), GatewayStateJson.Write(offline));
    }

    [Fact]
    public void Read_UnknownFields_AreIgnored()
    {
        var state = GatewayStateJson.Read("""{"v":1,"state":"online","ts":5,"version":"2","site":{"a":[1]}}"""u8);

        Assert.Equal("2", state.Version);
    }

    [Theory]
    [InlineData("""{"v":2,"state":"online"}""")]
    [InlineData("""{"state":"online"}""")]
    [InlineData("""{"v":"1","state":"online"}""")]
    [InlineData("""null""")]
    [InlineData("""[1]""")]
    [InlineData("""{"v":1,"state":""")]
    public void Read_NotAV1StatePayload_IsRefused(string json)
    {
        Assert.ThrowsAny<JsonException>(() => GatewayStateJson.Read(Encoding.UTF8.GetBytes(json)));
    }
}
