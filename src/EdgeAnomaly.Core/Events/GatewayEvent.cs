namespace EdgeAnomaly.Core.Events;

/// <summary>
/// An event as stored and as sent upstream. Every lifecycle change bumps <see cref="Revision"/>;
/// the (Id, Revision) pair identifies one stored, immutable payload.
/// </summary>
public sealed record GatewayEvent
{
    public required string Id { get; init; }
    public required string Gateway { get; init; }
    public required string Asset { get; init; }
    public required string[] Tags { get; init; }
    public required EventKind Kind { get; init; }
    public required string Source { get; init; }
    public required Severity Severity { get; init; }
    public required EventState State { get; init; }
    public required long StartMs { get; init; }
    public long? EndMs { get; init; }
    public required double PeakValue { get; init; }
    public required double PeakScore { get; init; }
    public required double Threshold { get; init; }
    public required string Message { get; init; }
    public required string Explanation { get; init; }
    /// <summary>How many activations of the same cause were merged into this event (dedup window).</summary>
    public int Occurrences { get; init; } = 1;
    public int Revision { get; init; } = 1;
    public required long UpdatedMs { get; init; }

    /// <summary>
    /// Not part of the event's payload: the newest reading timestamp this revision reflects, stored with the
    /// revision as its cause's decided-through mark (see <see cref="CauseCheckpoint"/>); null when no reading
    /// decided it (a close after the orphan grace, a revision read back from the store).
    /// </summary>
    public long? DecidedThroughMs { get; init; }
}
