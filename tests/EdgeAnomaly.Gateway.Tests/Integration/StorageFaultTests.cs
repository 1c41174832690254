using System.Buffers.Binary;
using System.Text.Json;
using EdgeAnomaly.Contracts;
using EdgeAnomaly.Core.Diagnostics;
using EdgeAnomaly.Core.Events;
using EdgeAnomaly.Storage;
using EdgeAnomaly.TestSupport;
using Xunit.Abstractions;

namespace EdgeAnomaly.Gateway.Tests.Integration;

/// <summary>
/// A damaged database against the real `edgeanomaly run` process and two real mosquitto brokers: a page overwritten
/// while the gateway runs (it must exit non-zero, so systemd restarts it) and a file truncated to 0 bytes between
/// runs (the next start must say so, set the file aside, salvage and go on).
/// </summary>
[Collection("gateway-process")]
public sealed class StorageFaultTests(ITestOutputHelper output) : TwoBrokerTest
{
    /// <summary>The pseudo-asset of events about the gateway itself (docs/mqtt-contract.md).</summary>
    private const string GatewayAsset = "_gateway";

    private string DataDir => Path.Combine(Dir.Path, "data");

    private string DbPath => Path.Combine(DataDir, "edgeanomaly.db");

    [Fact]
    public async Task PageOverwrittenWhileRunning_GatewayExitsNonZero_RestartSetsFileAsideAndSendsSalvagedRevisionsAndAStorageEvent()
    {
        var config = GatewayFixtureConfig.Write(Dir.Path, Local.Port, Central.Port, GatewayFixtureConfig.AssetNames(1));
        var committed = Prefill(DbPath, 1500);
        await using var central = new CentralRecorder();
        await central.StartAsync(Central.Host, Central.Port);
        await Central.StopAsync();
        await using var gateway = new GatewayProcess(config);
        gateway.Start();
        await Eventually.True(() => gateway.Output.Contains("Ingest connected", StringComparison.Ordinal), TimeSpan.FromSeconds(60),
            "the gateway starts\n" + gateway.Output);

        // 8 KiB of random bytes over outbox pages in the middle of the file, as `dd` would; then central returns and the
        // forwarder reads its way to them.
        DatabaseDamage.OverwriteMiddleLeaf(DbPath, "outbox", 8192);
        await Central.StartAsync();

        Assert.True(await gateway.WaitForExitAsync(TimeSpan.FromSeconds(90)),
            "the gateway stops once SQLite reports the damaged page\n" + Tail(gateway.Output));
        output.WriteLine(Tail(gateway.Output));
        Assert.True(gateway.ExitCode == 3, $"exit code {gateway.ExitCode}, expected 3 (database damaged)\n{Tail(gateway.Output)}");
        Assert.Contains("Fatal: forwarder failed", gateway.Output, StringComparison.Ordinal);

        // What systemd's Restart=on-failure does next.
        await using var health = new HealthRecorder();
        await health.StartAsync(Central.Host, Central.Port, "gw-test");
        gateway.Start();
        await Eventually.True(() => central.Snapshot().Any(r => r.Asset == GatewayAsset), TimeSpan.FromSeconds(60),
            "central receives the storage event\n" + Tail(gateway.Output));
        await Eventually.True(() => GatewayDb.PendingRevisions(DbPath) == 0, TimeSpan.FromSeconds(60), "the salvaged revisions are sent");
        await Eventually.True(() => StorageCheck(health) is not null, TimeSpan.FromSeconds(20), "health reports the start-up check");
        await gateway.StopAsync();
        output.WriteLine(Tail(gateway.Output));
        Assert.True(gateway.ExitCode == 0, $"exit code {gateway.ExitCode} after SIGTERM\n{Tail(gateway.Output)}");

        Assert.Contains("failed the start-up check", gateway.Output, StringComparison.Ordinal);
        var moved = Assert.Single(Directory.GetFiles(DataDir, "edgeanomaly.db.damaged-*"), IsMainFile);
        var check = StorageCheck(health)!.Value;
        Assert.Equal("recovered", check.GetProperty("status").GetString());
        Assert.Equal("corrupt", check.GetProperty("cause").GetString());
        Assert.Equal(moved, check.GetProperty("moved_to").GetString());
        Assert.True(check.GetProperty("salvaged_revisions").GetInt64() > 0, check.ToString());

        var received = central.Snapshot();
        var storageEvent = Assert.Single(received, r => r.Asset == GatewayAsset);
        using (var doc = JsonDocument.Parse(storageEvent.Payload))
        {
            Assert.Equal("storage", doc.RootElement.GetProperty("kind").GetString());
            Assert.Equal("storage:recovered", doc.RootElement.GetProperty("source").GetString());
        }
        foreach (var r in received.Where(r => r.Asset != GatewayAsset))
        {
            Assert.True(committed.TryGetValue(r.Id, out var payload) && payload.AsSpan().SequenceEqual(r.Payload), "a sent revision is the one committed, byte for byte");
        }
        var lost = committed.Keys.Count(id => !received.Any(r => r.Id == id));
        output.WriteLine($"{committed.Count} committed, {received.Select(r => r.Id).Distinct().Count()} ids at central, {lost} lost on the damaged pages; {check}");
        // Only the rows on the overwritten pages (4 pages of 2 KiB, about 2 rows each) and the salvage's skip past them.
        Assert.InRange(lost, 0, 24);
    }

    [Fact]
    public async Task DatabaseTruncatedToZeroBytesBetweenRuns_NextStartSetsItAsideSaysSoAndSendsAStorageEvent()
    {
        var config = GatewayFixtureConfig.Write(Dir.Path, Local.Port, Central.Port, GatewayFixtureConfig.AssetNames(1));
        Prefill(DbPath, 188);
        await using var central = new CentralRecorder();
        await central.StartAsync(Central.Host, Central.Port);
        await Central.StopAsync();
        await using var gateway = new GatewayProcess(config);
        gateway.Start();
        await Eventually.True(() => gateway.Output.Contains("Ingest connected", StringComparison.Ordinal), TimeSpan.FromSeconds(60),
            "the gateway starts\n" + gateway.Output);
        await gateway.StopAsync();
        Assert.Equal(188, GatewayDb.PendingRevisions(DbPath));
        new FileStream(DbPath, FileMode.Truncate).Dispose();
        await Central.StartAsync();
        await using var health = new HealthRecorder();
        await health.StartAsync(Central.Host, Central.Port, "gw-test");

        gateway.Start();

        await Eventually.True(() => central.Snapshot().Any(r => r.Asset == GatewayAsset), TimeSpan.FromSeconds(60),
            "central receives a storage event about the emptied database\n" + Tail(gateway.Output));
        await Eventually.True(() => StorageCheck(health) is not null, TimeSpan.FromSeconds(20), "health reports the start-up check");
        Assert.True(gateway.IsRunning, "the gateway goes on with a new database");
        await gateway.StopAsync();
        Assert.True(gateway.ExitCode == 0, $"exit code {gateway.ExitCode} after SIGTERM\n{Tail(gateway.Output)}");

        Assert.Contains("failed the start-up check (empty", gateway.Output, StringComparison.Ordinal);
        var moved = Assert.Single(Directory.GetFiles(DataDir, "edgeanomaly.db.damaged-*"), IsMainFile);
        Assert.Equal(0, new FileInfo(moved).Length);
        var check = StorageCheck(health)!.Value;
        Assert.Equal("recovered", check.GetProperty("status").GetString());
        Assert.Equal("empty", check.GetProperty("cause").GetString());
        using var doc = JsonDocument.Parse(central.Snapshot().First(r => r.Asset == GatewayAsset).Payload);
        Assert.Equal("critical", doc.RootElement.GetProperty("severity").GetString());
        Assert.Contains("empty", doc.RootElement.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    private static bool IsMainFile(string path) => !path.EndsWith("-wal", StringComparison.Ordinal) && !path.EndsWith("-shm", StringComparison.Ordinal);

    private static JsonElement? StorageCheck(HealthRecorder health) =>
        health.Last is { } last && last.TryGetProperty("storage_check", out var check) ? check : null;

    /// <summary>
    /// Closed events with one pending revision each (about 1 KiB, so the file is many pages); returns id to payload.
    /// </summary>
    private static Dictionary<string, byte[]> Prefill(string dbPath, int count)
    {
        var payloads = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        using var store = new GatewayStore(new StoreOptions { Path = dbPath }, new GatewayCounters());
        var batch = new List<GatewayEvent>();
        for (var i = 0; i < count; i++)
        {
            var start = 1_700_000_000_000 + (i * 1000L);
            var e = new GatewayEvent
            {
                Id = EventIds.Create("gw-test", "a01", "x-high", start),
                Gateway = "gw-test",
                Asset = "a01",
                Tags = ["x"],
                Kind = EventKind.Rule,
                Source = "x-high",
                Severity = Severity.Warning,
                State = EventState.Closed,
                StartMs = start,
                EndMs = start + 500,
                PeakValue = 1,
                PeakScore = double.NaN,
                Threshold = 0.5,
                Message = "a01: x is high " + new string('x', 900),
                Explanation = "x = 1 vs 0.5",
                UpdatedMs = start + 500,
            };
            batch.Add(e);
            payloads[e.Id] = EventJson.Serialize(e);
            if (batch.Count == 100 || i == count - 1)
            {
                store.CommitEventRevisions(batch);
                batch.Clear();
            }
        }
        return payloads;
    }

    private static string Tail(string text) => text[^Math.Min(5000, text.Length)..];
}

/// <summary>Damages a SQLite file on disk the way a bad sector or a stray `dd` does.</summary>
internal static class DatabaseDamage
{
    /// <summary>Overwrites <paramref name="bytes"/> from the start of a leaf page in the middle of the table's b-tree.</summary>
    public static void OverwriteMiddleLeaf(string dbPath, string table, int bytes)
    {
        var file = ReadShared(dbPath);
        var pageSize = BinaryPrimitives.ReadUInt16BigEndian(file.AsSpan(16));
        var leaves = new List<long>();
        Walk(file, pageSize, RootPage(dbPath, table), leaves);
        Assert.True(leaves.Count > 20, $"{table} should span many pages, has {leaves.Count}");
        var junk = new byte[bytes];
        new Random(20261207).NextBytes(junk);
        using var f = new FileStream(dbPath, FileMode.Open, FileAccess.Write, FileShare.ReadWrite);
        f.Position = (leaves[leaves.Count / 2] - 1) * pageSize;
        f.Write(junk);
        f.Flush(flushToDisk: true);
    }

    private static byte[] ReadShared(string path)
    {
        using var f = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        var buffer = new byte[f.Length];
        f.ReadExactly(buffer);
        return buffer;
    }

    /// <summary>The table's root page, read through SQLite (read-only, beside the running gateway).</summary>
    private static long RootPage(string dbPath, string table)
    {
        using var db = new Microsoft.Data.Sqlite.SqliteConnection(new Microsoft.Data.Sqlite.SqliteConnectionStringBuilder
        {
            DataSource = dbPath,
            Mode = Microsoft.Data.Sqlite.SqliteOpenMode.ReadOnly,
            Pooling = false,
        }.ToString());
        db.Open();
        using var cmd = db.CreateCommand();
        cmd.CommandText = "SELECT rootpage FROM sqlite_master WHERE type='table' AND name=$t";
        cmd.Parameters.AddWithValue("$t", table);
        return Convert.ToInt64(cmd.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
    }

    // Interior table pages (type 5) list child page numbers; leaves are type 13.
    private static void Walk(byte[] file, int pageSize, long page, List<long> leaves)
    {
        var offset = (int)((page - 1) * pageSize) + (page == 1 ? 100 : 0);
        var type = file[offset];
        if (type == 13)
        {
            leaves.Add(page);
            return;
        }
        Assert.Equal(5, type);
        var cells = BinaryPrimitives.ReadUInt16BigEndian(file.AsSpan(offset + 3));
        var pageStart = (int)((page - 1) * pageSize);
        for (var c = 0; c < cells; c++)
        {
            var cell = pageStart + BinaryPrimitives.ReadUInt16BigEndian(file.AsSpan(offset + 12 + (2 * c)));
            Walk(file, pageSize, BinaryPrimitives.ReadUInt32BigEndian(file.AsSpan(cell)), leaves);
        }
        Walk(file, pageSize, BinaryPrimitives.ReadUInt32BigEndian(file.AsSpan(offset + 8)), leaves);
    }
}
