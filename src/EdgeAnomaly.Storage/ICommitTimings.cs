namespace EdgeAnomaly.Storage;

/// <summary>
/// Peaks of the event commit since the previous call. Each call resets its peak, so there is one reader (the health
/// reporter); that is why these are not in <see cref="IStoreQueries"/>.
/// </summary>
public interface ICommitTimings
{
    /// <summary>The longest wait of an event commit for the store's lock, in ms.</summary>
    double TakeLongestCommitLockWaitMs();

    /// <summary>The longest COMMIT (WAL write and fsync) of an event transaction, in ms.</summary>
    double TakeLongestCommitSyncMs();
}
