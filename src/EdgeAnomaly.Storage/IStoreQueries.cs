namespace EdgeAnomaly.Storage;

/// <summary>
/// Read-only questions about what the store holds, for the CLI, health and a future HTTP API: stored events,
/// counts and disk figures. Nothing here writes, and nothing here resets a figure another reader relies on.
/// </summary>
public interface IStoreQueries
{
    /// <summary>Latest revisions, newest update first, optionally filtered.</summary>
    IReadOnlyList<StoredEvent> ListEvents(int limit, string? asset = null, Core.Events.EventState? state = null, long? sinceMs = null);

    /// <summary>The latest stored revision of one event, or null.</summary>
    StoredEvent? GetEvent(string id);

    /// <summary>Sizes and row counts (counts rows: not for a hot path).</summary>
    StoreStats GetStats();

    /// <summary>Revisions committed but not yet acknowledged upstream.</summary>
    long PendingCount { get; }

    /// <summary>Bytes on disk of the main file plus the -wal file.</summary>
    long DatabaseSizeBytes { get; }

    /// <summary>True while the file system's free space, not the configured cap, limits the store.</summary>
    bool DiskFull { get; }

    /// <summary>What the start-up check found (null for a store opened without it, e.g. by the CLI).</summary>
    StoreStartupReport? StartupReport { get; }
}
