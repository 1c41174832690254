namespace EdgeAnomaly.Contracts.Tests;

public sealed class TopicsTests
{
    [Theory]
    [InlineData("ea", true)]
    [InlineData("site-3/ea", true)]
    [InlineData("", false)]
    [InlineData("ea/+", false)]
    [InlineData("ea/#", false)]
    [InlineData("ea/", false)]
    [InlineData("/ea", false)]
    [InlineData("a//b", false)]
    public void IsValidPrefix(string prefix, bool valid) => Assert.Equal(valid, MqttContract.IsValidPrefix(prefix));

    [Theory]
    [InlineData("gw-01", true)]
    [InlineData("Node_A-9", true)]
    [InlineData("a1234567890123456789012345678901234567890123456789012345678901234", false)]
    [InlineData("", false)]
    [InlineData("esp 32", false)]
    [InlineData("esp.32", false)]
    [InlineData("a/b", false)]
    [InlineData("+", false)]
    public void IsValidId(string id, bool valid) => Assert.Equal(valid, MqttContract.IsValidId(id));

    [Theory]
    [InlineData("ea/v1/nodes/n1/readings", NodeTopicKind.Readings, "n1")]
    [InlineData("ea/v1/nodes/Node_A-9/status", NodeTopicKind.Status, "Node_A-9")]
    [InlineData("ea/v1/nodes/n1/other", NodeTopicKind.Invalid, "")]
    [InlineData("ea/v1/nodes/n1", NodeTopicKind.Invalid, "")]
    [InlineData("ea/v1/nodes/n1/readings/x", NodeTopicKind.Invalid, "")]
    [InlineData("eax/v1/nodes/n1/readings", NodeTopicKind.Invalid, "")]
    [InlineData("ea/v1/nodes/+/readings", NodeTopicKind.Invalid, "")]
    [InlineData("ea/v1/gateways/g/health", NodeTopicKind.Invalid, "")]
    public void NodeTopics_Parse_YieldsKindAndNodeId(string topic, NodeTopicKind kind, string nodeId)
    {
        Assert.Equal(kind, NodeTopics.Parse(topic, "ea", out var id));
        Assert.Equal(nodeId, id.ToString());
    }

    [Fact]
    public void NodeTopics_FiltersAndBuilders_RoundTripThroughParse()
    {
        Assert.Equal("p/v1/nodes/+/readings", NodeTopics.ReadingsFilter("p"));
        Assert.Equal("p/v1/nodes/+/status", NodeTopics.StatusFilter("p"));
        Assert.Equal(NodeTopicKind.Readings, NodeTopics.Parse(NodeTopics.Readings("site/p", "n"), "site/p", out var a));
        Assert.Equal(NodeTopicKind.Status, NodeTopics.Parse(NodeTopics.Status("p", "n"), "p", out var b));
        Assert.Equal(("n", "n"), (a.ToString(), b.ToString()));
    }

    [Fact]
    public void GatewayTopics_OneGateway_NamesEverythingUnderItsRoot()
    {
        var topics = new GatewayTopics("site-3/ea", "gw-01");

        Assert.Equal("site-3/ea/v1/gateways/gw-01", topics.Root);
        Assert.Equal("site-3/ea/v1/gateways/gw-01/state", topics.State);
        Assert.Equal("site-3/ea/v1/gateways/gw-01/health", topics.Health);
        Assert.Equal("site-3/ea/v1/gateways/gw-01/events/pump-1", topics.Events("pump-1"));
        Assert.Equal("site-3/ea/v1/gateways/gw-01/events/#", topics.AllEvents);
        Assert.Equal("site-3/ea/v1/gateways/gw-01/#", topics.All);
    }

    [Fact]
    public void GatewayTopics_FiltersForEveryGateway()
    {
        Assert.Equal("ea/v1/gateways/+/events/#", GatewayTopics.EventsFilter("ea"));
        Assert.Equal("ea/v1/gateways/+/health", GatewayTopics.HealthFilter("ea"));
        Assert.Equal("ea/v1/gateways/+/state", GatewayTopics.StateFilter("ea"));
        Assert.Equal("ea/v1/gateways/+/#", GatewayTopics.AllFilter("ea"));
    }

    [Theory]
    [InlineData("ea/v1/gateways/gw-01/events/pump-1", GatewayTopicKind.Events, "gw-01", "pump-1")]
    [InlineData("ea/v1/gateways/gw-01/events/_gateway", GatewayTopicKind.Events, "gw-01", "_gateway")]
    [InlineData("ea/v1/gateways/gw-01/health", GatewayTopicKind.Health, "gw-01", "")]
    [InlineData("ea/v1/gateways/gw-01/state", GatewayTopicKind.State, "gw-01", "")]
    [InlineData("ea/v1/gateways/gw-01/events/", GatewayTopicKind.Invalid, "", "")]
    [InlineData("ea/v1/gateways/gw-01/events", GatewayTopicKind.Invalid, "", "")]
    [InlineData("ea/v1/gateways/gw-01/events/a/b", GatewayTopicKind.Invalid, "", "")]
    [InlineData("ea/v1/gateways/gw-01/healthz", GatewayTopicKind.Invalid, "", "")]
    [InlineData("ea/v1/gateways/gw-01", GatewayTopicKind.Invalid, "", "")]
    [InlineData("ea/v1/gateways/+/health", GatewayTopicKind.Invalid, "", "")]
    [InlineData("ea/v2/gateways/gw-01/health", GatewayTopicKind.Invalid, "", "")]
    [InlineData("other/v1/gateways/gw-01/health", GatewayTopicKind.Invalid, "", "")]
    [InlineData("ea/v1/nodes/n1/readings", GatewayTopicKind.Invalid, "", "")]
    public void GatewayTopics_Parse_YieldsKindGatewayAndAsset(string topic, GatewayTopicKind kind, string gatewayId, string asset)
    {
        Assert.Equal(kind, GatewayTopics.Parse(topic, "ea", out var gateway, out var parsedAsset));
        Assert.Equal((gatewayId, asset), (gateway.ToString(), parsedAsset.ToString()));
    }

    [Fact]
    public void GatewayTopics_WhatOneGatewayBuilds_ParsesBackToItsId()
    {
        var topics = new GatewayTopics("site-3/ea", "gw-01");

        Assert.Equal(GatewayTopicKind.Events, GatewayTopics.Parse(topics.Events("a01"), "site-3/ea", out var gw, out var asset));
        Assert.Equal(("gw-01", "a01"), (gw.ToString(), asset.ToString()));
        Assert.Equal(GatewayTopicKind.Health, GatewayTopics.Parse(topics.Health, "site-3/ea", out gw, out _));
        Assert.Equal("gw-01", gw.ToString());
        Assert.Equal(GatewayTopicKind.State, GatewayTopics.Parse(topics.State, "site-3/ea", out gw, out _));
        Assert.Equal("gw-01", gw.ToString());
    }

    [Theory]
    [InlineData("ea", "")]
    [InlineData("ea", "gw/1")]
    [InlineData("ea", "+")]
    [InlineData("", "gw")]
    [InlineData("ea/#", "gw")]
    [InlineData("ea/", "gw")]
    public void GatewayTopics_BadPrefixOrId_IsRefused(string prefix, string gatewayId)
    {
        Assert.Throws<ArgumentException>(() => new GatewayTopics(prefix, gatewayId));
    }
}
