using EdgeAnomaly.Contracts;
using EdgeAnomaly.Core.Diagnostics;
using EdgeAnomaly.Core.Events;
using Microsoft.Data.Sqlite;

namespace EdgeAnomaly.Storage;

/// <summary>The daemon's way in: the start-up check, and the salvage of a damaged file into a new one.</summary>
public sealed partial class GatewayStore
{
    /// <summary>Rows read from a damaged file per query (and written per transaction).</summary>
    private const int SalvageBatch = 256;

    /// <summary>What the start-up check found; null when the store was opened without it (CLI commands, tests).</summary>
    public StoreStartupReport? StartupReport { get; private set; }

    /// <summary>
    /// Checks the file (<see cref="StoreStartupCheck"/>), moves a damaged or unexpectedly empty one aside, opens the
    /// store (a new file when the old one was set aside), salvages events and unsent revisions from the damaged file
    /// and writes the marker. The caller reports <see cref="StartupReport"/> (log, health, a storage event).
    /// </summary>
    public static GatewayStore OpenChecked(StoreOptions options, GatewayCounters counters, TimeProvider? time = null, TimeSpan? checkBudget = null)
    {
        time ??= TimeProvider.System;
        var report = StoreStartupCheck.CheckAndSetAside(options.Path, checkBudget ?? StoreStartupCheck.DefaultBudget, time);
        GatewayStore store;
        try
        {
            store = new GatewayStore(options, counters, time);
        }
        catch (SqliteException e) when (StoreStartupCheck.IsCorruption(e) && report.MovedTo is null)
        {
            // Passed (or outran) the check but a read while opening failed: the same treatment as a failed check.
            report = StoreStartupCheck.SetAsideAfterOpenFailure(options.Path, e, time);
            store = new GatewayStore(options, counters, time);
        }
        try
        {
            if (report.Status == StoreCheckStatus.Recovered && report.MovedTo is { } moved && HasBytes(moved))
            {
                report = store.SalvageFrom(moved, report);
            }
            StoreStartupCheck.WriteMarker(options.Path, time);
            store.StartupReport = report;
            return store;
        }
        catch
        {
            store.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Copies the events and the unsent outbox rows (in their order) that can still be read from the damaged file,
    /// row by row: a row that fails to read or does not decode is skipped, and reading goes on after it.
    /// Outbox rows keep their payload bytes, so what central receives is identical to what was stored.
    /// </summary>
    private StoreStartupReport SalvageFrom(string damagedPath, StoreStartupReport report)
    {
        SqliteConnection source;
        try
        {
#pragma warning disable CA2000 // Disposed by the using block right after the catch.
            source = OpenDamaged(damagedPath);
#pragma warning restore CA2000
        }
        catch (SqliteException e)
        {
            return report with { Detail = report.Detail + "; salvage: cannot open the moved file: " + e.Message };
        }
        long events = 0, revisions = 0, skipped = 0;
        using (source)
        {
            skipped += CopyReadable(source, "events", "rowid", outbox: false, ref events);
            skipped += CopyReadable(source, "outbox", "seq", outbox: true, ref revisions);
        }
        lock (_gate)
        {
            Interlocked.Exchange(ref _pending, ScalarLong("SELECT count(*) FROM outbox"));
        }
        var detail = _salvageError is null ? report.Detail : report.Detail + "; first unreadable rows: " + _salvageError;
        return report with { Detail = detail, SalvagedEvents = events, SalvagedRevisions = revisions, SkippedRows = skipped };
    }

    private string? _salvageError;

    /// <summary>A 0-byte file without a -wal holds nothing to read.</summary>
    private static bool HasBytes(string moved) =>
        new FileInfo(moved) is { Exists: true, Length: > 0 } || new FileInfo(moved + "-wal") is { Exists: true, Length: > 0 };

    private static SqliteConnection OpenDamaged(string path)
    {
        // Read-only keeps the moved files as they are; without its -shm a WAL file needs a writable connection.
        foreach (var mode in (ReadOnlySpan<SqliteOpenMode>)[SqliteOpenMode.ReadOnly, SqliteOpenMode.ReadWrite])
        {
            var db = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Mode = mode, Pooling = false }.ToString());
            try
            {
                db.Open();
                using var cmd = db.CreateCommand();
                // Lets SQLite read a file shorter than its header says (cut off) instead of refusing it as corrupt.
                cmd.CommandText = "PRAGMA writable_schema=ON";
                cmd.ExecuteNonQuery();
                cmd.CommandText = "SELECT 1 FROM sqlite_master LIMIT 1";
                cmd.ExecuteScalar();
                return db;
            }
            catch (SqliteException) when (mode == SqliteOpenMode.ReadOnly)
            {
                db.Dispose();
            }
            catch
            {
                db.Dispose();
                throw;
            }
        }
        throw new InvalidOperationException("unreachable");
    }

    /// <summary>
    /// Reads <paramref name="table"/> in key order, <see cref="SalvageBatch"/> rows per query, and imports each batch in
    /// one transaction. When a read fails (a damaged page), reading restarts after the last good key plus a gap that
    /// doubles until a read succeeds or the largest key is passed. Returns the keys jumped over plus the rows that
    /// read but did not decode (an upper bound of the rows lost). A failure to WRITE the new file is not caught.
    /// </summary>
    private long CopyReadable(SqliteConnection source, string table, string key, bool outbox, ref long imported)
    {
        // Keys are positive (rowid, AUTOINCREMENT seq); when even max() fails, 2^40 bounds the doubling to ~40 reads.
        var knownMax = TryScalar(source, $"SELECT max({key}) FROM {table}");
        var maxKey = knownMax ?? 1L << 40;
        var columns = outbox ? "payload, event_id, rev, created_ms" : "payload, id, rev, 0";
        long after = 0;
        long gap = 1;
        long skipped = 0;
        var rows = new List<SalvagedRow>(SalvageBatch);
        using var cmd = source.CreateCommand();
        cmd.CommandText = $"SELECT {key}, {columns} FROM {table} WHERE {key} > $after ORDER BY {key} LIMIT {SalvageBatch}";
        var afterParameter = cmd.Parameters.Add("$after", SqliteType.Integer);
        while (after < maxKey)
        {
            rows.Clear();
            var failed = false;
            afterParameter.Value = after;
            try
            {
                using var r = cmd.ExecuteReader();
                while (r.Read())
                {
                    after = r.GetInt64(0);
                    rows.Add(ReadSalvagedRow(r));
                }
            }
            catch (SqliteException e)
            {
                failed = true;
                _salvageError ??= $"{table} after key {after}: {e.Message}";
            }
            foreach (var row in rows)
            {
                if (row.Payload is null)
                {
                    skipped++;
                }
            }
            imported += ImportSalvaged(rows, outbox);
            if (failed)
            {
                // Keys in (after, after + gap] are given up on; the gap grows so a large damaged range costs few reads.
                // Without a known largest key (its page is damaged too) the keys given up on are not a row count.
                skipped += knownMax is null ? 0 : Math.Min(gap, Math.Max(0, maxKey - after));
                after += gap;
                gap *= 2;
                continue;
            }
            if (rows.Count < SalvageBatch)
            {
                break;
            }
            gap = 1;
        }
        return skipped;
    }

    private readonly record struct SalvagedRow(byte[]? Payload, GatewayEvent? Event, long CreatedMs);

    /// <summary>One row of the damaged file, or a row without payload when its bytes were damaged but still read.</summary>
    private static SalvagedRow ReadSalvagedRow(SqliteDataReader r)
    {
        try
        {
            var payload = r.GetFieldValue<byte[]>(1);
            var e = EventJson.Deserialize(payload);
            // The columns beside the payload must agree with it: garbage that happens to parse is not sent upstream.
            return e.Id == r.GetString(2) && e.Revision == r.GetInt64(3) ? new SalvagedRow(payload, e, r.GetInt64(4)) : default;
        }
        catch (Exception e) when (e is not SqliteException)
        {
            return default;
        }
    }

    /// <summary>
    /// Events rows: upserted (their payload is the latest revision). Outbox rows: re-queued with their payload bytes
    /// in their old order, and their event row is rebuilt from them when it was lost.
    /// </summary>
    private long ImportSalvaged(List<SalvagedRow> rows, bool outbox)
    {
        long imported = 0;
        lock (_gate)
        {
            using var tx = _db.BeginTransaction();
            _upsertEvent.Transaction = tx;
            _insertOutbox.Transaction = tx;
            try
            {
                foreach (var row in rows)
                {
                    if (row is not { Payload: { } payload, Event: { } e })
                    {
                        continue;
                    }
                    UpsertSalvagedEvent(e, payload);
                    if (outbox)
                    {
                        var o = _insertOutbox.Parameters;
                        o[0].Value = e.Id;
                        o[1].Value = e.Revision;
                        o[2].Value = e.Asset;
                        o[3].Value = (int)e.Severity;
                        o[4].Value = payload;
                        o[5].Value = row.CreatedMs;
                        _insertOutbox.ExecuteNonQuery();
                    }
                    imported++;
                }
                tx.Commit();
            }
            finally
            {
                _upsertEvent.Transaction = null;
                _insertOutbox.Transaction = null;
            }
        }
        return imported;
    }

    /// <summary>Same statement as a commit: an existing row with the same or a newer revision is kept.</summary>
    private void UpsertSalvagedEvent(GatewayEvent e, byte[] payload) => UpsertEvent(e, payload);

    /// <summary>The events upsert of a commit and of a salvage; returns 0 when the same or a newer revision is stored.</summary>
    private int UpsertEvent(GatewayEvent e, byte[] payload)
    {
        var p = _upsertEvent.Parameters;
        p[0].Value = e.Id;
        p[1].Value = e.Asset;
        p[2].Value = (int)e.Kind;
        p[3].Value = (int)e.Severity;
        p[4].Value = (int)e.State;
        p[5].Value = e.StartMs;
        p[6].Value = e.EndMs is { } end ? end : DBNull.Value;
        p[7].Value = e.Revision;
        p[8].Value = payload;
        p[9].Value = e.UpdatedMs;
        return _upsertEvent.ExecuteNonQuery();
    }

    private static long? TryScalar(SqliteConnection db, string sql)
    {
        try
        {
            using var cmd = db.CreateCommand();
            cmd.CommandText = sql;
            return cmd.ExecuteScalar() is long value ? value : null;
        }
        catch (SqliteException)
        {
            return null;
        }
    }
}
