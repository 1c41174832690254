using System.Globalization;
using Microsoft.Data.Sqlite;

namespace EdgeAnomaly.Storage;

/// <summary>
/// The disk cap. The effective cap is min(<see cref="StoreOptions.MaxDiskBytes"/>, current files + the file system's
/// free space - <see cref="StoreOptions.FreeSpaceReserveBytes"/>), split into a WAL budget (a quarter, 256 KiB..64 MiB)
/// and a main-file budget (the rest). Before every write the store projects both sizes after the write and makes room
/// first: a checkpoint for the WAL (TRUNCATE once it is over its budget); for the main file, freed pages are reused,
/// and when they do not suffice data is evicted in this order (also in docs/storage.md):
/// <list type="number">
/// <item>readings history, oldest blocks first;</item>
/// <item>events whose latest revision is delivered, closed before open, least recently updated first;</item>
/// <item>only when nothing else remains, and only for a new event under the configured cap: unsent events, info
/// before warning before critical, oldest first.</item>
/// </list>
/// New readings never evict an unsent event: they are dropped and counted instead. When the free space (not the
/// configured cap) is what limits the store, unsent events are never evicted either: an event commit that still has
/// no room goes ahead into the reserve, and a commit that fails for lack of space evicts more and retries
/// (<see cref="StoreFullException"/> when it still cannot be written). Every eviction and drop is counted in
/// <see cref="Core.Diagnostics.GatewayCounters"/>.
/// </summary>
public sealed partial class GatewayStore
{
    private const int MaxRoomRounds = 10_000;

    /// <summary>The smallest WAL budget (also when the free space is nearly gone): room for a few transactions.</summary>
    private const long MinWalBudget = 256 * 1024;

    /// <summary>
    /// Free space an event commit leaves when it goes into the reserve: SQLite's -shm index grows in 32 KiB steps and
    /// must be able to, or even reads fail.
    /// </summary>
    private const long EventFloorBytes = 256 * 1024;

    /// <summary>Rounds of "checkpoint, evict, retry" for an event commit that failed for lack of space.</summary>
    private const int MaxDiskFullRetries = 8;

    private const int SqliteFull = 13;
    private const int SqliteIoErr = 10;

    private DriveInfo? _drive;
    private long _walBudgetNow;
    private volatile bool _diskFull;

    /// <summary>
    /// True while the file system's free space, not <see cref="StoreOptions.MaxDiskBytes"/>, limits the store: a write
    /// had to evict or drop because of free space, or failed for lack of it. Cleared once the free space is back above
    /// the reserve with room for two WAL budgets (checked on every write and by <see cref="MaintainDisk"/>).
    /// </summary>
    public bool DiskFull => _diskFull;

    /// <summary>The WAL budget in force (a quarter of the effective cap, at most a quarter of the configured cap).</summary>
    public long WalBudgetBytes => _walBudgetNow > 0 ? _walBudgetNow : _walBudget;

    /// <summary>Pages a transaction touches besides the new ones: b-tree paths, indexes, pointer-map and header pages.</summary>
    private static long DirtyPages(long newPages, int rows) => (newPages * 2) + (rows * 3L) + 16;

    /// <summary>Bytes the file system lets us write (statvfs of the database's directory); huge when unknown.</summary>
    private long AvailableDiskBytes()
    {
        try
        {
            _drive ??= new DriveInfo(System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(_options.Path)) ?? "/");
            return _drive.AvailableFreeSpace;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException)
        {
            return long.MaxValue / 4;
        }
    }

    /// <summary>
    /// Opening a WAL file creates its -shm index (32 KiB), which a full file system refuses, and the open would fail.
    /// With no -shm left from before and almost no space, the connection keeps the index in its own memory instead
    /// (exclusive locking: other processes, e.g. the CLI, cannot read the file until the gateway restarts with space).
    /// Called before the first access to the file.
    /// </summary>
    private void UseHeapWalIndexIfNoRoom()
    {
        if (File.Exists(_options.Path + "-shm") || AvailableDiskBytes() >= EventFloorBytes)
        {
            return;
        }
        using var cmd = _db.CreateCommand();
        cmd.CommandText = "PRAGMA locking_mode=EXCLUSIVE";
        cmd.ExecuteNonQuery();
        _diskFull = true;
        OpenedExclusive = true;
    }

    /// <summary>True when the file was opened with its WAL index in memory because the disk was full (see docs/storage.md).</summary>
    public bool OpenedExclusive { get; private set; }

    /// <summary>
    /// min(configured cap, files + free space - reserve); <paramref name="limitedBySpace"/> says which one it is.
    /// Also sets the WAL budget in force. Caller holds the lock.
    /// </summary>
    private long EffectiveCap(out bool limitedBySpace)
    {
        var main = FileLength(_options.Path);
        var byDisk = main + FileLength(_walPath) + AvailableDiskBytes() - _options.FreeSpaceReserveBytes;
        limitedBySpace = byDisk < _options.MaxDiskBytes;
        if (!limitedBySpace)
        {
            _walBudgetNow = _walBudget;
            return _options.MaxDiskBytes;
        }
        // The WAL may not grow past what the main file leaves of the effective cap (it is not shrunk to make room).
        _walBudgetNow = Math.Clamp(Math.Min(byDisk / 4, byDisk - main), MinWalBudget, _walBudget);
        return byDisk;
    }

    /// <summary>
    /// Makes room for a write adding about <paramref name="newBytes"/> in <paramref name="rows"/> rows. Caller holds the
    /// lock. Returns false when a readings write (<paramref name="forEvents"/> false) should be dropped: nothing but
    /// unsent events is left to evict. An event write always goes ahead (under the configured cap it may evict unsent
    /// events of lower severity first; when the free space limits the store it never does).
    /// </summary>
    private bool EnsureRoom(long newBytes, int rows, bool forEvents)
    {
        var newPages = ((newBytes + (newBytes / 4)) / PageSize) + 2 + (rows / 8);
        var walNeed = 32 + (DirtyPages(newPages, rows) * WalFrameBytes);
        for (var round = 0; round < MaxRoomRounds; round++)
        {
            var cap = EffectiveCap(out var limitedBySpace);
            EnsureWal(walNeed);
            var pageCount = Pragma("page_count");
            var free = Pragma("freelist_count");
            var live = pageCount - free;
            long excessPages;
            if (limitedBySpace)
            {
                // The file system is the limit: the file may not grow past its share of the effective cap, but it is
                // not shrunk either (that needs WAL space, and freed pages are reused by the next write).
                var budgetPages = Math.Max(0, cap - WalBudgetBytes) / PageSize;
                var allowedPages = Math.Max(pageCount, budgetPages);
                if (live + newPages <= allowedPages)
                {
                    if (round == 0)
                    {
                        NoteSpaceMayBeBack();
                    }
                    return true;
                }
                _diskFull = true;
                excessPages = live + newPages - allowedPages;
            }
            else
            {
                var budgetPages = _mainBudget / PageSize;
                var mainAfter = Math.Max(FileLength(_options.Path), Math.Max(pageCount, live + newPages) * PageSize);
                if (mainAfter <= _mainBudget)
                {
                    if (round == 0)
                    {
                        NoteSpaceMayBeBack();
                    }
                    return true;
                }
                if (live + newPages <= budgetPages && free > 0)
                {
                    // Enough free pages inside, but the file itself is too long (cap lowered, big delete): shrink it.
                    Vacuum();
                    if (FileLength(_options.Path) < mainAfter)
                    {
                        continue;
                    }
                }
                excessPages = live + newPages - budgetPages;
            }
            var excessBytes = Math.Max(PageSize, excessPages * PageSize);
            if (!EvictSome(excessBytes, allowUnsent: forEvents && !limitedBySpace))
            {
                // Nothing the write may evict is left. An event goes ahead (into the reserve when the free space is the
                // limit; past the cap only when a single write is bigger than the cap); readings are dropped.
                return forEvents;
            }
        }
        return forEvents;
    }

    /// <summary>Checkpoints when the WAL plus this transaction's frames would pass the WAL budget.</summary>
    /// <remarks>
    /// Within its budget the WAL is checkpointed with RESTART: the next transaction rewrites the file from its start, so
    /// the bytes it already holds stay allocated to us (on a full disk they are what lets an event still be written).
    /// Past its budget (a smaller budget now, a checkpoint that failed before) it is truncated.
    /// </remarks>
    private void EnsureWal(long walNeed)
    {
        var wal = FileLength(_walPath);
        var budget = WalBudgetBytes;
        if (wal > 0 && wal + walNeed > budget)
        {
            Checkpoint(truncate: wal > budget || walNeed > budget);
        }
    }

    /// <summary>Deletes never grow the main file; only their WAL frames need room (at most every page once).</summary>
    private void EnsureDeleteWal(int rows) =>
        EnsureWal(Math.Min(DirtyPages(0, rows), Pragma("page_count") + 16) * WalFrameBytes);

    private void Checkpoint(bool truncate = true)
    {
        using var cmd = _db.CreateCommand();
        cmd.CommandText = truncate ? "PRAGMA wal_checkpoint(TRUNCATE)" : "PRAGMA wal_checkpoint(RESTART)";
        using var r = cmd.ExecuteReader();
        while (r.Read())
        {
        }
    }

    /// <summary>
    /// Housekeeping for a periodic caller (the pipeline's 1 s tick): re-reads the free space, truncates a WAL that is
    /// over its budget (also after a checkpoint that failed for lack of space) and clears <see cref="DiskFull"/> once
    /// space is back. Never throws for a full disk.
    /// </summary>
    public void MaintainDisk()
    {
        lock (_gate)
        {
            ThrowIfDisposed();
            EffectiveCap(out _);
            try
            {
                if (FileLength(_walPath) > WalBudgetBytes)
                {
                    Checkpoint(truncate: true);
                }
            }
            catch (SqliteException ex) when (IsDiskFull(ex))
            {
                DiskWriteFailed();
            }
            NoteSpaceMayBeBack();
        }
    }

    /// <summary>SQLITE_FULL, or an I/O error while the file system has (almost) no free space (e.g. the -shm could not grow).</summary>
    private bool IsDiskFull(SqliteException ex) =>
        ex.SqliteErrorCode == SqliteFull || (ex.SqliteErrorCode == SqliteIoErr && AvailableDiskBytes() < 2 * EventFloorBytes);

    private void DiskWriteFailed()
    {
        _diskFull = true;
        _counters.AddDiskWriteFailure();
    }

    private void NoteSpaceMayBeBack()
    {
        if (_diskFull && AvailableDiskBytes() >= _options.FreeSpaceReserveBytes + (2 * WalBudgetBytes))
        {
            _diskFull = false;
        }
    }

    /// <summary>
    /// After a write failed for lack of space: truncates the WAL (its bytes go back to the file system), then evicts
    /// readings history, else delivered events (never unsent ones). False when nothing could be freed or the retries
    /// are used up. Caller holds the lock.
    /// </summary>
    private bool FreeSpaceAfterFailure(int attempt, long bytes)
    {
        DiskWriteFailed();
        if (attempt >= MaxDiskFullRetries)
        {
            return false;
        }
        var freed = false;
        try
        {
            var before = FileLength(_walPath);
            Checkpoint(truncate: true);
            freed = FileLength(_walPath) < before;
        }
        catch (SqliteException ex) when (IsDiskFull(ex))
        {
            _counters.AddDiskWriteFailure();
        }
        try
        {
            var chunk = Math.Max(4 * bytes, 256 * 1024);
            freed |= EvictReadingBlocks(chunk) || EvictDeliveredEvents(chunk);
        }
        catch (SqliteException ex) when (IsDiskFull(ex))
        {
            _counters.AddDiskWriteFailure();
        }
        return freed;
    }

    /// <summary>
    /// Runs a delete-only write (acknowledgements); on a full disk truncates the WAL and tries once more, then gives up
    /// quietly: returns <paramref name="failed"/> (the rows stay and are sent again, which consumers deduplicate).
    /// Caller holds the lock.
    /// </summary>
    private int DeleteWithDiskFullRetry(Func<int> delete, int failed)
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                return delete();
            }
            catch (SqliteException ex) when (IsDiskFull(ex))
            {
                DiskWriteFailed();
                if (attempt > 0)
                {
                    return failed;
                }
                try
                {
                    Checkpoint(truncate: true);
                }
                catch (SqliteException again) when (IsDiskFull(again))
                {
                    _counters.AddDiskWriteFailure();
                    return failed;
                }
            }
        }
    }

    /// <summary>Returns free pages to the file system in WAL-sized steps, then truncates WAL and main file.</summary>
    private void Vacuum()
    {
        var step = Math.Max(8, WalBudgetBytes / WalFrameBytes / 4);
        for (var i = 0; i < 10_000; i++)
        {
            var free = Pragma("freelist_count");
            if (free == 0)
            {
                break;
            }
            EnsureWal((Math.Min(free, step) * 2 * WalFrameBytes) + (16 * WalFrameBytes));
            using var cmd = _db.CreateCommand();
            cmd.CommandText = "PRAGMA incremental_vacuum(" + Math.Min(free, step).ToString(CultureInfo.InvariantCulture) + ")";
            using (var r = cmd.ExecuteReader())
            {
                while (r.Read())
                {
                }
            }
        }
        Checkpoint();
    }

    internal long PragmaForTests(string name)
    {
        lock (_gate)
        {
            return Pragma(name);
        }
    }

    private long Pragma(string name)
    {
        using var cmd = _db.CreateCommand();
        cmd.CommandText = "PRAGMA " + name;
        return Convert.ToInt64(cmd.ExecuteScalar() ?? 0L, CultureInfo.InvariantCulture);
    }

    /// <summary>
    /// Evicts the next chunk in eviction order (about <paramref name="bytes"/>); unsent events only when
    /// <paramref name="allowUnsent"/>. False when nothing it may evict is left.
    /// </summary>
    private bool EvictSome(long bytes, bool allowUnsent)
    {
        EnsureWal(DirtyPages(0, 64) * WalFrameBytes);
        return EvictReadingBlocks(bytes) || EvictDeliveredEvents(bytes) || (allowUnsent && EvictUnsentEvents(bytes));
    }

    private bool EvictReadingBlocks(long bytes)
    {
        long maxId = -1, readings = 0, freed = 0;
        using (var select = _db.CreateCommand())
        {
            select.CommandText = "SELECT id, count, length(data) FROM blocks ORDER BY id LIMIT 256";
            using var r = select.ExecuteReader();
            while (r.Read() && (maxId < 0 || freed < bytes))
            {
                maxId = r.GetInt64(0);
                readings += r.GetInt64(1);
                freed += r.GetInt64(2) + 64;
            }
        }
        if (maxId < 0)
        {
            return false;
        }
        using (var delete = _db.CreateCommand())
        {
            delete.CommandText = "DELETE FROM blocks WHERE id <= $max";
            delete.Parameters.AddWithValue("$max", maxId);
            delete.ExecuteNonQuery();
        }
        _counters.AddEvictedReadings(readings);
        return true;
    }

    private bool EvictDeliveredEvents(long bytes)
    {
        if (!_deliveredMayExist)
        {
            return false;
        }
        var ids = new List<string>();
        long freed = 0;
        using (var select = _db.CreateCommand())
        {
            select.CommandText = $"""
                SELECT id, length(payload) FROM events
                WHERE {DeliveredColumn}
                ORDER BY state DESC, updated_ms, id LIMIT 64
                """;
            using var r = select.ExecuteReader();
            while (r.Read() && (ids.Count == 0 || freed < bytes))
            {
                ids.Add(r.GetString(0));
                freed += r.GetInt64(1) + 128;
            }
        }
        if (ids.Count == 0)
        {
            _deliveredMayExist = false;
            return false;
        }
        using var tx = _db.BeginTransaction();
        using (var delete = _db.CreateCommand())
        {
            delete.Transaction = tx;
            delete.CommandText = "DELETE FROM events WHERE id=$id";
            var p = delete.Parameters.Add(new SqliteParameter { ParameterName = "$id" });
            foreach (var id in ids)
            {
                p.Value = id;
                delete.ExecuteNonQuery();
            }
        }
        tx.Commit();
        _counters.AddEvictedEvents(ids.Count);
        return true;
    }

    private bool EvictUnsentEvents(long bytes)
    {
        var ids = new List<string>();
        long freed = 0;
        using (var select = _db.CreateCommand())
        {
            select.CommandText = "SELECT event_id, length(payload) FROM outbox ORDER BY severity, seq LIMIT 64";
            using var r = select.ExecuteReader();
            while (r.Read() && (ids.Count == 0 || freed < bytes))
            {
                var id = r.GetString(0);
                if (!ids.Contains(id))
                {
                    ids.Add(id);
                }
                freed += (2 * r.GetInt64(1)) + 256;
            }
        }
        if (ids.Count == 0)
        {
            // No outbox row, yet events remain (the delivered scan found none): evict the oldest as delivered ones.
            using var orphan = _db.CreateCommand();
            orphan.CommandText = "DELETE FROM events WHERE id IN (SELECT id FROM events ORDER BY updated_ms LIMIT 16)";
            var n = orphan.ExecuteNonQuery();
            _counters.AddEvictedEvents(n);
            return n > 0;
        }
        long rows = 0;
        using var tx = _db.BeginTransaction();
        using (var deleteOutbox = _db.CreateCommand())
        using (var deleteEvent = _db.CreateCommand())
        {
            deleteOutbox.Transaction = tx;
            deleteEvent.Transaction = tx;
            deleteOutbox.CommandText = "DELETE FROM outbox WHERE event_id=$id";
            deleteEvent.CommandText = "DELETE FROM events WHERE id=$id";
            var po = deleteOutbox.Parameters.Add(new SqliteParameter { ParameterName = "$id" });
            var pe = deleteEvent.Parameters.Add(new SqliteParameter { ParameterName = "$id" });
            foreach (var id in ids)
            {
                po.Value = id;
                pe.Value = id;
                rows += deleteOutbox.ExecuteNonQuery();
                deleteEvent.ExecuteNonQuery();
            }
        }
        tx.Commit();
        Interlocked.Add(ref _pending, -rows);
        _counters.AddEvictedEvents(ids.Count);
        return true;
    }
}
