using EdgeAnomaly.Core.Events;

namespace EdgeAnomaly.Core.Tests.Events;

/// <summary>
/// Event ids must never change between versions: a re-detection after an upgrade has to give the id the event was
/// stored and sent under. The expected values are SHA-256 of the UTF-8 text, first 16 bytes, lower-case hex.
/// </summary>
public class EventIdsTests
{
    [Theory]
    [InlineData("gateway-01", "pump-01", "rule:overcurrent", 1_767_225_600_000, "fdb347c60fca4ea29a7cc8977c33daf3")]
    // Longer than the stack buffer, non-ASCII, negative start: the heap path gives the same text.
    [InlineData("gw", "LONG", "stat:t\u00e9mp", -5, "d170c65f86506533354a3bb489c62d6b")]
    public void Create_IsSha256OfTheNewlineJoinedText(string gateway, string asset, string key, long startMs, string expected)
    {
        if (asset == "LONG")
        {
            asset = new string('a', 600);
        }
        Assert.Equal(expected, EventIds.Create(gateway, asset, key, startMs));
    }
}
