namespace EdgeAnomaly.Storage;

/// <summary>
/// The write side of the readings history, for the pipeline thread only: readings are buffered per tag without
/// allocating and written as blocks by flush passes.
/// </summary>
public interface IReadingsRecorder
{
    /// <summary>Buffers readings of registered tags (a tag's full buffer is written at once).</summary>
    void AppendReadings(ReadOnlySpan<EdgeAnomaly.Core.Readings.Reading> readings);

    /// <summary>Writes every buffered reading in one transaction (a whole pass). Returns the blocks written.</summary>
    int FlushReadings();

    /// <summary>
    /// One slice of a flush pass, writing at least <paramref name="maxReadings"/> readings or up to the last tag;
    /// true when the pass is complete.
    /// </summary>
    bool FlushReadingsSlice(int maxReadings);
}
