namespace EdgeAnomaly.Storage;

/// <summary>The "Store" configuration section: where the SQLite file lives and how much disk it may use.</summary>
public sealed class StoreOptions
{
    public const long MiB = 1024 * 1024;

    /// <summary>Database file path; the -wal and -shm files sit beside it.</summary>
    public string Path { get; set; } = "edgeanomaly.db";

    /// <summary>Upper bound for the main file plus the -wal file (the -shm index is not counted, see docs/storage.md).</summary>
    public long MaxDiskBytes { get; set; } = 1024 * MiB;

    /// <summary>
    /// Free space on the file system that the readings history never takes (the effective cap is
    /// min(<see cref="MaxDiskBytes"/>, current files + free space - this)). Event commits may use it, down to a small
    /// floor, so an event can still be written on a disk that other data has filled. Default 16 MiB.
    /// </summary>
    public long FreeSpaceReserveBytes { get; set; } = 16 * MiB;

    /// <summary>Reading blocks whose newest reading is older than this are deleted.</summary>
    public TimeSpan ReadingsMaxAge { get; set; } = TimeSpan.FromDays(7);

    /// <summary>How often the pipeline calls <see cref="GatewayStore.FlushReadings"/>; the last interval may be lost on power loss.</summary>
    /// <remarks>
    /// 60 s by default for SD-card wear: at 100 tags x 1 Hz a 10 s flush wrote 24 MB/h, a 60 s flush 7 MB/h
    /// (docs/benchmarks.md). Only readings history waits for the flush; events are committed at once.
    /// </remarks>
    public TimeSpan ReadingsFlushInterval { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// Readings buffered per tag before that tag's block is written early. Buffers grow to what a flush interval needs
    /// (at most tags x capacity x 17 bytes; 64 readings per tag to start).
    /// </summary>
    public int ReadingsBlockCapacity { get; set; } = 1024;

    /// <summary>
    /// SQLite page cache of the gateway's connection, in KiB (PRAGMA cache_size). SQLite's default is 2,000 KiB;
    /// the store appends blocks and events and reads back little, so a small cache costs few reads (the OS page
    /// cache still holds the file) and keeps the RSS down on a 1 GB board (docs/benchmarks.md section 5).
    /// </summary>
    public int CacheKiB { get; set; } = 512;

    public IEnumerable<string> Validate()
    {
        if (string.IsNullOrWhiteSpace(Path))
        {
            yield return "Store:Path must be set";
        }
        if (MaxDiskBytes < MiB)
        {
            yield return "Store:MaxDiskBytes must be >= 1 MiB";
        }
        if (FreeSpaceReserveBytes is < 0 or > 1024L * 1024 * MiB)
        {
            yield return "Store:FreeSpaceReserveBytes must be between 0 and 1 TiB";
        }
        if (ReadingsMaxAge < TimeSpan.FromMinutes(1))
        {
            yield return "Store:ReadingsMaxAge must be >= 1 minute";
        }
        if (ReadingsFlushInterval < TimeSpan.FromMilliseconds(100) || ReadingsFlushInterval > TimeSpan.FromMinutes(10))
        {
            yield return "Store:ReadingsFlushInterval must be between 100 ms and 10 minutes";
        }
        if (ReadingsBlockCapacity is < 16 or > 65536)
        {
            yield return "Store:ReadingsBlockCapacity must be between 16 and 65536";
        }
        if (CacheKiB is < 64 or > 1048576)
        {
            yield return "Store:CacheKiB must be between 64 and 1048576";
        }
    }
}
