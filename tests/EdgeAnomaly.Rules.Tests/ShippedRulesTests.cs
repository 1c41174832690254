using System.Text.Json;
using EdgeAnomaly.Core.Readings;
using EdgeAnomaly.Core.Tags;

namespace EdgeAnomaly.Rules.Tests;

/// <summary>The example rules shipped in configs/ must load, and bind, against the example gateway config.</summary>
public class ShippedRulesTests
{
    private static string ConfigsDirectory()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "configs", "rules.yaml");
            if (File.Exists(candidate))
            {
                return Path.GetDirectoryName(candidate)!;
            }
        }
        throw new InvalidOperationException("configs/rules.yaml not found above " + AppContext.BaseDirectory);
    }

    private static TagRegistry RegistryFromGatewayConfig(string path)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(path));
        var builder = new TagRegistry.Builder();
        foreach (var asset in doc.RootElement.GetProperty("Assets").EnumerateArray())
        {
            var name = asset.GetProperty("Name").GetString()!;
            builder.AddAsset(name, asset.GetProperty("Type").GetString()!);
            foreach (var tag in asset.GetProperty("Tags").EnumerateArray())
            {
                builder.AddTag(name, tag.GetProperty("Name").GetString()!);
            }
        }
        return builder.Build();
    }

    [Fact]
    public void ShippedRules_ParseAndBindToTheShippedAssetsWithoutWarnings()
    {
        var dir = ConfigsDirectory();
        var set = RuleFile.Parse(File.ReadAllText(Path.Combine(dir, "rules.yaml")), "rules.yaml");
        var registry = RegistryFromGatewayConfig(Path.Combine(dir, "edgeanomaly.json"));

        var engine = RuleEngine.Compile(set, registry, new TagValues(registry.TagCount));

        Assert.True(set.Rules.Count >= 8);
        Assert.Empty(engine.Warnings);
        foreach (var rule in set.Rules)
        {
            Assert.Contains(engine.Sources, s => s.Key == rule.Key);
        }
    }
}
