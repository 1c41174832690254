namespace EdgeAnomaly.Contracts;

/// <summary>What a gateway topic carries.</summary>
public enum GatewayTopicKind
{
    /// <summary>Not a v1 gateway topic under the given prefix, or a bad gateway id or asset.</summary>
    Invalid = 0,
    Events,
    Health,
    State,
}

/// <summary>
/// Gateway-to-central topics of contract v1, <c>{prefix}/v1/gateways/{gatewayId}/events/{asset}</c>, <c>.../health</c>
/// and <c>.../state</c>: one gateway's set (built once; the gateway publishes events, health and state through the
/// same instance, so they cannot name different gateways), the subscription filters a consumer of many gateways
/// uses, and the parser for what such a consumer receives.
/// </summary>
public sealed class GatewayTopics
{
    private const string Gateways = "/v1/gateways/";

    /// <param name="prefix">Topic prefix (<see cref="MqttContract.IsValidPrefix"/>).</param>
    /// <param name="gatewayId">The id the topics name (<see cref="MqttContract.IsValidId"/>); on the gateway, Central:GatewayId.</param>
    public GatewayTopics(string prefix, string gatewayId)
    {
        // The looser of the two prefix checks in use (Central:TopicPrefix); either way no wildcard reaches a topic name.
        if (string.IsNullOrEmpty(prefix) || prefix.AsSpan().IndexOfAny("+#") >= 0 || prefix[0] == '/' || prefix[^1] == '/')
        {
            throw new ArgumentException($"topic prefix '{prefix}' must be non-empty, without wildcards or leading/trailing '/'", nameof(prefix));
        }
        if (!MqttContract.IsValidId(gatewayId))
        {
            throw new ArgumentException($"gateway id '{gatewayId}' must match [A-Za-z0-9_-]{{1,64}}", nameof(gatewayId));
        }
        Prefix = prefix;
        GatewayId = gatewayId;
        Root = prefix + Gateways + gatewayId;
        State = Root + "/state";
        Health = Root + "/health";
        AllEvents = Root + "/events/#";
        All = Root + "/#";
    }

    public string Prefix { get; }

    public string GatewayId { get; }

    /// <summary>"{prefix}/v1/gateways/{gatewayId}".</summary>
    public string Root { get; }

    /// <summary>Retained online/offline state (<see cref="GatewayStateJson"/>).</summary>
    public string State { get; }

    /// <summary>Periodic health report (<see cref="HealthReport"/>).</summary>
    public string Health { get; }

    /// <summary>Filter: events of every asset of this gateway.</summary>
    public string AllEvents { get; }

    /// <summary>Filter: everything this gateway publishes.</summary>
    public string All { get; }

    /// <summary>Events topic of an asset. Builds a new string: a caller on a per-event path keeps its own cache.</summary>
    public string Events(string asset) => Root + "/events/" + asset;

    /// <summary>Filter: events of every gateway.</summary>
    public static string EventsFilter(string prefix) => prefix + Gateways + "+/events/#";

    /// <summary>Filter: health of every gateway.</summary>
    public static string HealthFilter(string prefix) => prefix + Gateways + "+/health";

    /// <summary>Filter: state of every gateway.</summary>
    public static string StateFilter(string prefix) => prefix + Gateways + "+/state";

    /// <summary>Filter: everything every gateway publishes.</summary>
    public static string AllFilter(string prefix) => prefix + Gateways + "+/#";

    /// <summary>
    /// Splits "{prefix}/v1/gateways/{gatewayId}/{events/{asset}|health|state}"; <paramref name="gatewayId"/> and
    /// <paramref name="asset"/> (empty unless events) are slices of <paramref name="topic"/>, nothing is allocated.
    /// </summary>
    public static GatewayTopicKind Parse(ReadOnlySpan<char> topic, ReadOnlySpan<char> prefix, out ReadOnlySpan<char> gatewayId, out ReadOnlySpan<char> asset)
    {
        gatewayId = default;
        asset = default;
        if (!topic.StartsWith(prefix, StringComparison.Ordinal) || !topic[prefix.Length..].StartsWith(Gateways, StringComparison.Ordinal))
        {
            return GatewayTopicKind.Invalid;
        }
        var rest = topic[(prefix.Length + Gateways.Length)..];
        var slash = rest.IndexOf('/');
        if (slash < 0 || !MqttContract.IsValidId(rest[..slash]))
        {
            return GatewayTopicKind.Invalid;
        }
        var id = rest[..slash];
        var suffix = rest[(slash + 1)..];
        const string events = "events/";
        GatewayTopicKind kind;
        if (suffix.SequenceEqual("health"))
        {
            kind = GatewayTopicKind.Health;
        }
        else if (suffix.SequenceEqual("state"))
        {
            kind = GatewayTopicKind.State;
        }
        else if (suffix.StartsWith(events, StringComparison.Ordinal) && MqttContract.IsValidId(suffix[events.Length..]))
        {
            kind = GatewayTopicKind.Events;
            asset = suffix[events.Length..];
        }
        else
        {
            return GatewayTopicKind.Invalid;
        }
        gatewayId = id;
        return kind;
    }
}
