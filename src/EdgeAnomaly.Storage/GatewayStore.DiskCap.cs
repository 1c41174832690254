using System.Globalization;

namespace EdgeAnomaly.Storage;

/// <summary>
/// The disk cap. <see cref="StoreOptions.MaxDiskBytes"/> is split into a WAL budget (a quarter, 256 KiB..64 MiB)
/// and a main-file budget (the rest). Before every write the store projects both sizes after the write and
/// makes room first: checkpoint(TRUNCATE) for the WAL; for the main file, freed pages are reused, and when
/// they do not suffice data is evicted in this order (also in docs/storage.md):
/// <list type="number">
/// <item>readings history, oldest blocks first;</item>
/// <item>events whose latest revision is delivered, closed before open, least recently updated first;</item>
/// <item>only when nothing else remains: unsent events, info before warning before critical, oldest first.</item>
/// </list>
/// Every eviction is counted in <see cref="Core.Diagnostics.GatewayCounters"/>.
/// </summary>
public sealed partial class GatewayStore
{
    private const int MaxRoomRounds = 10_000;

    /// <summary>Pages a transaction touches besides the new ones: b-tree paths, indexes, pointer-map and header pages.</summary>
    private static long DirtyPages(long newPages, int rows) => (newPages * 2) + (rows * 3L) + 16;

    /// <summary>Makes room for a write adding about <paramref name="newBytes"/> in <paramref name="rows"/> rows. Caller holds the lock.</summary>
    private void EnsureRoom(long newBytes, int rows)
    {
        var newPages = ((newBytes + (newBytes / 4)) / PageSize) + 2 + (rows / 8);
        var walNeed = 32 + (DirtyPages(newPages, rows) * WalFrameBytes);
        var budgetPages = _mainBudget / PageSize;
        for (var round = 0; round < MaxRoomRounds; round++)
        {
            EnsureWal(walNeed);
            var pageCount = Pragma("page_count");
            var free = Pragma("freelist_count");
            var live = pageCount - free;
            var mainAfter = Math.Max(FileLength(_options.Path), Math.Max(pageCount, live + newPages) * PageSize);
            if (mainAfter <= _mainBudget)
            {
                return;
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
            var excessBytes = Math.Max(PageSize, (live + newPages - budgetPages) * PageSize);
            if (!EvictSome(excessBytes))
            {
                return; // nothing evictable is left: the write goes ahead (only possible with a tiny cap)
            }
        }
    }

    /// <summary>Checkpoints (TRUNCATE) when the WAL plus this transaction's frames would pass the WAL budget.</summary>
    private void EnsureWal(long walNeed)
    {
        var wal = FileLength(_walPath);
        if (wal > 0 && wal + walNeed > _walBudget)
        {
            Checkpoint();
        }
    }

    /// <summary>Deletes never grow the main file; only their WAL frames need room (at most every page once).</summary>
    private void EnsureDeleteWal(int rows) =>
        EnsureWal(Math.Min(DirtyPages(0, rows), Pragma("page_count") + 16) * WalFrameBytes);

    private void Checkpoint()
    {
        using var cmd = _db.CreateCommand();
        cmd.CommandText = "PRAGMA wal_checkpoint(TRUNCATE)";
        using var r = cmd.ExecuteReader();
        while (r.Read())
        {
        }
    }

    /// <summary>Returns free pages to the file system in WAL-sized steps, then truncates WAL and main file.</summary>
    private void Vacuum()
    {
        var step = Math.Max(8, _walBudget / WalFrameBytes / 4);
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

    /// <summary>Evicts the next chunk in eviction order (about <paramref name="bytes"/>). False when nothing is left.</summary>
    private bool EvictSome(long bytes)
    {
        EnsureWal(DirtyPages(0, 64) * WalFrameBytes);
        return EvictReadingBlocks(bytes) || EvictDeliveredEvents(bytes) || EvictUnsentEvents(bytes);
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
            var p = delete.Parameters.Add(new Microsoft.Data.Sqlite.SqliteParameter { ParameterName = "$id" });
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
            var po = deleteOutbox.Parameters.Add(new Microsoft.Data.Sqlite.SqliteParameter { ParameterName = "$id" });
            var pe = deleteEvent.Parameters.Add(new Microsoft.Data.Sqlite.SqliteParameter { ParameterName = "$id" });
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
