using EdgeAnomaly.Contracts;

namespace EdgeAnomaly.Ingest;

/// <summary>
/// Validation policy for node payloads (configuration section "Ingest"). Defaults are the ones stated in
/// docs/mqtt-contract.md; change them there too.
/// </summary>
public sealed class IngestOptions
{
    public const string Section = "Ingest";

    /// <summary>Topic prefix before "/v1/nodes/...": no wildcards, no leading or trailing '/'.</summary>
    public string TopicPrefix { get; set; } = "ea";

    /// <summary>Larger payloads are refused as oversized_payload without being parsed.</summary>
    public int MaxPayloadBytes { get; set; } = 65536;

    /// <summary>A batch with more readings is refused whole as too_many_readings.</summary>
    public int MaxReadingsPerMessage { get; set; } = 1000;

    /// <summary>How far ahead of the gateway clock a reading may be before it is future_timestamp.</summary>
    public TimeSpan FutureTolerance { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How old a reading may be (backlog after a reconnect) before it is stale_timestamp.</summary>
    public TimeSpan MaxAge { get; set; } = TimeSpan.FromHours(24);

    /// <summary>
    /// Nodes tracked for sequence and clock offset. Bounded so a misbehaving publisher inventing node ids
    /// cannot grow memory; messages from further new nodes are refused as bad_topic.
    /// </summary>
    public int MaxNodes { get; set; } = 1024;

    /// <summary>Every problem, each naming its key; empty when the options are usable.</summary>
    public IEnumerable<string> Validate()
    {
        if (!MqttContract.IsValidPrefix(TopicPrefix))
        {
            yield return $"{Section}:TopicPrefix must be non-empty, without '+', '#', leading or trailing '/' (got '{TopicPrefix}')";
        }
        if (MaxPayloadBytes is < 1 or > 1048576)
        {
            yield return $"{Section}:MaxPayloadBytes must be 1..1048576 (got {MaxPayloadBytes})";
        }
        if (MaxReadingsPerMessage is < 1 or > 100000)
        {
            yield return $"{Section}:MaxReadingsPerMessage must be 1..100000 (got {MaxReadingsPerMessage})";
        }
        if (FutureTolerance < TimeSpan.Zero || FutureTolerance > TimeSpan.FromHours(1))
        {
            yield return $"{Section}:FutureTolerance must be 0..01:00:00 (got {FutureTolerance})";
        }
        if (MaxAge <= TimeSpan.Zero || MaxAge > TimeSpan.FromDays(30))
        {
            yield return $"{Section}:MaxAge must be > 0 and <= 30 days (got {MaxAge})";
        }
        if (MaxNodes is < 1 or > 100000)
        {
            yield return $"{Section}:MaxNodes must be 1..100000 (got {MaxNodes})";
        }
    }
}
