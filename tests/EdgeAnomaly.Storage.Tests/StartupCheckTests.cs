using EdgeAnomaly.Contracts;
using EdgeAnomaly.Core.Diagnostics;
using EdgeAnomaly.Core.Events;
using EdgeAnomaly.TestSupport;
using Microsoft.Data.Sqlite;

namespace EdgeAnomaly.Storage.Tests;

/// <summary>
/// The daemon's start-up check (GatewayStore.OpenChecked) against real SQLite files damaged the way disks and people
/// damage them: truncated to 0 bytes, random bytes over a page in the middle, cut in half.
/// </summary>
public sealed class StartupCheckTests : IDisposable
{
    private const int Revisions = 300;

    private readonly TempDirectory _dir = new();

    private string DbPath => _dir.File("edgeanomaly.db");

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        _dir.Dispose();
    }

    [Fact]
    public void HealthyFile_PassesTheCheck_AndNothingIsMoved()
    {
        var committed = FillWithPendingRevisions();

        using var store = GatewayStore.OpenChecked(TestData.Options(DbPath), new GatewayCounters());

        Assert.Equal(StoreCheckStatus.Ok, store.StartupReport!.Status);
        Assert.Null(store.StartupReport.MovedTo);
        Assert.Empty(DamagedFiles());
        Assert.Equal(committed.Count, store.PendingCount);
    }

    [Fact]
    public void FirstStart_IsFresh_AndWritesTheMarker()
    {
        using var store = GatewayStore.OpenChecked(TestData.Options(DbPath), new GatewayCounters());

        Assert.Equal(StoreCheckStatus.Fresh, store.StartupReport!.Status);
        Assert.True(File.Exists(StoreStartupCheck.MarkerPath(DbPath)));
    }

    [Fact]
    public void ZeroByteFileWithoutMarker_IsAFirstStart_NotALoss()
    {
        File.WriteAllBytes(DbPath, []);

        using var store = GatewayStore.OpenChecked(TestData.Options(DbPath), new GatewayCounters());

        Assert.Equal(StoreCheckStatus.Fresh, store.StartupReport!.Status);
        Assert.Empty(DamagedFiles());
    }

    [Fact]
    public void TruncatedToZeroBytes_IsMovedAsideAndReported_AndTheStoreGoesOnWithANewFile()
    {
        FillWithPendingRevisions();
        new FileStream(DbPath, FileMode.Truncate).Dispose();

        using var store = GatewayStore.OpenChecked(TestData.Options(DbPath), new GatewayCounters());

        var report = store.StartupReport!;
        Assert.Equal(StoreCheckStatus.Recovered, report.Status);
        Assert.Equal("empty", report.Cause);
        Assert.NotNull(report.MovedTo);
        Assert.True(File.Exists(report.MovedTo), "the damaged file is kept, not deleted");
        Assert.Equal(0, new FileInfo(report.MovedTo).Length);
        Assert.Equal(0, store.PendingCount);
        store.CommitEventRevisions([TestData.Event("after-recovery")]);
        Assert.Equal(1, store.PendingCount);
    }

    [Fact]
    public void MissingFileWhoseMarkerSaysItHeldData_IsReportedMissing()
    {
        FillWithPendingRevisions();
        File.Delete(DbPath);

        using var store = GatewayStore.OpenChecked(TestData.Options(DbPath), new GatewayCounters());

        Assert.Equal(StoreCheckStatus.Missing, store.StartupReport!.Status);
        Assert.Equal("missing", store.StartupReport.Cause);
    }

    [Fact]
    public void RandomBytesOverAnOutboxPageInTheMiddle_AreFound_FileMovedAside_ReadableRevisionsSalvagedInOrder()
    {
        var committed = FillWithPendingRevisions();
        var pageSize = PageSize();
        var page = MiddleLeafPage("outbox");
        OverwriteWithRandomBytes((page - 1) * pageSize, 8192);

        using var store = GatewayStore.OpenChecked(TestData.Options(DbPath), new GatewayCounters());

        var report = store.StartupReport!;
        Assert.Equal(StoreCheckStatus.Recovered, report.Status);
        Assert.Equal("corrupt", report.Cause);
        Assert.True(File.Exists(report.MovedTo), "the damaged file is kept beside the new one");
        Assert.NotEmpty(report.Detail);
        // Rows on both sides of the damaged pages are read; only those on them (a few per 2 KiB page) are lost.
        Assert.InRange(report.SalvagedRevisions, Revisions / 2, Revisions - 1);
        Assert.Equal(report.SalvagedRevisions, store.PendingCount);
        AssertSalvagedInOrderAndByteIdentical(store, committed);
        Assert.Equal("ok", QuickCheck(DbPath));
    }

    [Fact]
    public void RandomBytesOverTheFirstPage_IsNotADatabase_MovedAside_AndTheStoreStarts()
    {
        FillWithPendingRevisions();
        OverwriteWithRandomBytes(0, 8192);

        using var store = GatewayStore.OpenChecked(TestData.Options(DbPath), new GatewayCounters());

        var report = store.StartupReport!;
        Assert.Equal(StoreCheckStatus.Recovered, report.Status);
        Assert.True(File.Exists(report.MovedTo));
        Assert.Equal(0, store.PendingCount);
    }

    [Fact]
    public void FileCutInHalf_IsMovedAside_AndTheStoreStartsOnANewFile()
    {
        FillWithPendingRevisions();
        var length = new FileInfo(DbPath).Length;
        using (var f = new FileStream(DbPath, FileMode.Open))
        {
            f.SetLength(length / 2 / PageSize() * PageSize());
        }

        using var store = GatewayStore.OpenChecked(TestData.Options(DbPath), new GatewayCounters());

        // The upper levels of a b-tree are written late (a root split copies the root to a new page at the end of
        // the file), so a file cut in half usually has no path left to its rows: reading through SQLite salvages
        // little or nothing, and that is reported rather than hidden.
        var report = store.StartupReport!;
        Assert.Equal(StoreCheckStatus.Recovered, report.Status);
        Assert.Equal("corrupt", report.Cause);
        Assert.True(File.Exists(report.MovedTo));
        Assert.Equal(report.SalvagedRevisions, store.PendingCount);
    }

    [Fact]
    public void DamagedFileFoundTwiceInOneSecond_GetsDistinctNames()
    {
        FillWithPendingRevisions();
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(DateTimeOffset.Parse("2026-12-07T10:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
        new FileStream(DbPath, FileMode.Truncate).Dispose();
        string first;
        using (var store = GatewayStore.OpenChecked(TestData.Options(DbPath), new GatewayCounters(), time))
        {
            first = store.StartupReport!.MovedTo!;
        }
        new FileStream(DbPath, FileMode.Truncate).Dispose();

        using var again = GatewayStore.OpenChecked(TestData.Options(DbPath), new GatewayCounters(), time);

        Assert.EndsWith("edgeanomaly.db.damaged-20261207T100000Z", first, StringComparison.Ordinal);
        Assert.NotEqual(first, again.StartupReport!.MovedTo);
        Assert.True(File.Exists(first));
        Assert.True(File.Exists(again.StartupReport.MovedTo));
    }

    /// <summary>Pending revisions of about 1 KiB each (so the file is many pages); the store is closed afterwards.</summary>
    private List<byte[]> FillWithPendingRevisions()
    {
        using var store = GatewayStore.OpenChecked(TestData.Options(DbPath), new GatewayCounters());
        var payloads = new List<byte[]>(Revisions);
        for (var i = 0; i < Revisions; i++)
        {
            var e = TestData.Event($"e{i:0000}", asset: $"pump-{i % 3}", startMs: 1_700_000_000_000 + (i * 1000L), messageBytes: 900);
            store.CommitEventRevisions([e]);
            payloads.Add(EventJson.Serialize(e));
        }
        return payloads;
    }

    private void AssertSalvagedInOrderAndByteIdentical(GatewayStore store, List<byte[]> committed)
    {
        var salvaged = store.ReadPendingOutbox(0, Revisions + 10);
        var index = committed.Select((payload, i) => (Key: Convert.ToHexString(payload), i)).ToDictionary(x => x.Key, x => x.i);
        var last = -1;
        foreach (var row in salvaged)
        {
            Assert.True(index.TryGetValue(Convert.ToHexString(row.Payload), out var at), "a salvaged revision is byte-identical to one committed");
            Assert.True(at > last, "salvaged revisions keep their order");
            last = at;
            Assert.NotNull(store.GetEvent(row.EventId));
        }
    }

    private IEnumerable<string> DamagedFiles() => Directory.EnumerateFiles(_dir.Path, "*.damaged-*");

    private void OverwriteWithRandomBytes(long offset, int count)
    {
        var bytes = new byte[count];
        new Random(20261207).NextBytes(bytes);
        using var f = new FileStream(DbPath, FileMode.Open, FileAccess.Write);
        f.Position = offset;
        f.Write(bytes);
    }

    private int PageSize() => (int)Scalar("PRAGMA page_size");

    /// <summary>
    /// A leaf page of the table from the middle of its key range, found by walking its b-tree in the file (interior
    /// table pages: type 5, child page numbers; leaves: type 13). The bundled SQLite has no dbstat table.
    /// </summary>
    private long MiddleLeafPage(string table)
    {
        var root = Scalar($"SELECT rootpage FROM sqlite_master WHERE type='table' AND name='{table}'");
        var pageSize = PageSize();
        var file = File.ReadAllBytes(DbPath);
        var leaves = new List<long>();
        void Walk(long page)
        {
            var offset = (int)((page - 1) * pageSize) + (page == 1 ? 100 : 0);
            var type = file[offset];
            if (type == 13)
            {
                leaves.Add(page);
                return;
            }
            Assert.Equal(5, type);
            var cells = (file[offset + 3] << 8) | file[offset + 4];
            var pageStart = (int)((page - 1) * pageSize);
            for (var c = 0; c < cells; c++)
            {
                var cell = pageStart + ((file[offset + 12 + (2 * c)] << 8) | file[offset + 13 + (2 * c)]);
                Walk(System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(file.AsSpan(cell)));
            }
            Walk(System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(file.AsSpan(offset + 8)));
        }
        Walk(root);
        Assert.True(leaves.Count > 20, $"{table} should span many pages, has {leaves.Count}");
        return leaves[leaves.Count / 2];
    }

    private long Scalar(string sql)
    {
        using var db = Open();
        using var cmd = db.CreateCommand();
        cmd.CommandText = sql;
        return Convert.ToInt64(cmd.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
    }

    private static string QuickCheck(string path)
    {
        using var db = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString());
        db.Open();
        using var cmd = db.CreateCommand();
        cmd.CommandText = "PRAGMA quick_check";
        return (string)cmd.ExecuteScalar()!;
    }

    private SqliteConnection Open()
    {
        var db = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = DbPath, Mode = SqliteOpenMode.ReadOnly, Pooling = false }.ToString());
        db.Open();
        return db;
    }
}
