using System.Diagnostics;
using EdgeAnomaly.Core.Diagnostics;
using EdgeAnomaly.TestSupport;
using Microsoft.Data.Sqlite;
using Xunit.Abstractions;

namespace EdgeAnomaly.Storage.Tests;

public sealed class CrashSafetyTests(ITestOutputHelper output) : IDisposable
{
    private const int Kills = 24;
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task Store_SigkilledWhileWriting_ReopensCleanWithEveryReportedCommit()
    {
        var db = _dir.File("crash.db");
        var reported = new List<string>();
        var rng = new Random(12345);
        for (var round = 0; round < Kills; round++)
        {
            var ids = await RunAndKill(db, $"r{round:D2}", killAfterCommits: rng.Next(1, 120), extraSpins: rng.Next(0, 200_000));
            reported.AddRange(ids);
            AssertIntegrity(db);
        }

        using var store = new GatewayStore(TestData.Options(db), new GatewayCounters());
        var missing = reported.Where(id => store.GetEvent(id) is null).ToList();
        output.WriteLine($"{Kills} kills, {reported.Count} commits reported, {missing.Count} missing");
        Assert.Empty(missing);
        Assert.True(reported.Count >= Kills, "each child reports at least one commit before it is killed");
        Assert.Equal(store.ListEvents(int.MaxValue).Count, store.PendingCount);
    }

    /// <summary>Starts the child, waits for some commits, spins a random while, then SIGKILLs it.</summary>
    private static async Task<List<string>> RunAndKill(string db, string prefix, int killAfterCommits, int extraSpins)
    {
        var psi = new ProcessStartInfo(DotnetHost(), [typeof(CrashWriter).Assembly.Location, CrashWriter.Mode, db, prefix])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        using var child = Process.Start(psi)!;
        var stderr = child.StandardError.ReadToEndAsync();
        var ids = new List<string>();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (ids.Count < killAfterCommits)
        {
            var line = await child.StandardOutput.ReadLineAsync(timeout.Token);
            if (line is null)
            {
                Assert.Fail($"child exited early ({(child.HasExited ? child.ExitCode : -1)}): {await stderr}");
            }
            ids.Add(line!);
        }
        Thread.SpinWait(extraSpins); // a random moment: mid-commit, mid-flush or mid-print
        child.Kill(); // SIGKILL
        await child.WaitForExitAsync();
        // Lines printed between our last read and the kill are commits too; a torn last line is not a whole id.
        var rest = await child.StandardOutput.ReadToEndAsync();
        foreach (var line in rest.Split('\n'))
        {
            if (line.Length == prefix.Length + 7)
            {
                ids.Add(line);
            }
        }
        return ids;
    }

    private static void AssertIntegrity(string db)
    {
        using var c = new SqliteConnection($"Data Source={db};Pooling=False");
        c.Open();
        using var cmd = c.CreateCommand();
        cmd.CommandText = "PRAGMA integrity_check";
        Assert.Equal("ok", cmd.ExecuteScalar());
    }

    private static string DotnetHost()
    {
        var fromEnv = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH");
        if (!string.IsNullOrEmpty(fromEnv) && File.Exists(fromEnv))
        {
            return fromEnv;
        }
        var self = Environment.ProcessPath;
        return self is not null && Path.GetFileNameWithoutExtension(self) == "dotnet" ? self : "dotnet";
    }
}
