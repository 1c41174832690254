using System.Security.Cryptography;
using System.Text;

namespace EdgeAnomaly.Core.Events;

/// <summary>
/// Event ids are derived, not random: the same gateway, asset, cause and start time always give the
/// same id, so a re-detection after a crash and a redelivery upstream are recognisable as one event.
/// </summary>
public static class EventIds
{
    public static string Create(string gateway, string asset, string sourceKey, long startMs)
    {
        var text = string.Create(null, stackalloc char[256], $"{gateway}\n{asset}\n{sourceKey}\n{startMs}");
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(Encoding.UTF8.GetBytes(text), hash);
        return Convert.ToHexStringLower(hash[..16]);
    }
}
