using EdgeAnomaly.Core.Events;

namespace EdgeAnomaly.Storage;

/// <summary>One revision waiting to go upstream; <see cref="Payload"/> is published byte for byte.</summary>
public sealed record OutboxEntry(long Seq, string EventId, int Revision, string Asset, Severity Severity, byte[] Payload, long CreatedMs);

/// <summary>An event's latest revision as stored, and whether that revision has been acknowledged upstream.</summary>
public sealed record StoredEvent(GatewayEvent Event, bool Delivered);

/// <summary>What the store holds, for health and the CLI.</summary>
public readonly record struct StoreStats(long DatabaseBytes, long ReadingBlocks, long Events, long PendingRevisions);
