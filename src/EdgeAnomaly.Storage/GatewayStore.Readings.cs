using EdgeAnomaly.Core.Readings;
using EdgeAnomaly.Core.Tags;
using EdgeAnomaly.Storage.Readings;
using Microsoft.Data.Sqlite;

namespace EdgeAnomaly.Storage;

/// <summary>Readings history: per-tag in-memory buffers written as one compact block row per tag.</summary>
public sealed partial class GatewayStore
{
    private readonly record struct PendingBlock(int TagIndex, long DbTagId, long FirstTs, long LastTs, int Count, byte[] Data);

    /// <summary>First size of a tag's buffer: a minute of a 1 Hz tag fits without growing.</summary>
    private const int InitialTagBuffer = 64;

    private sealed class TagBuffer(int size)
    {
        public long[] Ts = new long[size];
        public double[] Values = new double[size];
        public byte[] Quality = new byte[size];

        public void Grow(int size)
        {
            Array.Resize(ref Ts, size);
            Array.Resize(ref Values, size);
            Array.Resize(ref Quality, size);
        }
    }

    /// <summary>
    /// Maps the registry's tags to stable database ids (tags(asset, name)) and allocates the per-tag buffers.
    /// Call again after a configuration reload: buffered readings are flushed under the old mapping first.
    /// </summary>
    public void RegisterTags(TagRegistry registry)
    {
        if (_bufCount.Length > 0)
        {
            FlushReadings();
        }
        var capacity = _options.ReadingsBlockCapacity;
        var ids = new long[registry.TagCount];
        Array.Fill(ids, UnregisteredTag);
        lock (_gate)
        {
            ThrowIfDisposed();
            _registeredTags = registry;
            RegisterMissingTags(ids);
        }
        _capacity = capacity;
        _dbTagIds = ids;
        _buffers = new TagBuffer?[registry.TagCount];
        _bufCount = new int[registry.TagCount];
        _flushCursor = 0;
        _encodeScratch = new byte[ReadingBlockCodec.MaxEncodedLength(capacity)];
    }

    /// <summary>A tag with no database id yet: its row could not be written (full disk); retried at every flush.</summary>
    private const long UnregisteredTag = -1;

    private TagRegistry? _registeredTags;

    /// <summary>
    /// Fills in the database ids of tags that have none: existing rows are only read (a restart on a full disk writes
    /// nothing here), missing ones inserted. On a full disk the rest stay <see cref="UnregisteredTag"/>. Caller holds
    /// the lock. Returns false when some tag is still unregistered.
    /// </summary>
    private bool RegisterMissingTags(long[] ids)
    {
        if (_registeredTags is not { } registry)
        {
            return true;
        }
        using (var find = _db.CreateCommand())
        {
            find.CommandText = "SELECT id FROM tags WHERE asset=$a AND name=$n";
            var fa = find.Parameters.Add(new SqliteParameter { ParameterName = "$a" });
            var fn = find.Parameters.Add(new SqliteParameter { ParameterName = "$n" });
            foreach (var tag in registry.Tags)
            {
                if (ids[tag.Id] == UnregisteredTag)
                {
                    fa.Value = tag.Asset;
                    fn.Value = tag.Name;
                    if (find.ExecuteScalar() is long id)
                    {
                        ids[tag.Id] = id;
                    }
                }
            }
        }
        if (Array.IndexOf(ids, UnregisteredTag) < 0)
        {
            return true;
        }
        try
        {
            using var tx = _db.BeginTransaction();
            using var insert = _db.CreateCommand();
            insert.Transaction = tx;
            insert.CommandText = "INSERT INTO tags(asset, name) VALUES($a, $n) RETURNING id";
            var a = insert.Parameters.Add(new SqliteParameter { ParameterName = "$a" });
            var n = insert.Parameters.Add(new SqliteParameter { ParameterName = "$n" });
            var inserted = new List<(int Tag, long Id)>();
            foreach (var tag in registry.Tags)
            {
                if (ids[tag.Id] == UnregisteredTag)
                {
                    a.Value = tag.Asset;
                    n.Value = tag.Name;
                    inserted.Add((tag.Id, Convert.ToInt64(insert.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture)));
                }
            }
            tx.Commit();
            foreach (var (tag, id) in inserted)
            {
                ids[tag] = id;
            }
            return true;
        }
        catch (SqliteException ex) when (IsDiskFull(ex))
        {
            DiskWriteFailed();
            return false;
        }
    }

    /// <summary>Readings buffered and not yet written.</summary>
    public long BufferedReadings
    {
        get
        {
            long total = 0;
            foreach (var c in _bufCount)
            {
                total += c;
            }
            return total;
        }
    }

    /// <summary>
    /// Buffers readings per tag (pipeline thread only; allocates only while a tag's buffer grows to what one flush
    /// interval needs). A tag whose buffer holds the block capacity is written as a block at once. Readings of tags
    /// not registered throw: the registry and the store must agree.
    /// </summary>
    public void AppendReadings(ReadOnlySpan<Reading> readings)
    {
        var counts = _bufCount;
        var capacity = _capacity;
        for (var i = 0; i < readings.Length; i++)
        {
            ref readonly var r = ref readings[i];
            var id = r.TagId;
            if ((uint)id >= (uint)counts.Length)
            {
                throw new ArgumentOutOfRangeException(nameof(readings), $"tag id {id} is not registered with the store (RegisterTags)");
            }
            var c = counts[id];
            if (c == capacity)
            {
                FlushTag(id);
                c = 0;
            }
            var buffer = _buffers[id];
            if (buffer is null)
            {
                buffer = _buffers[id] = new TagBuffer(Math.Min(InitialTagBuffer, capacity));
            }
            else if (c == buffer.Ts.Length)
            {
                buffer.Grow(Math.Min(2 * c, capacity));
            }
            buffer.Ts[c] = r.TimestampMs;
            buffer.Values[c] = r.Value;
            buffer.Quality[c] = (byte)r.Quality;
            counts[id] = c + 1;
        }
    }

    /// <summary>
    /// Writes every non-empty tag buffer as one block row, in one transaction (synchronous=NORMAL: survives a
    /// process kill; a power loss may lose this last interval). Also applies age retention about once a minute.
    /// Returns the number of blocks written.
    /// </summary>
    public int FlushReadings()
    {
        // A whole pass from the first tag, whatever a sliced pass had reached.
        var passStart = _time.GetTimestamp();
        var written = WriteTagsFrom(0, int.MaxValue, out _);
        _flushCursor = 0;
        Volatile.Write(ref _writtenBefore, passStart);
        ApplyRetentionIfDue();
        return written;
    }

    /// <summary>
    /// A <see cref="TimeProvider.GetTimestamp"/> value: every reading appended before it is in the database (the start
    /// of the last complete flush pass). Readable from any thread, e.g. by a trainer that reads history back.
    /// </summary>
    public long ReadingsWrittenBefore => Volatile.Read(ref _writtenBefore);

    private long _writtenBefore = long.MinValue;
    private long _passStart;

    /// <summary>
    /// One slice of a flush pass, for a caller that must not stall (the pipeline): writes the buffers of the next tags
    /// in id order, from where the previous slice stopped, until at least <paramref name="maxReadings"/> readings are
    /// written or the pass reaches the last tag. Returns true when the pass is complete (age retention then runs as in
    /// <see cref="FlushReadings"/>) and the next call starts a new pass. Readings that arrive for a tag the pass has
    /// already written wait for the next pass, so a pass writes each tag at most once.
    /// </summary>
    public bool FlushReadingsSlice(int maxReadings)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxReadings, 1);
        if (_flushCursor == 0)
        {
            _passStart = _time.GetTimestamp();
        }
        WriteTagsFrom(_flushCursor, maxReadings, out var next);
        if (next < _bufCount.Length)
        {
            _flushCursor = next;
            return false;
        }
        _flushCursor = 0;
        Volatile.Write(ref _writtenBefore, _passStart);
        ApplyRetentionIfDue();
        return true;
    }

    /// <summary>Encodes and writes the non-empty buffers from tag <paramref name="first"/> on until at least
    /// <paramref name="maxReadings"/> readings are taken; <paramref name="next"/> is the first tag not looked at.</summary>
    private int WriteTagsFrom(int first, int maxReadings, out int next)
    {
        _blocks.Clear();
        var counts = _bufCount;
        var taken = 0;
        var id = first;
        for (; id < counts.Length && taken < maxReadings; id++)
        {
            if (counts[id] > 0)
            {
                taken += counts[id];
                EncodeTag(id);
            }
        }
        next = id;
        var written = _blocks.Count;
        if (written > 0)
        {
            written = WriteBlocks();
        }
        return written;
    }

    private int _flushCursor;

    private void ApplyRetentionIfDue()
    {
        var now = _time.GetUtcNow().ToUnixTimeMilliseconds();
        if (_lastRetentionMs == long.MinValue || now - _lastRetentionMs >= 60_000)
        {
            _lastRetentionMs = now;
            DeleteExpiredReadings(now - (long)_options.ReadingsMaxAge.TotalMilliseconds);
        }
    }

    private void FlushTag(int id)
    {
        _blocks.Clear();
        EncodeTag(id);
        WriteBlocks();
    }

    private void EncodeTag(int id)
    {
        var count = _bufCount[id];
        var buffer = _buffers[id]!;
        var ts = buffer.Ts.AsSpan(0, count);
        var len = ReadingBlockCodec.Encode(ts, buffer.Values.AsSpan(0, count), buffer.Quality.AsSpan(0, count), _encodeScratch);
        long first = long.MaxValue, last = long.MinValue;
        foreach (var t in ts)
        {
            first = Math.Min(first, t);
            last = Math.Max(last, t);
        }
        _blocks.Add(new PendingBlock(id, _dbTagIds[id], first, last, count, _encodeScratch.AsSpan(0, len).ToArray()));
        _bufCount[id] = 0;
    }

    /// <summary>
    /// Writes the encoded blocks in bounded transactions; returns the blocks written. A chunk that finds no room (only
    /// unsent events left to evict, or the free space is gone) or fails for lack of space is dropped and its readings
    /// counted (<see cref="Core.Diagnostics.GatewayCounters.ReadingsDroppedDiskFull"/>): a full disk costs readings
    /// history, never the pipeline.
    /// </summary>
    private int WriteBlocks()
    {
        var written = 0;
        lock (_gate)
        {
            ThrowIfDisposed();
            if (Array.IndexOf(_dbTagIds, UnregisteredTag) >= 0)
            {
                RegisterMissingTags(_dbTagIds);
            }
            // Bounded transactions keep each one's WAL well inside the WAL budget.
            var start = 0;
            while (start < _blocks.Count)
            {
                long bytes = 0;
                var end = start;
                while (end < _blocks.Count && (end == start || bytes + _blocks[end].Data.Length + 64 <= WalBudgetBytes / 4))
                {
                    bytes += _blocks[end].Data.Length + 64;
                    end++;
                }
                try
                {
                    if (!EnsureRoom(bytes, end - start, forEvents: false))
                    {
                        DropBlocks(start, end);
                    }
                    else
                    {
                        written += InsertBlocks(start, end);
                    }
                }
                catch (SqliteException ex) when (IsDiskFull(ex))
                {
                    DiskWriteFailed();
                    DropBlocks(start, end);
                }
                start = end;
            }
        }
        _blocks.Clear();
        return written;
    }

    private void DropBlocks(int start, int end)
    {
        long readings = 0;
        for (var i = start; i < end; i++)
        {
            readings += _blocks[i].Count;
        }
        _counters.AddReadingsDroppedDiskFull(readings);
    }

    /// <summary>One transaction; blocks of a tag whose row could not be written yet are dropped (counted). Returns blocks written.</summary>
    private int InsertBlocks(int start, int end)
    {
        var written = 0;
        long unregistered = 0;
        using var tx = _db.BeginTransaction();
        _insertBlock.Transaction = tx;
        try
        {
            var p = _insertBlock.Parameters;
            var span = _maxBlockSpanMs;
            for (var i = start; i < end; i++)
            {
                var b = _blocks[i];
                if (b.DbTagId == UnregisteredTag)
                {
                    b = b with { DbTagId = _dbTagIds[b.TagIndex] };
                    if (b.DbTagId == UnregisteredTag)
                    {
                        unregistered += b.Count;
                        continue;
                    }
                }
                span = Math.Max(span, SaturatingSpan(b.FirstTs, b.LastTs));
                p[0].Value = b.DbTagId;
                p[1].Value = b.FirstTs;
                p[2].Value = b.LastTs;
                p[3].Value = b.Count;
                p[4].Value = b.Data;
                _insertBlock.ExecuteNonQuery();
                written++;
            }
            if (span > _maxBlockSpanMs)
            {
                SaveMaxBlockSpan(tx, span);
            }
            tx.Commit();
            _maxBlockSpanMs = span;
        }
        finally
        {
            _insertBlock.Transaction = null;
        }
        _counters.AddReadingsDroppedDiskFull(unregistered);
        return written;
    }

    /// <summary>Decoded readings of one tag with timestamps in [fromMs, toMs], oldest first (written blocks only).</summary>
    /// <remarks>
    /// Blocks are indexed by (first_ts, tag_id), not by tag: every flush adds one block per tag, and a per-tag index
    /// put each of them into a different index page (one page write per tag per flush, growing with history). By
    /// time, a flush's blocks land side by side. A block overlapping [from, to] starts no earlier than from minus
    /// the longest span of any block written (kept in meta), so that bounds the index range to read.
    /// </remarks>
    public IReadOnlyList<StoredReading> ReadReadings(string asset, string tag, long fromMs, long toMs)
    {
        var result = new List<StoredReading>();
        lock (_gate)
        {
            ThrowIfDisposed();
            using var find = _db.CreateCommand();
            find.CommandText = "SELECT id FROM tags WHERE asset=$a AND name=$n";
            find.Parameters.AddWithValue("$a", asset);
            find.Parameters.AddWithValue("$n", tag);
            if (find.ExecuteScalar() is not long tagId)
            {
                return result;
            }
            using var cmd = _db.CreateCommand();
            cmd.CommandText = """
                SELECT data FROM blocks INDEXED BY blocks_by_time
                WHERE first_ts >= $lo AND first_ts <= $to AND tag_id = $t AND last_ts >= $from
                ORDER BY first_ts, id
                """;
            cmd.Parameters.AddWithValue("$t", tagId);
            var span = _maxBlockSpanMs;
            cmd.Parameters.AddWithValue("$lo", fromMs < long.MinValue + span ? long.MinValue : fromMs - span);
            cmd.Parameters.AddWithValue("$from", fromMs);
            cmd.Parameters.AddWithValue("$to", toMs);
            using var r = cmd.ExecuteReader();
            while (r.Read())
            {
                ReadingBlockCodec.Decode(r.GetFieldValue<byte[]>(0), fromMs, toMs, result);
            }
        }
        return result;
    }

    private static long SaturatingSpan(long first, long last) => last >= first ? (last - first < 0 ? long.MaxValue : last - first) : 0;

    // The longest block span ever written (never lowered: a bound only has to be at least the true maximum).
    private long LoadMaxBlockSpan()
    {
        using var cmd = _db.CreateCommand();
        cmd.CommandText = "SELECT value FROM meta WHERE key='max_block_span_ms'";
        if (cmd.ExecuteScalar() is string text && long.TryParse(text, System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out var span))
        {
            return span;
        }
        // A file from before this key: measure once (a full scan, only on the first open after the upgrade).
        cmd.CommandText = "SELECT coalesce(max(last_ts - first_ts), 0) FROM blocks";
        var measured = Math.Max(0, Convert.ToInt64(cmd.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture));
        using var tx = _db.BeginTransaction();
        SaveMaxBlockSpan(tx, measured);
        tx.Commit();
        return measured;
    }

    private void SaveMaxBlockSpan(SqliteTransaction tx, long span)
    {
        using var cmd = _db.CreateCommand();
        cmd.Transaction = tx;
        cmd.CommandText = "INSERT INTO meta(key, value) VALUES('max_block_span_ms', $v) ON CONFLICT(key) DO UPDATE SET value=excluded.value";
        cmd.Parameters.AddWithValue("$v", span.ToString(System.Globalization.CultureInfo.InvariantCulture));
        cmd.ExecuteNonQuery();
    }

    /// <summary>
    /// Age retention: deletes blocks whose newest reading is before <paramref name="cutoffMs"/>, walking from
    /// the oldest written block (a late backlog block stays until the blocks written before it expire), then
    /// returns the freed pages to the file system. Returns blocks deleted.
    /// </summary>
    public int DeleteExpiredReadings(long cutoffMs)
    {
        var total = 0;
        lock (_gate)
        {
            ThrowIfDisposed();
            using var cmd = _db.CreateCommand();
            cmd.CommandText = "DELETE FROM blocks WHERE id IN (SELECT id FROM blocks ORDER BY id LIMIT 256) AND last_ts < $cutoff";
            cmd.Parameters.AddWithValue("$cutoff", cutoffMs);
            try
            {
                int n;
                do
                {
                    EnsureDeleteWal(256);
                    n = cmd.ExecuteNonQuery();
                    total += n;
                }
                while (n > 0);
                if (total > 0)
                {
                    Vacuum();
                }
            }
            catch (SqliteException ex) when (IsDiskFull(ex))
            {
                // Retention is tried again at the next flush past its interval; what was deleted stays deleted.
                DiskWriteFailed();
            }
        }
        return total;
    }
}
