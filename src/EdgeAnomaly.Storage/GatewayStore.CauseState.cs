using EdgeAnomaly.Contracts;
using EdgeAnomaly.Core.Events;
using Microsoft.Data.Sqlite;

namespace EdgeAnomaly.Storage;

/// <summary>
/// Per cause (asset, source key): the newest reading timestamp reflected in a committed revision (decided_ms) and
/// the cause's latest event. Written in the same transaction as the revisions, so after a crash it says exactly what
/// the committed events already decided: the restarted pipeline skips redelivered readings at or before it instead
/// of re-detecting them under a second id, and reopens the latest event inside its cooldown. One row per cause that
/// ever had an event; rows are only written on commits, never per reading.
/// </summary>
public sealed partial class GatewayStore
{
    private SqliteCommand? _upsertCause;

    private void CreateCauseStateSchema() => Exec("""
        CREATE TABLE IF NOT EXISTS cause_state(asset TEXT NOT NULL, source TEXT NOT NULL, decided_ms INTEGER NOT NULL,
          event_id TEXT NOT NULL, PRIMARY KEY(asset, source)) WITHOUT ROWID;
        """);

    /// <summary>Inside the revisions' transaction (caller holds the lock): moves each decided cause's mark forward.</summary>
    private void WriteCauseStates(SqliteTransaction tx, IReadOnlyList<GatewayEvent> revisions)
    {
        _upsertCause ??= Prepare("""
            INSERT INTO cause_state(asset, source, decided_ms, event_id) VALUES($asset, $source, $decided, $id)
            ON CONFLICT(asset, source) DO UPDATE SET decided_ms = max(cause_state.decided_ms, excluded.decided_ms), event_id = excluded.event_id
            """, "$asset", "$source", "$decided", "$id");
        _upsertCause.Transaction = tx;
        try
        {
            foreach (var e in revisions)
            {
                // A revision no reading decided (closed by the orphan grace) moves no mark: its time is the clock's.
                if (e.DecidedThroughMs is not { } decided)
                {
                    continue;
                }
                var p = _upsertCause.Parameters;
                p[0].Value = e.Asset;
                p[1].Value = e.Source;
                p[2].Value = decided;
                p[3].Value = e.Id;
                _upsertCause.ExecuteNonQuery();
            }
        }
        finally
        {
            _upsertCause.Transaction = null;
        }
    }

    /// <summary>Every cause's decided-through mark with its latest event (null when the disk cap evicted it).</summary>
    public IReadOnlyList<CauseCheckpoint> GetCauseCheckpoints()
    {
        lock (_gate)
        {
            ThrowIfDisposed();
            using var cmd = _db.CreateCommand();
            cmd.CommandText = "SELECT c.asset, c.source, c.decided_ms, e.payload FROM cause_state c LEFT JOIN events e ON e.id = c.event_id";
            var list = new List<CauseCheckpoint>();
            using var r = cmd.ExecuteReader();
            while (r.Read())
            {
                var latest = r.IsDBNull(3) ? null : EventJson.Deserialize(r.GetFieldValue<byte[]>(3));
                list.Add(new CauseCheckpoint(r.GetString(0), r.GetString(1), r.GetInt64(2), latest));
            }
            return list;
        }
    }
}
