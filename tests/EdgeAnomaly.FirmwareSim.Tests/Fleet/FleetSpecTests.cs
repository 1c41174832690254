using System.Text.Json;
using EdgeAnomaly.FirmwareSim.Fleet;

namespace EdgeAnomaly.FirmwareSim.Tests.Fleet;

public class FleetSpecTests
{
    [Theory]
    [InlineData(1, 1, 1)]
    [InlineData(4, 1, 4)]
    [InlineData(3, 2, 6)]
    public void Default_NodesAndAssetsPerNode_CreatesThatManyAssetsWithUniqueNames(int nodes, int perNode, int assets)
    {
        var spec = FleetSpec.Default(nodes, perNode);

        Assert.Equal(nodes, spec.Nodes.Count);
        Assert.Equal(assets, spec.Assets.Count);
        Assert.Equal(assets, spec.Assets.Select(a => a.Name).Distinct().Count());
        Assert.All(spec.Nodes, n => Assert.Equal(perNode, n.Assets.Count));
    }

    [Fact]
    public void Default_FourNodes_CyclesPumpMotorCompressorWithNumberedNames()
    {
        var spec = FleetSpec.Default(4, 1);

        Assert.Equal(["pump-01", "motor-01", "compressor-01", "pump-02"], spec.Assets.Select(a => a.Name));
        Assert.Equal(["pump", "motor", "compressor", "pump"], spec.Assets.Select(a => a.Type));
        Assert.Equal(["esp32-01", "esp32-02", "esp32-03", "esp32-04"], spec.Assets.Select(a => a.NodeId));
    }

    [Fact]
    public void Assets_Pump_ListsTagsWithUnitAndIntervalSeconds()
    {
        var pump = FleetSpec.Default(1, 1).Assets[0];

        Assert.Contains(new SimTag("current.a", "A", 0.5), pump.Tags);
        Assert.Contains(new SimTag("flow.m3h", "m3/h", 1.0), pump.Tags);
        Assert.Contains(new SimTag("temperature.c", "degC", 5.0), pump.Tags);
    }

    [Theory]
    [InlineData("")]
    [InlineData("has space")]
    [InlineData("slash/node")]
    [InlineData("plus+")]
    [InlineData("x12345678901234567890123456789012345678901234567890123456789012345")]
    public void Constructor_InvalidNodeId_Throws(string nodeId)
    {
        var asset = AssetTemplates.Create("pump-01", "pump");

        Assert.Throws<ArgumentException>(() => new FleetSpec([new NodeSpec(nodeId, [asset])]));
    }

    [Fact]
    public void Constructor_TagIntervalNotMultipleOfTick_Throws()
    {
        var asset = new AssetSpec("a", "pump", AssetTemplates.Create("x", "pump").Load,
            [new TagSpec("t", "u", 150, SignalKind.Load, 0, 1, 0.1)]);

        var ex = Assert.Throws<ArgumentException>(() => new FleetSpec([new NodeSpec("n1", [asset])]));
        Assert.Contains("150", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ReadingsPerSecond_OnePump_SumsTagRates()
    {
        // current 2 Hz, flow/pressure/vibration 1 Hz, temperature 0.2 Hz, ambient 0.1 Hz.
        Assert.Equal(5.3, FleetSpec.Default(1, 1).ReadingsPerSecond, 6);
    }

    [Fact]
    public void ToAssetsJson_DefaultFleet_ListsEveryAssetWithNodeAndTags()
    {
        var spec = FleetSpec.Default(2, 2);

        using var doc = JsonDocument.Parse(FleetSpecJson.ToAssetsJson(spec));

        var assets = doc.RootElement.GetProperty("assets").EnumerateArray().ToList();
        Assert.Equal(4, assets.Count);
        Assert.Equal("esp32-02", assets[3].GetProperty("node").GetString());
        var tag = assets[0].GetProperty("tags")[0];
        Assert.Equal("current.a", tag.GetProperty("name").GetString());
        Assert.Equal("A", tag.GetProperty("unit").GetString());
        Assert.Equal(0.5, tag.GetProperty("interval_s").GetDouble());
    }
}
