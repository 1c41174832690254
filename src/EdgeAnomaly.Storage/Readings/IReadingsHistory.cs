using EdgeAnomaly.Storage.Readings;

namespace EdgeAnomaly.Storage;

/// <summary>The read side of the readings history (e.g. a trainer reading a warm-up window back), from any thread.</summary>
public interface IReadingsHistory
{
    /// <summary>
    /// A <see cref="TimeProvider.GetTimestamp"/> value: every reading appended before it is readable (the start of
    /// the last complete flush pass).
    /// </summary>
    long ReadingsWrittenBefore { get; }

    /// <summary>Readings of one tag with timestamps in [<paramref name="fromMs"/>, <paramref name="toMs"/>], oldest first.</summary>
    IReadOnlyList<StoredReading> ReadReadings(string asset, string tag, long fromMs, long toMs);
}
