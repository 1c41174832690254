using EdgeAnomaly.Core.Readings;
using EdgeAnomaly.Core.Tags;
using EdgeAnomaly.Core.Diagnostics;
using Microsoft.Extensions.Logging;

namespace EdgeAnomaly.Rules;

/// <summary>
/// Reloads the rules file when it changes: a FileSystemWatcher on its folder (so a rename-replace by an
/// editor is seen) plus polling of mtime and size every 500 ms in case inotify is unavailable or misses it.
/// Either signal arms a 200 ms debounce; then the file is read and loaded by <see cref="RulesLoader"/>. Success raises
/// <c>onReloaded</c> with the new engine; failure logs "file:line:col: reason", counts it, and keeps the
/// current engine. A reload that would leave fewer rule instances than the rules in force is refused the same way
/// unless the file says <c>allow_fewer_instances: true</c> (a tag typo or a deleted rule must not silently stop
/// detection). Identical content is not reloaded twice. The initial load in <see cref="Start"/> follows the same
/// path (and also raises <c>onReloaded</c>).
/// </summary>
public sealed class RulesFileWatcher : IDisposable
{
    public static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(500);
    public static readonly TimeSpan Debounce = TimeSpan.FromMilliseconds(200);

    private readonly string _path;
    private readonly TagRegistry _registry;
    private readonly TagValues _values;
    private readonly Action<RuleEngine> _onReloaded;
    private readonly Action? _onRefused;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly bool _useFileSystemWatcher;
    private readonly Lock _gate = new();

    private FileSystemWatcher? _watcher;
    private ITimer? _pollTimer;
    private ITimer? _debounceTimer;
    private (DateTime Mtime, long Length, bool Exists) _lastSeen;
    private string? _lastAttemptedText;
    private bool _missingLogged;
    private volatile RuleEngine? _current;
    private long _reloadFailures;
    private long _reloads;
    private bool _disposed;

    /// <param name="onRefused">Called (on the watcher's thread) for each refused load, e.g. to count it in health.</param>
    public RulesFileWatcher(string path, TagRegistry registry, TagValues values, Action<RuleEngine> onReloaded, ILogger logger, TimeProvider time, Action? onRefused = null)
        : this(path, registry, values, onReloaded, logger, time, useFileSystemWatcher: true, onRefused)
    {
    }

    /// <summary>Tests turn the FileSystemWatcher off to drive polling alone with a fake clock.</summary>
    internal RulesFileWatcher(string path, TagRegistry registry, TagValues values, Action<RuleEngine> onReloaded, ILogger logger, TimeProvider time,
        bool useFileSystemWatcher, Action? onRefused = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        ArgumentNullException.ThrowIfNull(registry);
        ArgumentNullException.ThrowIfNull(values);
        _path = Path.GetFullPath(path);
        _registry = registry;
        _values = values;
        _onReloaded = onReloaded;
        _onRefused = onRefused;
        _logger = logger;
        _time = time;
        _useFileSystemWatcher = useFileSystemWatcher;
    }

    /// <summary>The engine of the last file that loaded, or null if none has yet.</summary>
    public RuleEngine? Current => _current;

    /// <summary>Loads that were refused (parse or compile errors, unknown tags, fewer instances without consent); the previous engine stayed in force each time.</summary>
    public long ReloadFailures => Interlocked.Read(ref _reloadFailures);

    /// <summary>Successful loads, the initial one included.</summary>
    public long Reloads => Interlocked.Read(ref _reloads);

    /// <summary>Loads the file now (synchronously), then starts watching it.</summary>
    public void Start()
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_pollTimer is not null)
            {
                return;
            }
            _lastSeen = Stat();
            LoadLocked();
            _debounceTimer = _time.CreateTimer(static s => ((RulesFileWatcher)s!).OnDebounced(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
            _pollTimer = _time.CreateTimer(static s => ((RulesFileWatcher)s!).Poll(), this, PollInterval, PollInterval);
            if (_useFileSystemWatcher)
            {
                StartFileSystemWatcher();
            }
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _disposed = true;
            _watcher?.Dispose();
            _pollTimer?.Dispose();
            _debounceTimer?.Dispose();
        }
    }

    private void StartFileSystemWatcher()
    {
        var directory = Path.GetDirectoryName(_path)!;
        try
        {
            // Watch the folder, not the file: editors that save by writing a temp file and renaming it over
            // the original replace the inode, which a watch on the file itself would lose.
            var watcher = new FileSystemWatcher(directory, Path.GetFileName(_path))
            {
                NotifyFilter = NotifyFilters.LastWrite | NotifyFilters.Size | NotifyFilters.FileName | NotifyFilters.CreationTime,
            };
            watcher.Changed += OnFileEvent;
            watcher.Created += OnFileEvent;
            watcher.Renamed += OnFileEvent;
            watcher.Deleted += OnFileEvent;
            watcher.Error += (_, e) => Log.WatcherError(_logger, _path, e.GetException());
            watcher.EnableRaisingEvents = true;
            _watcher = watcher;
        }
        catch (Exception e) when (e is IOException or ArgumentException or PlatformNotSupportedException or UnauthorizedAccessException)
        {
            // Out of inotify watches, folder missing, ...: polling alone still applies edits within a second.
            Log.WatcherUnavailable(_logger, _path, e);
        }
    }

    private void OnFileEvent(object sender, FileSystemEventArgs e) => Arm();

    private void Poll()
    {
        var now = Stat();
        lock (_gate)
        {
            if (_disposed || now == _lastSeen)
            {
                return;
            }
            _lastSeen = now;
        }
        Arm();
    }

    private void Arm()
    {
        lock (_gate)
        {
            if (!_disposed)
            {
                _debounceTimer?.Change(Debounce, Timeout.InfiniteTimeSpan);
            }
        }
    }

    private void OnDebounced()
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }
            _lastSeen = Stat();
            LoadLocked();
        }
    }

    /// <summary>Reads and loads under the lock so reloads never overlap or reorder.</summary>
    private void LoadLocked()
    {
        string text;
        try
        {
            text = File.ReadAllText(_path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Missing mid-rename or briefly locked: the next signal or poll retries. Log once per absence.
            if (!_missingLogged)
            {
                Log.FileUnreadable(_logger, _path, e);
                _missingLogged = true;
            }
            return;
        }
        _missingLogged = false;
        if (string.Equals(text, _lastAttemptedText, StringComparison.Ordinal))
        {
            return;
        }
        _lastAttemptedText = text;
        RuleEngine engine;
        try
        {
            engine = RulesLoader.Load(text, _path, _registry, _values, _current);
        }
        catch (FewerRuleInstancesException e)
        {
            Refused();
            Log.FewerInstancesRefused(_logger, _path, e.Instances, e.InForce, e.FirstWarning);
            return;
        }
        catch (RuleFileException e)
        {
            Refused();
            Log.RulesInvalid(_logger, e.Message, _current is not null);
            return;
        }
        catch (Exception e)
        {
            Refused();
            Log.CompileFailed(_logger, _path, e);
            return;
        }
        foreach (var warning in engine.Warnings)
        {
            Log.RuleWarning(_logger, warning);
        }
        _current = engine;
        Interlocked.Increment(ref _reloads);
        Log.RulesLoaded(_logger, _path, engine.InstanceCount, engine.Warnings.Count);
        _onReloaded(engine);
    }

    private void Refused()
    {
        Interlocked.Increment(ref _reloadFailures);
        _onRefused?.Invoke();
    }

    private (DateTime Mtime, long Length, bool Exists) Stat()
    {
        try
        {
            var info = new FileInfo(_path);
            return info.Exists ? (info.LastWriteTimeUtc, info.Length, true) : default;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return default;
        }
    }
}

internal static partial class Log
{
    [LoggerMessage(EventId = LogEventIds.Rules.RulesLoaded, Level = LogLevel.Information, Message = "Rules loaded from {Path}: {Instances} rule instances, {Warnings} warnings")]
    public static partial void RulesLoaded(ILogger logger, string path, int instances, int warnings);

    [LoggerMessage(EventId = LogEventIds.Rules.RulesInvalid, Level = LogLevel.Error, Message = "Invalid rules file, not applied: {Error} (previous rules kept: {KeptPrevious})")]
    public static partial void RulesInvalid(ILogger logger, string error, bool keptPrevious);

    [LoggerMessage(EventId = LogEventIds.Rules.CompileFailed, Level = LogLevel.Error, Message = "Rules from {Path} could not be compiled; previous rules kept")]
    public static partial void CompileFailed(ILogger logger, string path, Exception exception);

    [LoggerMessage(EventId = LogEventIds.Rules.FewerInstancesRefused, Level = LogLevel.Error,
        Message = "Rules file {Path} not applied: it leaves {Instances} rule instances where {Previous} are in force (first warning: {Warning}); previous rules kept. If rules were removed on purpose, add 'allow_fewer_instances: true' at the top level of the file")]
    public static partial void FewerInstancesRefused(ILogger logger, string path, int instances, int previous, string warning);

    [LoggerMessage(EventId = LogEventIds.Rules.RuleWarning, Level = LogLevel.Warning, Message = "Rules: {Warning}")]
    public static partial void RuleWarning(ILogger logger, string warning);

    [LoggerMessage(EventId = LogEventIds.Rules.FileUnreadable, Level = LogLevel.Warning, Message = "Rules file {Path} cannot be read; current rules kept")]
    public static partial void FileUnreadable(ILogger logger, string path, Exception exception);

    [LoggerMessage(EventId = LogEventIds.Rules.WatcherUnavailable, Level = LogLevel.Warning, Message = "Cannot watch {Path} for changes; relying on polling")]
    public static partial void WatcherUnavailable(ILogger logger, string path, Exception exception);

    [LoggerMessage(EventId = LogEventIds.Rules.WatcherError, Level = LogLevel.Warning, Message = "File watcher for {Path} failed; relying on polling")]
    public static partial void WatcherError(ILogger logger, string path, Exception exception);
}
