using EdgeAnomaly.Core.Tags;
using EdgeAnomaly.Runtime.Configuration;
using EdgeAnomaly.Runtime.Hosting;
using EdgeAnomaly.TestSupport;

namespace EdgeAnomaly.Gateway.Tests.Configuration;

/// <summary>Per-tag switches in Assets reach the detector bank as overrides (null keeps the section's setting).</summary>
public sealed class TagOverridesTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void TagSwitches_BecomeDetectorOverrides()
    {
        var path = _dir.File("edgeanomaly.json");
        File.WriteAllText(path, """
            { "Assets": [ { "Name": "pump-01", "Tags": [
                { "Name": "current.a", "Sensitivity": 2 },
                { "Name": "flow.m3h", "RobustZ": true, "Iqr": true },
                { "Name": "pressure.bar", "RobustZ": false },
                { "Name": "energy.j", "Statistics": false, "Spike": false },
                { "Name": "status", "Flatline": false },
                { "Name": "mode", "DataQuality": false } ] } ] }
            """);
        var config = ConfigLoader.Load(path);
        var registry = ConfigLoader.BuildRegistry(config);
        var overrides = GatewayHost.TagOverrides(config);
        TagInfo Tag(string name) => registry.GetTag(registry.TryGetTag("pump-01", name, out var id) ? id : throw new ArgumentException(name));

        var current = overrides(Tag("current.a"))!;
        Assert.Equal(2, current.Sensitivity);
        Assert.Null(current.StatisticsEnabled);
        Assert.Null(current.DataQualityEnabled);
        Assert.Null(current.SpikeEnabled);
        Assert.Null(current.FlatlineEnabled);
        Assert.Null(current.RobustZEnabled);
        Assert.Null(current.IqrEnabled);

        var flow = overrides(Tag("flow.m3h"))!;
        Assert.True(flow.RobustZEnabled);
        Assert.True(flow.IqrEnabled);
        Assert.False(overrides(Tag("pressure.bar"))!.RobustZEnabled);
        Assert.Null(overrides(Tag("pressure.bar"))!.IqrEnabled);

        var energy = overrides(Tag("energy.j"))!;
        Assert.False(energy.StatisticsEnabled);
        Assert.False(energy.SpikeEnabled);
        Assert.Null(energy.FlatlineEnabled);

        Assert.False(overrides(Tag("status"))!.FlatlineEnabled);
        Assert.False(overrides(Tag("mode"))!.DataQualityEnabled);
    }
}
