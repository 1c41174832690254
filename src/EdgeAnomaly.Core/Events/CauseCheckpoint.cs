namespace EdgeAnomaly.Core.Events;

/// <summary>
/// What a restarted gateway needs to continue one cause (asset, source key) exactly where the committed revisions
/// left it: the newest reading timestamp already reflected in a committed revision of the cause, and the cause's
/// latest event (open, or closed but still able to reopen inside its cooldown), when the store still has it.
/// </summary>
/// <param name="Asset">Asset name.</param>
/// <param name="Source">Cause key, e.g. "rule:pump-overcurrent".</param>
/// <param name="DecidedThroughMs">Reports at or before this time were decided before the restart.</param>
/// <param name="Latest">The cause's latest stored event revision, or null.</param>
public sealed record CauseCheckpoint(string Asset, string Source, long DecidedThroughMs, GatewayEvent? Latest);
