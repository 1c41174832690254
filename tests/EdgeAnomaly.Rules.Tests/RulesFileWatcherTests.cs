using EdgeAnomaly.Core.Readings;
using EdgeAnomaly.Core.Tags;
using EdgeAnomaly.TestSupport;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace EdgeAnomaly.Rules.Tests;

/// <summary>Keeps what was logged, for asserting that errors carry their position.</summary>
internal sealed class ListLogger : ILogger
{
    private readonly Lock _gate = new();
    private readonly List<(LogLevel Level, string Message)> _entries = [];

    public IReadOnlyList<(LogLevel Level, string Message)> Entries
    {
        get
        {
            lock (_gate)
            {
                return [.. _entries];
            }
        }
    }

    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        lock (_gate)
        {
            _entries.Add((logLevel, formatter(state, exception)));
        }
    }
}

public sealed class RulesFileWatcherTests : IDisposable
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(5);

    private readonly TempDirectory _dir = new();
    private readonly TagRegistry _registry = new TagRegistry.Builder()
        .AddAsset("pump-1", "pump").AddTag("pump-1", "current.a")
        .AddAsset("pump-2", "pump").AddTag("pump-2", "current.a")
        .AddAsset("motor-1", "motor").AddTag("motor-1", "current.a")
        .Build();
    private readonly ListLogger _logger = new();
    private readonly List<RuleEngine> _reloaded = [];

    public void Dispose() => _dir.Dispose();

    private string RulesPath => _dir.File("rules.yaml");

    // pump matches two assets, motor one: an edit from pump to motor leaves fewer instances, so it says so.
    private static string Rules(string assetType, bool allowFewer = false) =>
        $"version: 1\n{(allowFewer ? "allow_fewer_instances: true\n" : "")}rules:\n  - id: overcurrent\n    select: {{ assetType: {assetType} }}\n    when: current.a > 12\n";

    private int ReloadCount
    {
        get
        {
            lock (_reloaded)
            {
                return _reloaded.Count;
            }
        }
    }

    private RulesFileWatcher CreateWatcher(TimeProvider time, bool useFileSystemWatcher = true)
    {
        var values = new TagValues(_registry.TagCount);
        return new RulesFileWatcher(
            RulesPath,
            _registry,
            values,
            engine =>
            {
                lock (_reloaded)
                {
                    _reloaded.Add(engine);
                }
            },
            _logger,
            time,
            useFileSystemWatcher);
    }

    [Fact]
    public void Start_ValidFile_LoadsItAndRaisesCallback()
    {
        File.WriteAllText(RulesPath, Rules("pump"));
        using var watcher = CreateWatcher(TimeProvider.System);

        watcher.Start();

        Assert.Equal(2, watcher.Current!.InstanceCount);
        Assert.Same(watcher.Current, Assert.Single(_reloaded));
        Assert.Equal(0, watcher.ReloadFailures);
        Assert.Contains(_logger.Entries, e => e.Level == LogLevel.Information && e.Message.Contains("2 rule instances", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Watcher_FileEdited_AppliesNewRules()
    {
        File.WriteAllText(RulesPath, Rules("pump"));
        using var watcher = CreateWatcher(TimeProvider.System);
        watcher.Start();

        File.WriteAllText(RulesPath, Rules("motor", allowFewer: true));

        await Eventually.True(() => watcher.Current!.InstanceCount == 1, Deadline, "the edited rules apply");
        Assert.Equal("motor-1", Assert.Single(watcher.Current!.Sources).Asset);
        Assert.Equal(0, watcher.ReloadFailures);
    }

    [Fact]
    public async Task Watcher_InvalidEdit_KeepsOldEngineCountsFailureAndLogsPosition()
    {
        File.WriteAllText(RulesPath, Rules("pump"));
        using var watcher = CreateWatcher(TimeProvider.System);
        watcher.Start();
        var original = watcher.Current;

        File.WriteAllText(RulesPath, Rules("pump").Replace("current.a > 12", "rte(current.a) > 12", StringComparison.Ordinal));

        await Eventually.True(() => watcher.ReloadFailures == 1, Deadline, "the invalid edit is seen and refused");
        Assert.Same(original, watcher.Current);
        Assert.Single(_reloaded);
        var error = Assert.Single(_logger.Entries, e => e.Level == LogLevel.Error);
        Assert.Contains("rules.yaml:5:11: unknown function 'rte'", error.Message, StringComparison.Ordinal);

        // Fixing the file applies again.
        File.WriteAllText(RulesPath, Rules("motor", allowFewer: true));
        await Eventually.True(() => watcher.Current!.InstanceCount == 1, Deadline, "the fixed rules apply");
        Assert.Equal(1, watcher.ReloadFailures);
    }

    [Fact]
    public async Task Watcher_EditorReplacesFileByRename_AppliesNewRules()
    {
        File.WriteAllText(RulesPath, Rules("pump"));
        using var watcher = CreateWatcher(TimeProvider.System);
        watcher.Start();

        var temp = _dir.File(".rules.yaml.swp");
        File.WriteAllText(temp, Rules("motor", allowFewer: true));
        File.Move(temp, RulesPath, overwrite: true);

        await Eventually.True(() => watcher.Current!.InstanceCount == 1, Deadline, "the renamed-over file applies");

        // The watch survives the inode change: a second edit still applies.
        File.WriteAllText(RulesPath, Rules("pump"));
        await Eventually.True(() => watcher.Current!.InstanceCount == 2, Deadline, "an edit after the rename applies");
    }

    [Fact]
    public void Watcher_PollingAlone_AppliesEditWithinTwoSecondsOfClockTime()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UnixEpoch);
        File.WriteAllText(RulesPath, Rules("pump"));
        using var watcher = CreateWatcher(time, useFileSystemWatcher: false);
        watcher.Start();

        File.WriteAllText(RulesPath, Rules("motor", allowFewer: true) + "# edited\n");
        var elapsed = TimeSpan.Zero;
        while (watcher.Current!.InstanceCount != 1 && elapsed < TimeSpan.FromSeconds(2))
        {
            time.Advance(TimeSpan.FromMilliseconds(50));
            elapsed += TimeSpan.FromMilliseconds(50);
        }

        Assert.Equal(1, watcher.Current.InstanceCount);
        Assert.InRange(elapsed, RulesFileWatcher.Debounce, RulesFileWatcher.PollInterval + RulesFileWatcher.Debounce);
        Assert.Equal(2, ReloadCount);
    }

    [Fact]
    public void Watcher_UnchangedContentRewritten_DoesNotReload()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UnixEpoch);
        File.WriteAllText(RulesPath, Rules("pump"));
        using var watcher = CreateWatcher(time, useFileSystemWatcher: false);
        watcher.Start();

        File.WriteAllText(RulesPath, Rules("pump"));
        File.SetLastWriteTimeUtc(RulesPath, DateTime.UtcNow.AddMinutes(1));
        time.Advance(TimeSpan.FromMilliseconds(500));
        time.Advance(TimeSpan.FromMilliseconds(250));

        Assert.Equal(1, ReloadCount);
        Assert.Equal(0, watcher.ReloadFailures);
    }

    [Fact]
    public void Watcher_InvalidAtStartThenFixed_LoadsOnceFixed()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UnixEpoch);
        File.WriteAllText(RulesPath, "version: 1\nrules:\n  - id: BAD\n");
        using var watcher = CreateWatcher(time, useFileSystemWatcher: false);

        watcher.Start();
        Assert.Null(watcher.Current);
        Assert.Equal(1, watcher.ReloadFailures);
        Assert.Contains(_logger.Entries, e => e.Level == LogLevel.Error && e.Message.Contains("rules.yaml:3:9: bad rule id 'BAD'", StringComparison.Ordinal));

        File.WriteAllText(RulesPath, Rules("pump"));
        time.Advance(TimeSpan.FromMilliseconds(500));
        time.Advance(TimeSpan.FromMilliseconds(250));

        Assert.Equal(2, watcher.Current!.InstanceCount);
    }

    [Fact]
    public void Watcher_FileMissingThenCreated_LoadsWhenItAppears()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UnixEpoch);
        using var watcher = CreateWatcher(time, useFileSystemWatcher: false);

        watcher.Start();
        Assert.Null(watcher.Current);
        Assert.Equal(0, watcher.ReloadFailures);
        Assert.Single(_logger.Entries, e => e.Level == LogLevel.Warning);

        File.WriteAllText(RulesPath, Rules("motor"));
        time.Advance(TimeSpan.FromMilliseconds(500));
        time.Advance(TimeSpan.FromMilliseconds(250));

        Assert.Equal(1, watcher.Current!.InstanceCount);
    }

    [Fact]
    public void Watcher_Disposed_StopsReloading()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UnixEpoch);
        File.WriteAllText(RulesPath, Rules("pump"));
        var watcher = CreateWatcher(time, useFileSystemWatcher: false);
        watcher.Start();
        watcher.Dispose();

        File.WriteAllText(RulesPath, Rules("motor"));
        time.Advance(TimeSpan.FromSeconds(2));

        Assert.Equal(2, watcher.Current!.InstanceCount);
        Assert.Equal(1, ReloadCount);
    }
}
