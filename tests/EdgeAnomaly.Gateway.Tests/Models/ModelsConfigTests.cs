using System.Text.Json;
using EdgeAnomaly.Core.Diagnostics;
using EdgeAnomaly.Runtime.Configuration;
using EdgeAnomaly.Runtime.Health;
using EdgeAnomaly.Runtime.Models;
using EdgeAnomaly.Scoring.Features;
using EdgeAnomaly.Scoring.Pipeline;
using EdgeAnomaly.TestSupport;

namespace EdgeAnomaly.Gateway.Tests.Models;

public sealed class ModelsConfigTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private const string Assets = """
        "Assets": [
          { "Name": "pump-01", "Type": "pump", "Tags": [ { "Name": "current.a" }, { "Name": "flow.m3h" }, { "Name": "ambient.c" } ] },
          { "Name": "motor-01", "Type": "motor", "Tags": [ { "Name": "current.a" } ] } ]
        """;

    private GatewayConfig Load(string models)
    {
        var path = _dir.File("edgeanomaly.json");
        File.WriteAllText(path, $$"""{ "Gateway": { "DataDir": "state" }, {{Assets}}{{(models.Length > 0 ? ", " + models : "")}} }""");
        return ConfigLoader.Load(path);
    }

    [Fact]
    public void NoModelsSection_DefaultsApply_BundlesUnderDataDir_EveryAssetModelledWithAllItsTags()
    {
        var config = Load("");
        var m = config.Models;
        Assert.True(m.Enabled);
        Assert.True(m.AutoTrain);
        Assert.False(m.RetrainOnDrift);
        Assert.Equal(TimeSpan.FromHours(2), m.WarmUp);
        Assert.Equal(Path.Combine(_dir.Path, "state", "models"), m.BundleDirectory);
        var assets = ModelsConfig.ResolveAll(m, config.Assets);
        Assert.Equal(["pump-01", "motor-01"], assets.Select(a => a.Asset));
        Assert.Equal(["current.a", "flow.m3h", "ambient.c"], assets[0].Tags);
        Assert.Equal(Path.Combine(_dir.Path, "state", "models", "pump-01.eamb"), assets[0].BundlePath);
        Assert.Equal(new ScoringOptions().Features.StepSeconds, assets[0].Scoring.Features.StepSeconds);
    }

    [Fact]
    public void ModelsSection_BindsScoringAndPerAssetOverrides()
    {
        var config = Load("""
            "Models": {
              "BundleDirectory": "/opt/models", "WarmUp": "00:30:00", "MinTrainingSteps": 100, "RetrainOnDrift": true,
              "Scoring": { "WindowSeconds": 30, "StepSeconds": 5, "Families": "Mean, Std", "Weights": [ 1, 2, 0.5 ], "Threshold": "Quantile" },
              "Assets": [
                { "Name": "pump-01", "Tags": [ "flow.m3h", "current.a" ], "WarmUp": "01:00:00",
                  "Scoring": { "StepSeconds": 10, "DriftingTags": [ "flow.m3h" ], "DriverTag": "current.a" } },
                { "Name": "motor-01", "Enabled": false } ]
            }
            """);
        var m = config.Models;
        Assert.Equal("/opt/models", m.BundleDirectory);
        Assert.True(m.RetrainOnDrift);
        var assets = ModelsConfig.ResolveAll(m, config.Assets);
        var pump = Assert.Single(assets);
        Assert.Equal(["flow.m3h", "current.a"], pump.Tags);
        Assert.Equal(TimeSpan.FromHours(1), pump.WarmUp);
        var f = pump.Scoring.Features;
        Assert.Equal(30, f.WindowSeconds);
        Assert.Equal(10, f.StepSeconds);
        Assert.Equal(FeatureFamilies.Mean | FeatureFamilies.Std, f.Families);
        Assert.Equal(["flow.m3h"], f.DriftingTags);
        Assert.Equal("current.a", f.DriverTag);
        Assert.Equal([1.0, 2.0, 0.5], pump.Scoring.Weights);
        Assert.Equal(ThresholdPolicy.Quantile, pump.Scoring.Threshold);
    }

    [Theory]
    [InlineData("""{ "WarmUp": "00:00:00" }""", "Models:WarmUp")]
    [InlineData("""{ "MinTrainingSteps": 5 }""", "Models:MinTrainingSteps")]
    [InlineData("""{ "MaxTrainingReadings": 10 }""", "Models:MaxTrainingReadings")]
    [InlineData("""{ "ReloadInterval": "00:00:00.100" }""", "Models:ReloadInterval")]
    [InlineData("""{ "MaxScoringFaults": 0 }""", "Models:MaxScoringFaults")]
    [InlineData("""{ "Scoring": { "StepSeconds": 0 } }""", "Models:Scoring:StepSeconds")]
    [InlineData("""{ "Scoring": { "WindowSeconds": 10, "StepSeconds": 20 } }""", "Models:Scoring:StepSeconds")]
    [InlineData("""{ "Scoring": { "Weights": [ 1, 1 ] } }""", "Models:Scoring:Weights")]
    [InlineData("""{ "Scoring": { "Trees": 0 } }""", "Models:Scoring:Trees")]
    [InlineData("""{ "WarmUp": "00:05:00", "Scoring": { "StepSeconds": 10 } }""", "Models:Scoring:StepSeconds")]
    [InlineData("""{ "Scoring": { "Tress": 10 } }""", "Tress")]
    [InlineData("""{ "Assets": [ { "Name": "pump-09" } ] }""", "Models:Assets:0:Name")]
    [InlineData("""{ "Assets": [ { "Name": "pump-01", "Tags": [ "speed.rpm" ] } ] }""", "Models:Assets:0:Tags:0")]
    [InlineData("""{ "Assets": [ { "Name": "pump-01", "Tags": [ "flow.m3h", "flow.m3h" ] } ] }""", "Models:Assets:0:Tags:1")]
    [InlineData("""{ "Assets": [ { "Name": "pump-01" }, { "Name": "pump-01" } ] }""", "Models:Assets:1:Name")]
    [InlineData("""{ "Assets": [ { "Name": "pump-01", "Scoring": { "DriverTag": "speed.rpm" } } ] }""", "Models:Assets:0:Scoring:DriverTag")]
    [InlineData("""{ "Assets": [ { "Name": "pump-01", "Scoring": { "StepSeconds": -1 } } ] }""", "Models:Assets:0:Scoring:StepSeconds")]
    [InlineData("""{ "Scoring": { "DriverTag": "speed.rpm" } }""", "Models:Scoring:DriverTag")]
    [InlineData("""{ "Assets": [ { "Name": "pump-01", "Scoring": { "DriftingTags": [ "ambient.c", "speed.rpm" ] } } ] }""", "Models:Assets:0:Scoring:DriftingTags:1")]
    public void InvalidModelsSection_IsRefusedNamingTheKey(string models, string key)
    {
        var ex = Assert.Throws<ConfigException>(() => Load("\"Models\": " + models));
        Assert.Contains(ex.Errors, e => e.Contains(key, StringComparison.Ordinal));
    }

    [Fact]
    public void SectionWideDriftingTags_EachAssetTakesThoseItHas()
    {
        var config = Load("""
            "Models": { "Scoring": { "DriftingTags": [ "ambient.c", "temperature.c" ] },
                        "Assets": [ { "Name": "pump-01", "Tags": [ "current.a", "ambient.c" ] } ] }
            """);
        var assets = ModelsConfig.ResolveAll(config.Models, config.Assets);
        Assert.Equal(["ambient.c"], assets[0].Scoring.Features.DriftingTags);
        Assert.Empty(assets[1].Scoring.Features.DriftingTags);
    }

    [Fact]
    public void HealthJson_ModelsSection_ReportsStatePerAsset()
    {
        var step = new StepResult(1_000, true, 1, 0.2, 0.3, 0.4, 0.35, 0.6, false, false, EventChange.None, false);
        var models = new List<ModelStatus>
        {
            new("pump-01", ModelState.Active, 2, 0, null, "truncated: model bundle 'x' is truncated", 123, 40, step),
            new("motor-01", ModelState.WarmingUp, 0, 42, null, null, 0, 0, null),
            new("compressor-01", ModelState.Refused, 0, 0, "wrong-version: format version 9", null, 0, 0, null),
        };
        var json = HealthJson.Serialize("gw", 2000, 7, new GatewayCounters(), new HealthGauges(0, 0, true, true, 0, [], null, models));
        var list = JsonDocument.Parse(json).RootElement.GetProperty("models");
        Assert.Equal(3, list.GetArrayLength());
        Assert.Equal("active", list[0].GetProperty("state").GetString());
        Assert.Equal("active v2", list[0].GetProperty("text").GetString());
        Assert.Equal(0.35, list[0].GetProperty("last_score").GetDouble());
        Assert.StartsWith("truncated", list[0].GetProperty("refused_update").GetString(), StringComparison.Ordinal);
        Assert.Equal("warming-up 42%", list[1].GetProperty("text").GetString());
        Assert.Equal(42, list[1].GetProperty("progress_pct").GetInt32());
        Assert.Equal("refused", list[2].GetProperty("state").GetString());
        Assert.Equal("refused: wrong-version: format version 9", list[2].GetProperty("text").GetString());
    }
}
