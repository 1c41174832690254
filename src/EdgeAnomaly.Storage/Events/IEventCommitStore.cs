using EdgeAnomaly.Core.Events;

namespace EdgeAnomaly.Storage;

/// <summary>
/// Where the pipeline makes event revisions durable, and where a restarted pipeline finds what it had decided.
/// Persist, then signal: a caller announces revisions (log, uplink, observers) only after
/// <see cref="CommitEventRevisions"/> returned.
/// </summary>
public interface IEventCommitStore
{
    /// <summary>
    /// Stores the revisions, their outbox rows and the causes' decided-through marks in ONE transaction, durable on
    /// return. A revision already stored (same id, same or newer rev) is skipped. Throws
    /// <see cref="StoreFullException"/> when the disk has no room even after freeing what may be freed; then nothing
    /// of the batch is stored.
    /// </summary>
    void CommitEventRevisions(IReadOnlyList<GatewayEvent> revisions);

    /// <summary>Events whose latest revision is open, oldest first: a restarted gateway resumes their lifecycle.</summary>
    IReadOnlyList<GatewayEvent> GetOpenEvents();

    /// <summary>Every cause's decided-through mark with its latest event (null when the disk cap evicted it).</summary>
    IReadOnlyList<CauseCheckpoint> GetCauseCheckpoints();
}
