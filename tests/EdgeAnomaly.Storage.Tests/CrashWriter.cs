using EdgeAnomaly.Core.Diagnostics;
using EdgeAnomaly.Core.Readings;

namespace EdgeAnomaly.Storage.Tests;

/// <summary>
/// Entry point of this test assembly when run as a child process (`dotnet EdgeAnomaly.Storage.Tests.dll
/// crash-writer DB PREFIX`): writes events and readings in a loop and prints each event id only after its
/// commit returned, until it is SIGKILLed. The test host never calls Main.
/// </summary>
public static class CrashWriter
{
    public const string Mode = "crash-writer";

    public static int Main(string[] args)
    {
        if (args.Length != 3 || args[0] != Mode)
        {
            Console.Error.WriteLine($"usage: {Mode} DB PREFIX");
            return 2;
        }
        using var store = new GatewayStore(TestData.Options(args[1]), new GatewayCounters());
        store.RegisterTags(TestData.Registry());
        var readings = new Reading[6];
        var ts = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        for (var i = 0; ; i++)
        {
            var id = $"{args[2]}-{i:D6}";
            store.CommitEventRevisions([TestData.Event(id, asset: $"pump-{i % 2}", startMs: ts + i)]);
            Console.Out.Write(id + "\n");
            Console.Out.Flush();
            for (var t = 0; t < readings.Length; t++)
            {
                readings[t] = new Reading(t, ts + i, i * 0.5);
            }
            store.AppendReadings(readings);
            if (i % 7 == 0)
            {
                store.FlushReadings();
            }
        }
    }
}
