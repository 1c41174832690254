namespace EdgeAnomaly.Storage;

/// <summary>The disk cap's periodic side, for the caller that ticks (the pipeline).</summary>
public interface IStoreHousekeeping
{
    /// <summary>True while the file system's free space, not the configured cap, limits the store.</summary>
    bool DiskFull { get; }

    /// <summary>Re-reads the free space, truncates a WAL over its budget, clears <see cref="DiskFull"/> once space is back. Never throws for a full disk.</summary>
    void MaintainDisk();
}
