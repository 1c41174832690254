using EdgeAnomaly.Core.Diagnostics;

namespace EdgeAnomaly.Ingest;

/// <summary>
/// Outcome of one readings message. <see cref="Rejected"/> counts rejected readings, or 1 when the message as a
/// whole was refused (<see cref="MessageRejected"/>); <see cref="FirstReject"/> feeds rate-limited logging.
/// </summary>
public readonly record struct DecodeResult(int Accepted, int Rejected, RejectReason? FirstReject, bool MessageRejected, int NodeIndex)
{
    /// <summary>Index into <see cref="ReadingDecoder.Nodes"/>, or -1 when the topic named no valid node.</summary>
    public bool HasNode => NodeIndex >= 0;
}

/// <summary>Online/offline as last reported by the node (or inferred from its readings).</summary>
public enum NodeOnlineState : byte
{
    Unknown = 0,
    Online,
    Offline,
}

/// <summary>A node status message decoded; <see cref="IsTransition"/> tells whether the state changed.</summary>
public readonly record struct NodeStatusChange(
    string NodeId,
    NodeOnlineState Previous,
    NodeOnlineState Current,
    long ReceivedAtMs,
    long? NodeTimestampMs,
    string? Firmware)
{
    public bool IsTransition => Previous != Current;
}

/// <summary>A snapshot of what the gateway knows about one node, for health and diagnostics.</summary>
public sealed record NodeState(
    string NodeId,
    NodeOnlineState State,
    long LastSeenMs,
    long Messages,
    long SequenceGaps,
    long SequenceResets,
    long DuplicateMessages,
    long? ClockOffsetMs,
    string? Firmware)
{
    public bool Online => State == NodeOnlineState.Online;
}
