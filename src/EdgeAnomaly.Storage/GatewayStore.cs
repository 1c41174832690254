using EdgeAnomaly.Contracts;
using EdgeAnomaly.Core.Diagnostics;
using EdgeAnomaly.Core.Events;
using EdgeAnomaly.Core.Readings;
using EdgeAnomaly.Core.Tags;
using EdgeAnomaly.Storage.Readings;
using Microsoft.Data.Sqlite;

namespace EdgeAnomaly.Storage;

/// <summary>
/// The gateway's durable state in one SQLite file (WAL): events with an outbox of revisions to send, and the
/// readings history as per-tag blocks. Details and guarantees: docs/storage.md.
/// <para>
/// Threading: ONE connection behind one lock. The pipeline (commit, append/flush) and the forwarder (read
/// pending, mark delivered) take turns; every critical section is a short transaction. A single connection
/// also means no reader of ours ever pins the WAL, so checkpoint(TRUNCATE) always completes and the disk cap
/// holds. <see cref="AppendReadings"/> and <see cref="FlushReadings"/> belong to the pipeline thread only
/// (the per-tag buffers are not locked; the database work inside them is).
/// </para>
/// <para>
/// Consumers see it through the interface they need: the pipeline <see cref="IEventCommitStore"/>,
/// <see cref="IReadingsRecorder"/> and <see cref="IStoreHousekeeping"/>; the forwarder <see cref="IEventOutbox"/>; a
/// trainer <see cref="IReadingsHistory"/>; health, the CLI and an API <see cref="IStoreQueries"/> (health also
/// <see cref="ICommitTimings"/>). Only whoever opens the file (the host, the CLI) holds the type itself.
/// </para>
/// </summary>
public sealed partial class GatewayStore : IEventCommitStore, IEventOutbox, IReadingsRecorder, IReadingsHistory, IStoreHousekeeping,
    IStoreQueries, ICommitTimings, IDisposable
{
    /// <summary>
    /// Page size of a new file. Every commit writes each page it touches in full to the WAL, and an event revision
    /// touches about a dozen pages (rows and indexes of events and outbox, committed and later marked delivered):
    /// 2 KiB pages halve those bytes against 4 KiB while an event row (about 1 KiB) still fits in one page.
    /// A file keeps the page size it was created with (<see cref="PageSize"/> is read from it).
    /// </summary>
    private const int NewFilePageSize = 2048;

    private readonly StoreOptions _options;
    private readonly GatewayCounters _counters;
    private readonly TimeProvider _time;
    private readonly SqliteConnection _db;
    private readonly Lock _gate = new();
    private readonly string _walPath;
    private readonly long _walBudget;
    private readonly long _mainBudget;
    private readonly int _pageSize;

    private readonly SqliteCommand _insertBlock;
    private readonly SqliteCommand _upsertEvent;
    private readonly SqliteCommand _insertOutbox;
    private readonly SqliteCommand _deleteOutbox;
    private readonly SqliteCommand _readOutbox;
    private readonly SqliteCommand _deleteRange;

    private long _pending;

    // False once an eviction scan found no delivered event; only an acknowledgement can make one (see
    // EvictDeliveredEvents), so with the central broker down the scan is not repeated on every write.
    private bool _deliveredMayExist = true;
    private long _maxBlockSpanMs;
    private long _lastRetentionMs = long.MinValue;
    private bool _disposed;

    // Per-tag reading buffers, allocated at a tag's first reading and doubled while it fills (up to the block
    // capacity): they settle at the size one flush interval needs, and then nothing is allocated per reading.
    private int _capacity;
    private TagBuffer?[] _buffers = [];
    private int[] _bufCount = [];
    private long[] _dbTagIds = [];
    private byte[] _encodeScratch = [];
    private readonly List<PendingBlock> _blocks = [];

    public GatewayStore(StoreOptions options, GatewayCounters counters, TimeProvider? time = null)
    {
        // Options are validated once, at start (the gateway's options validation); not again here.
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
        _counters = counters;
        _time = time ?? TimeProvider.System;
        _walPath = options.Path + "-wal";
        // The WAL gets a quarter of the cap (at most 64 MiB); the main file the rest. Each is enforced on its own.
        _walBudget = Math.Clamp(options.MaxDiskBytes / 4, 256 * 1024, 64 * StoreOptions.MiB);
        _mainBudget = options.MaxDiskBytes - _walBudget;

        var dir = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(options.Path));
        if (!string.IsNullOrEmpty(dir))
        {
            Directory.CreateDirectory(dir);
        }
        var cs = new SqliteConnectionStringBuilder
        {
            DataSource = options.Path,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = false,
        }.ToString();
        _db = new SqliteConnection(cs);
        _db.Open();
        try
        {
            UseHeapWalIndexIfNoRoom();
            // auto_vacuum and page_size only take effect before the first table exists, i.e. at creation. Not issued on
            // an existing file: setting auto_vacuum writes the header, which fails on a full disk.
            if (ScalarLong("SELECT count(*) FROM sqlite_master") == 0)
            {
                Exec($"PRAGMA page_size={NewFilePageSize}");
                Exec("PRAGMA auto_vacuum=INCREMENTAL");
            }
            Exec("PRAGMA journal_mode=WAL");
            Exec("PRAGMA busy_timeout=5000");
            Exec("PRAGMA synchronous=NORMAL");
            // Negative: a size in KiB rather than in pages, so it does not depend on the file's page size.
            Exec($"PRAGMA cache_size=-{options.CacheKiB}");
            CreateSchema();
            _pageSize = (int)ScalarLong("PRAGMA page_size");
            Exec($"PRAGMA wal_autocheckpoint={Math.Max(16, _walBudget / _pageSize / 2)}");
            Exec($"PRAGMA journal_size_limit={_walBudget / 2}");

            _insertBlock = Prepare("INSERT INTO blocks(tag_id, first_ts, last_ts, count, data) VALUES($t, $f, $l, $c, $d)", "$t", "$f", "$l", "$c", "$d");
            _upsertEvent = Prepare("""
                INSERT INTO events(id, asset, kind, severity, state, start_ms, end_ms, rev, payload, updated_ms, delivered)
                VALUES($id, $asset, $kind, $sev, $state, $start, $end, $rev, $payload, $updated, 0)
                ON CONFLICT(id) DO UPDATE SET asset=excluded.asset, kind=excluded.kind, severity=excluded.severity,
                  state=excluded.state, start_ms=excluded.start_ms, end_ms=excluded.end_ms, rev=excluded.rev,
                  payload=excluded.payload, updated_ms=excluded.updated_ms
                WHERE excluded.rev > events.rev
                """, "$id", "$asset", "$kind", "$sev", "$state", "$start", "$end", "$rev", "$payload", "$updated");
            _insertOutbox = Prepare("INSERT INTO outbox(event_id, rev, asset, severity, payload, created_ms) VALUES($id, $rev, $asset, $sev, $payload, $created)",
                "$id", "$rev", "$asset", "$sev", "$payload", "$created");
            _deleteOutbox = Prepare("DELETE FROM outbox WHERE seq=$seq", "$seq");
            _readOutbox = Prepare("SELECT seq, event_id, rev, asset, severity, payload, created_ms FROM outbox WHERE seq > $after ORDER BY seq LIMIT $max", "$after", "$max");
            // One statement for a whole acknowledged range (the forwarder's drain path).
            _deleteRange = Prepare("DELETE FROM outbox WHERE seq BETWEEN $lo AND $hi", "$lo", "$hi");
            _pending = ScalarLong("SELECT count(*) FROM outbox");
            _maxBlockSpanMs = LoadMaxBlockSpan();
        }
        catch
        {
            _db.Dispose();
            throw;
        }
    }

    public StoreOptions Options => _options;

    /// <summary>Bytes per database page of this file (2048 for files created by this version, 4096 before).</summary>
    public int PageSize => _pageSize;

    private int WalFrameBytes => _pageSize + 24;

    /// <summary>Revisions committed but not yet acknowledged upstream.</summary>
    public long PendingCount => Interlocked.Read(ref _pending);

    /// <summary>Bytes on disk of the main file plus the -wal file (the -shm index is excluded, see docs/storage.md).</summary>
    public long DatabaseSizeBytes => FileLength(_options.Path) + FileLength(_walPath);

    public StoreStats GetStats()
    {
        lock (_gate)
        {
            ThrowIfDisposed();
            return new StoreStats(DatabaseSizeBytes, ScalarLong("SELECT count(*) FROM blocks"), ScalarLong("SELECT count(*) FROM events"), PendingCount);
        }
    }

    // events.delivered is schema 1's flag, kept so old files need no table rewrite: new rows get 0, nothing reads it
    // (delivered is derived from the outbox, see DeliveredColumn).
    private void CreateSchema()
    {
        Exec("""
            CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
            INSERT OR IGNORE INTO meta(key, value) VALUES('schema', '1');
            CREATE TABLE IF NOT EXISTS tags(id INTEGER PRIMARY KEY, asset TEXT NOT NULL, name TEXT NOT NULL, UNIQUE(asset, name));
            CREATE TABLE IF NOT EXISTS blocks(id INTEGER PRIMARY KEY, tag_id INTEGER NOT NULL, first_ts INTEGER NOT NULL,
              last_ts INTEGER NOT NULL, count INTEGER NOT NULL, data BLOB NOT NULL);
            DROP INDEX IF EXISTS blocks_by_tag;
            CREATE INDEX IF NOT EXISTS blocks_by_time ON blocks(first_ts, tag_id);
            CREATE TABLE IF NOT EXISTS events(id TEXT PRIMARY KEY, asset TEXT NOT NULL, kind INTEGER NOT NULL,
              severity INTEGER NOT NULL, state INTEGER NOT NULL, start_ms INTEGER NOT NULL, end_ms INTEGER,
              rev INTEGER NOT NULL, payload BLOB NOT NULL, updated_ms INTEGER NOT NULL, delivered INTEGER NOT NULL);
            DROP INDEX IF EXISTS events_by_update;
            DROP INDEX IF EXISTS events_by_eviction;
            CREATE INDEX IF NOT EXISTS events_by_age ON events(state, updated_ms);
            CREATE TABLE IF NOT EXISTS outbox(seq INTEGER PRIMARY KEY AUTOINCREMENT, event_id TEXT NOT NULL, rev INTEGER NOT NULL,
              asset TEXT NOT NULL, severity INTEGER NOT NULL, payload BLOB NOT NULL, created_ms INTEGER NOT NULL);
            CREATE INDEX IF NOT EXISTS outbox_by_event ON outbox(event_id);
            CREATE INDEX IF NOT EXISTS outbox_by_eviction ON outbox(severity, seq);
            """);
        CreateCauseStateSchema();
    }

    // ---------------------------------------------------------------- events

    /// <summary>
    /// Writes the revisions (event rows and outbox rows) in ONE transaction with synchronous=FULL and returns
    /// after the commit is on disk: only then may the caller announce them.
    /// </summary>
    public void CommitEventRevisions(IReadOnlyList<GatewayEvent> revisions)
    {
        if (revisions.Count == 0)
        {
            return;
        }
        // Serialised once, outside the lock: these exact bytes are stored and later published.
        var payloads = new byte[revisions.Count][];
        long bytes = 0;
        for (var i = 0; i < revisions.Count; i++)
        {
            payloads[i] = EventJson.Serialize(revisions[i]);
            bytes += (2 * payloads[i].Length) + 160;
        }
        var now = _time.GetUtcNow().ToUnixTimeMilliseconds();
        var inserted = 0;
        var waitStart = _time.GetTimestamp();
        lock (_gate)
        {
            _commitLockWait.Record(_time.GetTimestamp() - waitStart);
            ThrowIfDisposed();
            for (var attempt = 0; ; attempt++)
            {
                try
                {
                    EnsureRoom(bytes, revisions.Count * 2, forEvents: true);
                    inserted = WriteRevisions(revisions, payloads, now);
                    break;
                }
                catch (Microsoft.Data.Sqlite.SqliteException ex) when (IsDiskFull(ex))
                {
                    // Nothing of this transaction is stored. Free space (WAL, readings, delivered events) and retry.
                    if (!FreeSpaceAfterFailure(attempt, bytes))
                    {
                        throw new StoreFullException($"no disk space for {revisions.Count} event revisions: {ex.Message}", ex);
                    }
                }
            }
            Interlocked.Add(ref _pending, inserted);
        }
    }

    /// <summary>The event transaction itself (synchronous=FULL). Returns the revisions inserted. Caller holds the lock.</summary>
    private int WriteRevisions(IReadOnlyList<GatewayEvent> revisions, byte[][] payloads, long now)
    {
        var inserted = 0;
        Exec("PRAGMA synchronous=FULL");
        try
        {
            using var tx = _db.BeginTransaction();
            _upsertEvent.Transaction = tx;
            _insertOutbox.Transaction = tx;
            for (var i = 0; i < revisions.Count; i++)
            {
                var e = revisions[i];
                if (UpsertEvent(e, payloads[i]) == 0)
                {
                    // This revision (or a newer one) is already stored: a re-detection after a crash, when the
                    // broker redelivered readings whose events had been committed. Sending it again could
                    // put a different payload on the wire under the same (id, rev); it is skipped instead.
                    continue;
                }
                inserted++;

                var o = _insertOutbox.Parameters;
                o[0].Value = e.Id;
                o[1].Value = e.Revision;
                o[2].Value = e.Asset;
                o[3].Value = (int)e.Severity;
                o[4].Value = payloads[i];
                o[5].Value = now;
                _insertOutbox.ExecuteNonQuery();
            }
            WriteCauseStates(tx, revisions);
            var syncStart = _time.GetTimestamp();
            tx.Commit();
            _commitSync.Record(_time.GetTimestamp() - syncStart);
        }
        finally
        {
            _upsertEvent.Transaction = null;
            _insertOutbox.Transaction = null;
            Exec("PRAGMA synchronous=NORMAL");
        }
        return inserted;
    }

    private readonly PeakDuration _commitLockWait = new();

    /// <summary>
    /// The longest time an event commit waited for the store's lock (held by the forwarder's reads and checkpoints,
    /// health, a trainer's read-back) since the previous call, in ms: tells a slow commit's disk time from its queueing.
    /// </summary>
    public double TakeLongestCommitLockWaitMs() => _commitLockWait.TakeMs(_time.TimestampFrequency);

    private readonly PeakDuration _commitSync = new();

    /// <summary>
    /// The longest COMMIT of an event transaction (writing its WAL frames and the fsync) since the previous call, in
    /// ms: the storage device's share of a slow commit (SD cards and virtual disks vary most here).
    /// </summary>
    public double TakeLongestCommitSyncMs() => _commitSync.TakeMs(_time.TimestampFrequency);

    /// <summary>Up to <paramref name="max"/> outbox rows with seq &gt; <paramref name="afterSeq"/>, in seq order.</summary>
    public IReadOnlyList<OutboxEntry> ReadPendingOutbox(long afterSeq, int max)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(max, 1);
        var list = new List<OutboxEntry>(Math.Min(max, 1024));
        lock (_gate)
        {
            ThrowIfDisposed();
            _readOutbox.Parameters[0].Value = afterSeq;
            _readOutbox.Parameters[1].Value = max;
            using var r = _readOutbox.ExecuteReader();
            while (r.Read())
            {
                list.Add(new OutboxEntry(r.GetInt64(0), r.GetString(1), r.GetInt32(2), r.GetString(3), (Severity)r.GetInt32(4),
                    r.GetFieldValue<byte[]>(5), r.GetInt64(6)));
            }
        }
        return list;
    }

    /// <summary>
    /// In one transaction: deletes these outbox rows. An event whose last outbox row is gone is delivered (its latest
    /// revision was acknowledged: every newer revision adds a row). Unknown seqs (already marked, evicted) are
    /// ignored. Returns rows removed.
    /// </summary>
    public int MarkDelivered(ReadOnlySpan<long> seqs)
    {
        if (seqs.IsEmpty)
        {
            return 0;
        }
        var removed = 0;
        lock (_gate)
        {
            ThrowIfDisposed();
            var rows = seqs.ToArray();
            removed = DeleteWithDiskFullRetry(() => DeleteOutboxRows(rows), failed: 0);
            Acknowledged(removed);
        }
        return removed;
    }

    private int DeleteOutboxRows(long[] seqs)
    {
        EnsureDeleteWal(seqs.Length * 2);
        var removed = 0;
        using var tx = _db.BeginTransaction();
        _deleteOutbox.Transaction = tx;
        try
        {
            foreach (var seq in seqs)
            {
                _deleteOutbox.Parameters[0].Value = seq;
                removed += _deleteOutbox.ExecuteNonQuery();
            }
            tx.Commit();
        }
        finally
        {
            _deleteOutbox.Transaction = null;
        }
        return removed;
    }

    /// <summary>Book-keeping after acknowledged outbox rows were deleted. Caller holds the lock.</summary>
    private void Acknowledged(int removed)
    {
        if (removed > 0)
        {
            _deliveredMayExist = true; // an event may have lost its last outbox row
        }
        Interlocked.Add(ref _pending, -removed);
    }

    /// <summary>
    /// In one statement: deletes every outbox row with <paramref name="firstSeq"/> &lt;= seq &lt;= <paramref name="lastSeq"/>
    /// (an event is delivered once no outbox row of it is left; nothing else is written, so a delivery does not rewrite
    /// the event's row). For a caller that read the outbox in seq order and had EVERY row of the range acknowledged: seq is
    /// AUTOINCREMENT, so no row can enter the range after it was read. Returns rows removed.
    /// </summary>
    public int MarkDeliveredRange(long firstSeq, long lastSeq)
    {
        if (lastSeq < firstSeq)
        {
            return 0;
        }
        int removed;
        lock (_gate)
        {
            ThrowIfDisposed();
            // On a full disk the rows stay (sent again later, consumers deduplicate) rather than failing the forwarder.
            removed = DeleteWithDiskFullRetry(() =>
            {
                // The range may hold fewer rows (evicted ones); its width bounds the WAL estimate from above.
                EnsureDeleteWal((int)Math.Min(1_000_000, (lastSeq - firstSeq + 1) * 2));
                _deleteRange.Parameters[0].Value = firstSeq;
                _deleteRange.Parameters[1].Value = lastSeq;
                return _deleteRange.ExecuteNonQuery();
            }, failed: 0);
            Acknowledged(removed);
        }
        return removed;
    }

    /// <summary>Latest revisions, newest update first, optionally filtered (for `events list`).</summary>
    public IReadOnlyList<StoredEvent> ListEvents(int limit, string? asset = null, EventState? state = null, long? sinceMs = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        var sql = "SELECT payload, " + DeliveredColumn + " FROM events WHERE 1=1";
        lock (_gate)
        {
            ThrowIfDisposed();
            using var cmd = _db.CreateCommand();
            if (asset is not null)
            {
                sql += " AND asset=$asset";
                cmd.Parameters.AddWithValue("$asset", asset);
            }
            if (state is { } s)
            {
                sql += " AND state=$state";
                cmd.Parameters.AddWithValue("$state", (int)s);
            }
            if (sinceMs is { } since)
            {
                sql += " AND updated_ms >= $since";
                cmd.Parameters.AddWithValue("$since", since);
            }
            cmd.CommandText = sql + " ORDER BY updated_ms DESC, rowid DESC LIMIT $limit";
            cmd.Parameters.AddWithValue("$limit", limit);
            return ReadEvents(cmd);
        }
    }

    /// <summary>The latest stored revision of one event, or null.</summary>
    public StoredEvent? GetEvent(string id)
    {
        lock (_gate)
        {
            ThrowIfDisposed();
            using var cmd = _db.CreateCommand();
            cmd.CommandText = "SELECT payload, " + DeliveredColumn + " FROM events WHERE id=$id";
            cmd.Parameters.AddWithValue("$id", id);
            var list = ReadEvents(cmd);
            return list.Count == 0 ? null : list[0];
        }
    }

    /// <summary>Events whose latest revision is open, oldest first: a restarted gateway resumes their lifecycle.</summary>
    public IReadOnlyList<GatewayEvent> GetOpenEvents()
    {
        lock (_gate)
        {
            ThrowIfDisposed();
            using var cmd = _db.CreateCommand();
            cmd.CommandText = $"SELECT payload, {DeliveredColumn} FROM events WHERE state={(int)EventState.Open} ORDER BY start_ms, id";
            var stored = ReadEvents(cmd);
            var list = new List<GatewayEvent>(stored.Count);
            foreach (var s in stored)
            {
                list.Add(s.Event);
            }
            return list;
        }
    }

    /// <summary>
    /// Delivered = no outbox row of the event is left. The events table's own `delivered` column (schema 1) is no
    /// longer maintained: writing it rewrote the event's row (payload and all) on every acknowledgement.
    /// </summary>
    private const string DeliveredColumn = "NOT EXISTS (SELECT 1 FROM outbox o WHERE o.event_id = events.id)";

    private static List<StoredEvent> ReadEvents(SqliteCommand cmd)
    {
        var list = new List<StoredEvent>();
        using var r = cmd.ExecuteReader();
        while (r.Read())
        {
            list.Add(new StoredEvent(EventJson.Deserialize(r.GetFieldValue<byte[]>(0)), r.GetInt64(1) != 0));
        }
        return list;
    }

    // ---------------------------------------------------------------- plumbing

    private SqliteCommand Prepare(string sql, params string[] parameters)
    {
        var cmd = _db.CreateCommand();
        cmd.CommandText = sql;
        foreach (var name in parameters)
        {
            cmd.Parameters.Add(new SqliteParameter { ParameterName = name });
        }
        return cmd;
    }

    private void Exec(string sql)
    {
        using var cmd = _db.CreateCommand();
        cmd.CommandText = sql;
        cmd.ExecuteNonQuery();
    }

    private long ScalarLong(string sql)
    {
        using var cmd = _db.CreateCommand();
        cmd.CommandText = sql;
        return Convert.ToInt64(cmd.ExecuteScalar() ?? 0L, System.Globalization.CultureInfo.InvariantCulture);
    }

    private static long FileLength(string path)
    {
        var fi = new FileInfo(path);
        return fi.Exists ? fi.Length : 0;
    }

    private void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(_disposed, this);

    /// <summary>Writes buffered readings, then closes the file (a clean close also removes the -wal).</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }
        try
        {
            FlushReadings();
        }
        catch (SqliteException)
        {
            // Closing must not throw on a full or failing disk; the buffered interval is what is lost.
        }
        lock (_gate)
        {
            _disposed = true;
            _insertBlock.Dispose();
            _upsertEvent.Dispose();
            _insertOutbox.Dispose();
            _deleteOutbox.Dispose();
            _readOutbox.Dispose();
            _deleteRange.Dispose();
            _upsertCause?.Dispose();
            _db.Dispose();
        }
    }
}
