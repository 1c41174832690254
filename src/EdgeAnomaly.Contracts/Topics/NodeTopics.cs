namespace EdgeAnomaly.Contracts;

/// <summary>What a node topic carries.</summary>
public enum NodeTopicKind
{
    /// <summary>Not a v1 node topic under the given prefix, or a bad node id.</summary>
    Invalid = 0,
    Readings,
    Status,
}

/// <summary>
/// Node-to-gateway topics of contract v1: <c>{prefix}/v1/nodes/{nodeId}/readings</c> and <c>.../status</c>, built,
/// parsed and as the subscription filters the gateway uses.
/// </summary>
public static class NodeTopics
{
    private const string Nodes = "/v1/nodes/";

    /// <summary>Readings of every node.</summary>
    public static string ReadingsFilter(string prefix) => prefix + Nodes + "+/readings";

    /// <summary>Status of every node.</summary>
    public static string StatusFilter(string prefix) => prefix + Nodes + "+/status";

    public static string Readings(string prefix, string nodeId) => prefix + Nodes + nodeId + "/readings";

    public static string Status(string prefix, string nodeId) => prefix + Nodes + nodeId + "/status";

    /// <summary>
    /// Splits "{prefix}/v1/nodes/{nodeId}/{readings|status}"; <paramref name="nodeId"/> is a slice of
    /// <paramref name="topic"/>, so nothing is allocated (the gateway parses every message's topic).
    /// </summary>
    public static NodeTopicKind Parse(ReadOnlySpan<char> topic, ReadOnlySpan<char> prefix, out ReadOnlySpan<char> nodeId)
    {
        nodeId = default;
        if (!topic.StartsWith(prefix, StringComparison.Ordinal) || !topic[prefix.Length..].StartsWith(Nodes, StringComparison.Ordinal))
        {
            return NodeTopicKind.Invalid;
        }
        var rest = topic[(prefix.Length + Nodes.Length)..];
        var slash = rest.IndexOf('/');
        if (slash < 0)
        {
            return NodeTopicKind.Invalid;
        }
        var id = rest[..slash];
        var kind = rest[(slash + 1)..] switch
        {
            "readings" => NodeTopicKind.Readings,
            "status" => NodeTopicKind.Status,
            _ => NodeTopicKind.Invalid,
        };
        if (kind == NodeTopicKind.Invalid || !MqttContract.IsValidId(id))
        {
            return NodeTopicKind.Invalid;
        }
        nodeId = id;
        return kind;
    }
}
