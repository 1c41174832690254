using System.CommandLine;
using System.Globalization;
using System.Text;
using EdgeAnomaly.Contracts;
using EdgeAnomaly.Core.Diagnostics;
using EdgeAnomaly.Core.Events;
using EdgeAnomaly.Storage;

namespace EdgeAnomaly.Gateway.Cli;

/// <summary>`edgeanomaly events list --db PATH [--json] [--limit N]`: what the gateway stored, newest first.</summary>
public static class EventsCommands
{
    public static Command Create()
    {
        var db = new Option<FileInfo>("--db") { Description = "Path to the gateway database (edgeanomaly.db).", Required = true };
        var json = new Option<bool>("--json") { Description = "One JSON object per line, exactly as stored and sent upstream." };
        var limit = new Option<int>("--limit") { Description = "How many events at most.", DefaultValueFactory = _ => 50 };
        var list = new Command("list", "List stored events, newest first.") { db, json, limit };
        list.SetAction(parse =>
        {
            var path = parse.GetValue(db)!;
            if (!path.Exists)
            {
                Console.Error.WriteLine($"events: database '{path.FullName}' not found");
                return 2;
            }
            var n = parse.GetValue(limit);
            if (n <= 0)
            {
                Console.Error.WriteLine("events: --limit must be positive");
                return 2;
            }
            using var store = new GatewayStore(new StoreOptions { Path = path.FullName }, new GatewayCounters());
            Print(store, n, parse.GetValue(json));
            return 0;
        });
        return new Command("events", "Inspect stored events.") { list };
    }

    /// <summary>Writes the newest <paramref name="limit"/> events: a table, or the stored JSON one per line.</summary>
    public static void Print(IStoreQueries store, int limit, bool json)
    {
        ArgumentNullException.ThrowIfNull(store);
        var events = store.ListEvents(limit);
        if (json)
        {
            foreach (var stored in events)
            {
                Console.WriteLine(Encoding.UTF8.GetString(EventJson.Serialize(stored.Event)));
            }
            return;
        }
        Console.WriteLine($"{"start (UTC)",-23} {"severity",-8} {"state",-6} {"kind",-12} {"asset",-14} {"source",-28} message");
        foreach (var stored in events)
        {
            var e = stored.Event;
            var start = DateTimeOffset.FromUnixTimeMilliseconds(e.StartMs).ToString("yyyy-MM-dd HH:mm:ss.fff", CultureInfo.InvariantCulture);
            Console.WriteLine($"{start,-23} {e.Severity.ToWire(),-8} {e.State.ToWire(),-6} {e.Kind.ToWire(),-12} {e.Asset,-14} {e.Source,-28} {e.Message}{(stored.Delivered ? "" : "  [not yet uplinked]")}");
        }
        Console.WriteLine($"{events.Count} events, {store.PendingCount} revisions waiting for uplink");
    }
}
