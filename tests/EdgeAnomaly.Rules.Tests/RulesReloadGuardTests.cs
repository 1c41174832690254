using EdgeAnomaly.Core.Readings;
using EdgeAnomaly.Core.Tags;
using EdgeAnomaly.TestSupport;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace EdgeAnomaly.Rules.Tests;

/// <summary>
/// A reload that would stop detection without saying so is refused like a syntax error: a tag no selected asset
/// declares (a typo), or fewer rule instances than the rules in force without <c>allow_fewer_instances: true</c>.
/// </summary>
public sealed class RulesReloadGuardTests : IDisposable
{
    private readonly TempDirectory _dir = new();
    private readonly TagRegistry _registry = new TagRegistry.Builder()
        .AddAsset("tank-1", "tank").AddTag("tank-1", "level.x")
        .AddAsset("tank-2", "tank").AddTag("tank-2", "level.x")
        .AddAsset("pump-1", "pump").AddTag("pump-1", "current.a")
        .Build();
    private readonly ListLogger _logger = new();
    private readonly FakeTimeProvider _time = new(DateTimeOffset.UnixEpoch);
    private int _refusedCallbacks;

    public void Dispose() => _dir.Dispose();

    private string RulesPath => _dir.File("rules.yaml");

    private static string Rules(string when, string top = "") =>
        $"version: 1\n{top}rules:\n  - id: level-high\n    select: {{ assetType: tank }}\n    when: \"{when}\"\n    cooldown: 0s\n";

    private RulesFileWatcher Start()
    {
        var watcher = new RulesFileWatcher(RulesPath, _registry, new TagValues(_registry.TagCount), _ => { }, _logger, _time, useFileSystemWatcher: false,
            onRefused: () => Interlocked.Increment(ref _refusedCallbacks));
        watcher.Start();
        return watcher;
    }

    private void Edit(string text)
    {
        File.WriteAllText(RulesPath, text);
        File.SetLastWriteTimeUtc(RulesPath, DateTime.UtcNow.AddMinutes(1));
        _time.Advance(RulesFileWatcher.PollInterval);
        _time.Advance(RulesFileWatcher.Debounce + TimeSpan.FromMilliseconds(50));
    }

    [Fact]
    public void Reload_TagTypo_IsRefusedNamingRuleAndTag_AndTheRulesInForceStay()
    {
        File.WriteAllText(RulesPath, Rules("level.x > 5"));
        using var watcher = Start();
        var inForce = watcher.Current;

        Edit(Rules("levl.x > 5"));

        Assert.Same(inForce, watcher.Current);
        Assert.Equal(2, watcher.Current!.InstanceCount);
        Assert.Equal(1, watcher.ReloadFailures);
        Assert.Equal(1, _refusedCallbacks);
        var error = Assert.Single(_logger.Entries, e => e.Level == LogLevel.Error);
        Assert.Contains("rule 'level-high' reads unknown tag 'levl.x'", error.Message, StringComparison.Ordinal);
        Assert.Contains("declared: level.x", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Reload_FewerInstancesWithoutConsent_IsRefused_EvenWhenEveryTagIsKnown()
    {
        // Every tag is known, but the edit narrows the rule from both tanks to one: the count guard alone refuses it.
        File.WriteAllText(RulesPath, Rules("level.x > 5"));
        using var watcher = Start();
        var inForce = watcher.Current;

        Edit(Rules("level.x > 5").Replace("{ assetType: tank }", "{ asset: tank-1 }", StringComparison.Ordinal));

        Assert.Same(inForce, watcher.Current);
        Assert.Equal(1, watcher.ReloadFailures);
        var error = Assert.Single(_logger.Entries, e => e.Level == LogLevel.Error);
        Assert.Contains("leaves 1 rule instances where 2 are in force", error.Message, StringComparison.Ordinal);
        Assert.Contains("allow_fewer_instances: true", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Reload_FewerInstancesWithConsent_Applies()
    {
        File.WriteAllText(RulesPath, Rules("level.x > 5"));
        using var watcher = Start();

        Edit("version: 1\nallow_fewer_instances: true\nrules: []\n");

        Assert.Equal(0, watcher.Current!.InstanceCount);
        Assert.Equal(0, watcher.ReloadFailures);
        Assert.Equal(0, _refusedCallbacks);
    }

    [Fact]
    public void Reload_MoreOrEqualInstances_AppliesWithoutConsent()
    {
        File.WriteAllText(RulesPath, Rules("level.x > 5"));
        using var watcher = Start();
        var before = watcher.Current;

        Edit(Rules("level.x > 7"));

        Assert.NotSame(before, watcher.Current);
        Assert.Equal(2, watcher.Current!.InstanceCount);
        Assert.Equal(0, watcher.ReloadFailures);
    }

    [Fact]
    public void Compile_UnknownTag_ThrowsWithFileLineColumnRuleAndTag()
    {
        var set = RuleFile.Parse(Rules("level.x > 5 and levl.y < 2"), "rules.yaml");

        var ex = Assert.Throws<RuleFileException>(() => RuleCompiler.Compile(set, _registry, new TagValues(_registry.TagCount)));

        Assert.StartsWith("rules.yaml:5:28: rule 'level-high' reads unknown tag 'levl.y'", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Compile_TagDeclaredBySomeSelectedAssetsOnly_IsAWarningNotAnError()
    {
        var registry = new TagRegistry.Builder()
            .AddAsset("tank-1", "tank").AddTag("tank-1", "level.x")
            .AddAsset("tank-2", "tank").AddTag("tank-2", "other")
            .Build();
        var set = RuleFile.Parse(Rules("level.x > 5"), "rules.yaml");

        var engine = RuleCompiler.Compile(set, registry, new TagValues(registry.TagCount));

        Assert.Equal(1, engine.InstanceCount);
        Assert.Contains(engine.Warnings, w => w.Contains("asset 'tank-2' has no tag 'level.x'", StringComparison.Ordinal));
    }

    [Fact]
    public void Compile_TagThatOnlyUnselectedAssetsDeclare_IsUnknown()
    {
        var set = RuleFile.Parse(Rules("current.a > 5"), "rules.yaml");

        var unknown = RuleCompiler.UnknownTags(set, _registry);

        Assert.Equal(("level-high", "current.a"), (Assert.Single(unknown).RuleId, unknown[0].Tag));
    }

    [Fact]
    public void Compile_RuleMatchingNoAsset_WithAKnownTag_StaysAWarning()
    {
        var set = RuleFile.Parse("version: 1\nrules:\n  - id: gone\n    select: { asset: pump-9 }\n    when: \"current.a > 1\"\n", "rules.yaml");

        var engine = RuleCompiler.Compile(set, _registry, new TagValues(_registry.TagCount));

        Assert.Equal(0, engine.InstanceCount);
        Assert.Contains(engine.Warnings, w => w.Contains("matches no asset", StringComparison.Ordinal));
    }

    [Fact]
    public void Compile_TagListedUnderSelectTags_IsOptionalNotUnknown()
    {
        var set = RuleFile.Parse("version: 1\nrules:\n  - id: hot\n    select: { assetType: tank, tags: [ambient.c] }\n    when: \"level.x - ambient.c > 1\"\n", "rules.yaml");

        var engine = RuleCompiler.Compile(set, _registry, new TagValues(_registry.TagCount));

        Assert.Equal(0, engine.InstanceCount);
    }

    [Theory]
    [InlineData("allow_fewer_instances: yes\n")]
    [InlineData("allow_fewer_instances: 1\n")]
    public void Parse_AllowFewerInstancesNotABoolean_IsAnError(string top)
    {
        var ex = Assert.Throws<RuleFileException>(() => RuleFile.Parse(Rules("level.x > 5", top), "rules.yaml"));

        Assert.Contains("'allow_fewer_instances' must be true or false", ex.Message, StringComparison.Ordinal);
    }
}
