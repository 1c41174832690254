using EdgeAnomaly.Core.Readings;
using EdgeAnomaly.Scoring.Pipeline;
using EdgeAnomaly.Storage;

namespace EdgeAnomaly.Runtime.Models;

/// <summary>Where a trainer reads an asset's warm-up readings back from, when the slots only count them.</summary>
public interface ITrainingReadings
{
    /// <summary>
    /// The good readings of the model's tags with timestamps in [<paramref name="fromMs"/>, <paramref name="toMs"/>],
    /// once every reading the pipeline had appended before <paramref name="requestedAt"/> (a
    /// <see cref="TimeProvider.GetTimestamp"/> value) is readable. Runs on the training thread.
    /// </summary>
    TrainingHistory Load(AssetModelSettings settings, long fromMs, long toMs, long requestedAt, CancellationToken ct);
}

/// <summary>
/// The readings history in SQLite is the training data: the gateway writes every reading there anyway, so keeping a
/// second copy in memory for the whole warm-up (16 B per reading, 2 h at 1,000 tags x 1 Hz = 115 MB) is waste. The
/// trainer waits for the flush pass that started after the training request (at most one flush interval), then
/// reads the warm-up window back tag by tag; each read holds the store's lock for one tag only, so the pipeline is
/// not stalled. Readings the disk cap evicted meanwhile are missing: the trainer trains on what is left, and the
/// usual minimum (Models:MinTrainingSteps) decides whether that is enough.
/// </summary>
public sealed class StoredTrainingReadings(IReadingsHistory store, TimeSpan maxWait) : ITrainingReadings
{
    public TrainingHistory Load(AssetModelSettings settings, long fromMs, long toMs, long requestedAt, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(settings);
        // Bounded in real time: the wait is for the pipeline thread, whatever clock the gateway runs on.
        var waited = System.Diagnostics.Stopwatch.StartNew();
        while (store.ReadingsWrittenBefore <= requestedAt && waited.Elapsed < maxWait)
        {
            // Polling a volatile stamp once a second from the training thread: training starts at most a second late.
            if (ct.WaitHandle.WaitOne(TimeSpan.FromSeconds(1)))
            {
                ct.ThrowIfCancellationRequested();
            }
        }
        var history = new TrainingHistory(settings.Tags);
        for (var t = 0; t < settings.Tags.Count; t++)
        {
            ct.ThrowIfCancellationRequested();
            foreach (var r in store.ReadReadings(settings.Asset, settings.Tags[t], fromMs, toMs))
            {
                // The pipeline gives the model only good readings; the history keeps every quality.
                if (r.Quality == ReadingQuality.Good)
                {
                    history.Add(t, r.TimestampMs, r.Value);
                }
            }
        }
        return history;
    }
}
