using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Unicode;

namespace EdgeAnomaly.Core.Events;

/// <summary>
/// Event ids are derived, not random: the same gateway, asset, cause and start time always give the
/// same id, so a re-detection after a crash and a redelivery upstream are recognisable as one event.
/// </summary>
public static class EventIds
{
    public static string Create(string gateway, string asset, string sourceKey, long startMs)
    {
        Span<byte> hash = stackalloc byte[32];
        // The UTF-8 of "{gateway}\n{asset}\n{sourceKey}\n{startMs}", written on the stack (the id string is the only
        // allocation); names too long for the buffer take the same text through the heap.
        Span<byte> utf8 = stackalloc byte[512];
        if (Utf8.TryWrite(utf8, CultureInfo.InvariantCulture, $"{gateway}\n{asset}\n{sourceKey}\n{startMs}", out var written))
        {
            SHA256.HashData(utf8[..written], hash);
        }
        else
        {
            SHA256.HashData(Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture, $"{gateway}\n{asset}\n{sourceKey}\n{startMs}")), hash);
        }
        return Convert.ToHexStringLower(hash[..16]);
    }
}
