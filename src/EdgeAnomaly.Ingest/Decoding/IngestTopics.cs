namespace EdgeAnomaly.Ingest;

/// <summary>What a node topic carries.</summary>
public enum IngestTopicKind
{
    /// <summary>Not a v1 node topic under the configured prefix, or a bad node id.</summary>
    Invalid = 0,
    Readings,
    Status,
}

/// <summary>Topic names of MQTT contract v1 (docs/mqtt-contract.md), built and parsed in one place.</summary>
public static class IngestTopics
{
    public const int MaxNodeIdLength = 64;

    public static string ReadingsFilter(string prefix) => prefix + "/v1/nodes/+/readings";

    public static string StatusFilter(string prefix) => prefix + "/v1/nodes/+/status";

    public static string Readings(string prefix, string nodeId) => prefix + "/v1/nodes/" + nodeId + "/readings";

    public static string Status(string prefix, string nodeId) => prefix + "/v1/nodes/" + nodeId + "/status";

    public static bool IsValidPrefix(string? prefix) =>
        !string.IsNullOrEmpty(prefix)
        && prefix.AsSpan().IndexOfAny("+#") < 0
        && prefix[0] != '/'
        && prefix[^1] != '/'
        && !prefix.Contains("//", StringComparison.Ordinal);

    /// <summary>[A-Za-z0-9_-]{1,64}: safe in topics, file names and logs.</summary>
    public static bool IsValidNodeId(ReadOnlySpan<char> nodeId)
    {
        if (nodeId.IsEmpty || nodeId.Length > MaxNodeIdLength)
        {
            return false;
        }
        foreach (var c in nodeId)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c == '_' || c == '-'))
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>
    /// Splits "{prefix}/v1/nodes/{nodeId}/{readings|status}"; <paramref name="nodeId"/> is a slice of
    /// <paramref name="topic"/>, so nothing is allocated.
    /// </summary>
    public static IngestTopicKind Parse(ReadOnlySpan<char> topic, ReadOnlySpan<char> prefix, out ReadOnlySpan<char> nodeId)
    {
        nodeId = default;
        const string middle = "/v1/nodes/";
        if (!topic.StartsWith(prefix, StringComparison.Ordinal) || !topic[prefix.Length..].StartsWith(middle, StringComparison.Ordinal))
        {
            return IngestTopicKind.Invalid;
        }
        var rest = topic[(prefix.Length + middle.Length)..];
        var slash = rest.IndexOf('/');
        if (slash < 0)
        {
            return IngestTopicKind.Invalid;
        }
        var id = rest[..slash];
        var suffix = rest[(slash + 1)..];
        var kind = suffix switch
        {
            "readings" => IngestTopicKind.Readings,
            "status" => IngestTopicKind.Status,
            _ => IngestTopicKind.Invalid,
        };
        if (kind == IngestTopicKind.Invalid || !IsValidNodeId(id))
        {
            return IngestTopicKind.Invalid;
        }
        nodeId = id;
        return kind;
    }
}
