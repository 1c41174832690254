using EdgeAnomaly.Core.Events;
using EdgeAnomaly.Core.Tags;

namespace EdgeAnomaly.Storage.Tests;

internal static class TestData
{
    public static TagRegistry Registry(int assets = 2, int tagsPerAsset = 3)
    {
        var b = new TagRegistry.Builder();
        for (var a = 0; a < assets; a++)
        {
            b.AddAsset($"pump-{a}", "pump");
            for (var t = 0; t < tagsPerAsset; t++)
            {
                b.AddTag($"pump-{a}", $"tag{t}");
            }
        }
        return b.Build();
    }

    public static GatewayEvent Event(
        string id, string asset = "pump-0", int rev = 1, EventState state = EventState.Open,
        Severity severity = Severity.Warning, long startMs = 1_700_000_000_000, int messageBytes = 40) => new()
        {
            Id = id,
            Gateway = "gw-test",
            Asset = asset,
            Tags = ["current.a"],
            Kind = EventKind.Rule,
            Source = "rule:overcurrent",
            Severity = severity,
            State = state,
            StartMs = startMs,
            EndMs = state == EventState.Closed ? startMs + 5000 : null,
            PeakValue = 12.5,
            PeakScore = double.NaN,
            Threshold = 10,
            Message = new string('m', messageBytes),
            Explanation = "current.a 12.5 > 10",
            Revision = rev,
            UpdatedMs = startMs + rev,
        };

    public static StoreOptions Options(string path, long maxBytes = 64 * StoreOptions.MiB) => new()
    {
        Path = path,
        MaxDiskBytes = maxBytes,
    };
}
