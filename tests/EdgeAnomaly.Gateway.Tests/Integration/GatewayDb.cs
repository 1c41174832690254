using Microsoft.Data.Sqlite;

namespace EdgeAnomaly.Gateway.Tests.Integration;

/// <summary>Reads a gateway database from outside the gateway process (read-only; WAL lets it run alongside).</summary>
internal static class GatewayDb
{
    public static long PendingRevisions(string dbPath) => Scalar(dbPath, "SELECT COUNT(*) FROM outbox");

    public static long ReadingBlocks(string dbPath) => Scalar(dbPath, "SELECT COUNT(*) FROM blocks");

    public static long ReadingsStored(string dbPath) => Scalar(dbPath, "SELECT COALESCE(SUM(count), 0) FROM blocks");

    public static Dictionary<string, (int Rev, byte[] Payload)> Events(string dbPath)
    {
        var result = new Dictionary<string, (int, byte[])>(StringComparer.Ordinal);
        using var c = Open(dbPath);
        using var cmd = c.CreateCommand();
        cmd.CommandText = "SELECT id, rev, payload FROM events";
        using var r = cmd.ExecuteReader();
        while (r.Read())
        {
            result[r.GetString(0)] = (r.GetInt32(1), (byte[])r.GetValue(2));
        }
        return result;
    }

    /// <summary>Main file plus WAL: what the disk cap bounds.</summary>
    public static long BytesOnDisk(string dbPath) => Length(dbPath) + Length(dbPath + "-wal");

    private static long Length(string path)
    {
        try
        {
            return new FileInfo(path).Exists ? new FileInfo(path).Length : 0;
        }
        catch (IOException)
        {
            return 0;
        }
    }

    private static long Scalar(string dbPath, string sql)
    {
        using var c = Open(dbPath);
        using var cmd = c.CreateCommand();
        cmd.CommandText = sql;
        return Convert.ToInt64(cmd.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
    }

    private static SqliteConnection Open(string dbPath)
    {
        var c = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = dbPath, Mode = SqliteOpenMode.ReadOnly, Pooling = false }.ToString());
        c.Open();
        using var cmd = c.CreateCommand();
        cmd.CommandText = "PRAGMA busy_timeout=5000";
        cmd.ExecuteNonQuery();
        return c;
    }
}
