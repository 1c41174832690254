using System.Globalization;
using Microsoft.Data.Sqlite;

namespace EdgeAnomaly.Storage;

/// <summary>What the start-up check found (health "storage_check", docs/storage.md "Start-up check").</summary>
public enum StoreCheckStatus
{
    /// <summary>No database yet (first start): a new one was created.</summary>
    Fresh,

    /// <summary>PRAGMA quick_check passed.</summary>
    Ok,

    /// <summary>The check did not finish within its time budget; the file is used as it is.</summary>
    Unverified,

    /// <summary>The file was damaged or unexpectedly empty: moved aside, what could be read was salvaged.</summary>
    Recovered,

    /// <summary>The marker says a database was here but the file is gone: a new one was created.</summary>
    Missing,
}

/// <summary>The start-up check's verdict and what was done about it.</summary>
public sealed record StoreStartupReport
{
    public required StoreCheckStatus Status { get; init; }

    /// <summary>Why the file was set aside: "corrupt", "not_a_database", "empty" or "missing"; null when it was not.</summary>
    public string? Cause { get; init; }

    /// <summary>SQLite's own words (the first quick_check lines or the error), for the log and health.</summary>
    public string Detail { get; init; } = "";

    /// <summary>Where the damaged main file now is (its -wal/-shm beside it with the same name), or null.</summary>
    public string? MovedTo { get; init; }

    public long SalvagedEvents { get; init; }

    /// <summary>Unsent outbox rows copied into the new database (they are sent as usual).</summary>
    public long SalvagedRevisions { get; init; }

    /// <summary>Row keys jumped over because reading them failed: an upper bound of the rows lost.</summary>
    public long SkippedRows { get; init; }

    public long CheckMs { get; init; }

    public string StatusText => Status switch
    {
        StoreCheckStatus.Fresh => "fresh",
        StoreCheckStatus.Ok => "ok",
        StoreCheckStatus.Unverified => "unverified",
        StoreCheckStatus.Recovered => "recovered",
        _ => "missing",
    };
}

/// <summary>
/// The start-up check of the database file, run by the daemon before it opens the store
/// (<see cref="GatewayStore.OpenChecked"/>). Finds a damaged or unexpectedly empty file and moves it aside, never
/// deleting it. Only the daemon runs it: a CLI command opening the file beside a running daemon must not move it.
/// </summary>
public static class StoreStartupCheck
{
    /// <summary>
    /// quick_check reads every page once, so its time follows the file size (bounded by Store:MaxDiskBytes) and the
    /// device's read speed. 20 s covers about 1 GB at SD-card speeds and leaves most of systemd's default 90 s start
    /// timeout for the salvage and the start itself; a longer check is stopped (sqlite3_interrupt) and the file is
    /// used unverified: a damaged page is then still found when read, which exits non-zero, and the next start
    /// checks the file again (by then the OS page cache usually makes the check fast).
    /// </summary>
    public static readonly TimeSpan DefaultBudget = TimeSpan.FromSeconds(20);

    /// <summary>At most this many problems are listed by quick_check: the first one decides, a few help the reader.</summary>
    private const int MaxProblemsListed = 8;

    // SQLite primary result codes (sqlite3.h).
    private const int SqliteCorrupt = 11;
    private const int SqliteNotADatabase = 26;
    private const int SqliteInterrupt = 9;

    /// <summary>
    /// Sidecar written once the daemon has opened a database at this path. A 0-byte or missing main file next to it
    /// is data that was lost, not a first start. Remove it together with the database to start afresh on purpose.
    /// </summary>
    public static string MarkerPath(string dbPath) => dbPath + ".marker";

    /// <summary>True for SQLite's "database disk image is malformed" and "file is not a database".</summary>
    public static bool IsCorruption(SqliteException e) => (e.SqliteErrorCode & 0xFF) is SqliteCorrupt or SqliteNotADatabase;

    /// <summary>True when <paramref name="e"/> or an inner exception is a SQLite corruption error.</summary>
    public static bool IsCorruption(Exception? e)
    {
        for (; e is not null; e = e.InnerException)
        {
            if (e is SqliteException s && IsCorruption(s))
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>
    /// Checks the file at <paramref name="path"/>; when it is damaged or unexpectedly empty, moves it (and its -wal
    /// and -shm) aside to "{path}.damaged-{UTC time}" and returns <see cref="StoreCheckStatus.Recovered"/> with
    /// <see cref="StoreStartupReport.MovedTo"/> set (the caller salvages from there into a new file).
    /// </summary>
    public static StoreStartupReport CheckAndSetAside(string path, TimeSpan budget, TimeProvider time)
    {
        var started = time.GetTimestamp();
        var main = new FileInfo(path);
        var hadData = File.Exists(MarkerPath(path));
        var walLength = Length(path + "-wal");
        if (!main.Exists)
        {
            if (!hadData && walLength <= 0)
            {
                MoveLeftoversAside(path, time);
                return new StoreStartupReport { Status = StoreCheckStatus.Fresh };
            }
            // A stale -wal must not be replayed into the new file: it goes aside with the evidence.
            var moved = MoveLeftoversAside(path, time);
            return new StoreStartupReport
            {
                Status = StoreCheckStatus.Missing,
                Cause = "missing",
                Detail = "the database file is gone although " + (hadData ? "its marker says it held data" : "its -wal is still there"),
                MovedTo = moved,
                CheckMs = ElapsedMs(time, started),
            };
        }
        if (main.Length == 0)
        {
            if (!hadData && walLength <= 0)
            {
                // Created but never written (a crash during creation, or an installer's touch): nothing to lose.
                return new StoreStartupReport { Status = StoreCheckStatus.Fresh };
            }
            return SetAside(path, "empty", "the database file is 0 bytes although " + (hadData ? "its marker says it held data" : "its -wal holds data"),
                time, started);
        }

        string? problem;
        string cause;
        try
        {
            problem = QuickCheck(path, budget, time);
            cause = "corrupt";
        }
        catch (SqliteException e) when ((e.SqliteErrorCode & 0xFF) == SqliteInterrupt)
        {
            return new StoreStartupReport
            {
                Status = StoreCheckStatus.Unverified,
                Detail = string.Create(CultureInfo.InvariantCulture, $"quick_check did not finish within {budget.TotalSeconds:0} s"),
                CheckMs = ElapsedMs(time, started),
            };
        }
        catch (SqliteException e) when (IsCorruption(e))
        {
            problem = e.Message;
            cause = (e.SqliteErrorCode & 0xFF) == SqliteNotADatabase ? "not_a_database" : "corrupt";
        }
        if (problem is null)
        {
            return new StoreStartupReport { Status = StoreCheckStatus.Ok, CheckMs = ElapsedMs(time, started) };
        }
        return SetAside(path, cause, problem, time, started);
    }

    /// <summary>Moves a file found damaged after the check (a read failed while opening it) aside.</summary>
    public static StoreStartupReport SetAsideAfterOpenFailure(string path, SqliteException failure, TimeProvider time) =>
        SetAside(path, (failure.SqliteErrorCode & 0xFF) == SqliteNotADatabase ? "not_a_database" : "corrupt", failure.Message, time, time.GetTimestamp());

    /// <summary>Writes the marker (once): from now on an empty or missing file at this path is reported as lost.</summary>
    public static void WriteMarker(string path, TimeProvider time)
    {
        var marker = MarkerPath(path);
        if (File.Exists(marker))
        {
            return;
        }
        var temp = marker + ".tmp";
        File.WriteAllText(temp, string.Create(CultureInfo.InvariantCulture,
            $"EdgeAnomaly gateway database {System.IO.Path.GetFileName(path)} in use since {time.GetUtcNow():O}.\nDelete it together with the database to start afresh on purpose; otherwise a missing or empty database is reported as lost.\n"));
        File.Move(temp, marker, overwrite: true);
    }

    /// <summary>Returns null when quick_check says "ok", else its first lines.</summary>
    private static string? QuickCheck(string path, TimeSpan budget, TimeProvider time)
    {
        var cs = new SqliteConnectionStringBuilder { DataSource = path, Mode = SqliteOpenMode.ReadWrite, Pooling = false }.ToString();
        using var db = new SqliteConnection(cs);
        db.Open();
        var handle = db.Handle;
        // Fires on a timer thread; sqlite3_interrupt is safe to call from another thread while the statement runs.
        using var stop = time.CreateTimer(_ => SQLitePCL.raw.sqlite3_interrupt(handle), null, budget, Timeout.InfiniteTimeSpan);
        using var cmd = db.CreateCommand();
        cmd.CommandText = "PRAGMA busy_timeout=5000";
        cmd.ExecuteNonQuery();
        cmd.CommandText = string.Create(CultureInfo.InvariantCulture, $"PRAGMA quick_check({MaxProblemsListed})");
        var lines = new List<string>();
        using (var r = cmd.ExecuteReader())
        {
            while (r.Read())
            {
                lines.Add(r.IsDBNull(0) ? "" : r.GetString(0));
            }
        }
        if (lines.Count == 1 && lines[0] == "ok")
        {
            return null;
        }
        var text = string.Join("; ", lines);
        return text.Length <= 600 ? text : text[..600] + " ...";
    }

    private static StoreStartupReport SetAside(string path, string cause, string detail, TimeProvider time, long started)
    {
        var target = FreeTarget(path, time);
        // The main file first: the -wal must never be left beside a file it does not belong to (see MoveLeftoversAside).
        File.Move(path, target);
        MoveIfExists(path + "-wal", target + "-wal");
        MoveIfExists(path + "-shm", target + "-shm");
        return new StoreStartupReport
        {
            Status = StoreCheckStatus.Recovered,
            Cause = cause,
            Detail = detail,
            MovedTo = target,
            CheckMs = ElapsedMs(time, started),
        };
    }

    /// <summary>Moves a -wal/-shm without their main file aside (SQLite would replay a stale -wal into a new file).</summary>
    private static string? MoveLeftoversAside(string path, TimeProvider time)
    {
        if (!File.Exists(path + "-wal") && !File.Exists(path + "-shm"))
        {
            return null;
        }
        var target = FreeTarget(path, time);
        MoveIfExists(path + "-wal", target + "-wal");
        MoveIfExists(path + "-shm", target + "-shm");
        return target;
    }

    private static string FreeTarget(string path, TimeProvider time)
    {
        var stamp = time.GetUtcNow().UtcDateTime.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture);
        var target = $"{path}.damaged-{stamp}";
        for (var n = 1; File.Exists(target) || File.Exists(target + "-wal") || File.Exists(target + "-shm"); n++)
        {
            target = string.Create(CultureInfo.InvariantCulture, $"{path}.damaged-{stamp}-{n}");
        }
        return target;
    }

    private static void MoveIfExists(string from, string to)
    {
        if (File.Exists(from))
        {
            File.Move(from, to);
        }
    }

    private static long Length(string path)
    {
        var fi = new FileInfo(path);
        return fi.Exists ? fi.Length : -1;
    }

    private static long ElapsedMs(TimeProvider time, long started) => (long)time.GetElapsedTime(started).TotalMilliseconds;
}
