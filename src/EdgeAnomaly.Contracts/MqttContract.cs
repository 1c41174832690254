namespace EdgeAnomaly.Contracts;

/// <summary>
/// What both sides of MQTT contract v1 (docs/mqtt-contract.md) share: the version carried in every topic and payload,
/// the default prefix and the shape of prefixes and ids.
/// </summary>
public static class MqttContract
{
    /// <summary>The "v1" in every topic and the <c>"v":1</c> in every payload.</summary>
    public const int Version = 1;

    public const string DefaultTopicPrefix = "ea";

    /// <summary>Longest node id or gateway id.</summary>
    public const int MaxIdLength = 64;

    /// <summary>No wildcards, no leading, trailing or doubled '/'; may itself hold '/' ("site-3/ea").</summary>
    public static bool IsValidPrefix(string? prefix) =>
        !string.IsNullOrEmpty(prefix)
        && prefix.AsSpan().IndexOfAny("+#") < 0
        && prefix[0] != '/'
        && prefix[^1] != '/'
        && !prefix.Contains("//", StringComparison.Ordinal);

    /// <summary>A node or gateway id: [A-Za-z0-9_-]{1,64}, safe in topics, file names and logs.</summary>
    public static bool IsValidId(ReadOnlySpan<char> id)
    {
        if (id.IsEmpty || id.Length > MaxIdLength)
        {
            return false;
        }
        foreach (var c in id)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c == '_' || c == '-'))
            {
                return false;
            }
        }
        return true;
    }
}
