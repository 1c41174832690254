namespace EdgeAnomaly.Rules.Tests;

public class SyntaxTests
{
    [Theory]
    [InlineData("pump-*", "pump-1", true)]
    [InlineData("pump-*", "pump-", true)]
    [InlineData("pump-*", "motor-1", false)]
    [InlineData("pump-?", "pump-12", false)]
    [InlineData("*-1", "motor-1", true)]
    [InlineData("*", "", true)]
    [InlineData("p*p-*1", "pump-11", true)]
    [InlineData("p*p-*1", "pump-12", false)]
    [InlineData("pump-1", "pump-1", true)]
    [InlineData("Pump-1", "pump-1", false)]
    [InlineData("a**b", "ab", true)]
    public void Glob_Pattern_MatchesAsExpected(string pattern, string text, bool match)
    {
        Assert.Equal(match, Glob.IsMatch(pattern, text));
    }

    [Theory]
    [InlineData("500ms", 500)]
    [InlineData("10s", 10_000)]
    [InlineData("5m", 300_000)]
    [InlineData("1h", 3_600_000)]
    [InlineData("2h15m", 8_100_000)]
    [InlineData("0.5s", 500)]
    [InlineData("0", 0)]
    [InlineData(" 3s ", 3_000)]
    public void Durations_ValidLiteral_Parses(string text, long ms)
    {
        Assert.True(Durations.TryParse(text, out var d));
        Assert.Equal(TimeSpan.FromMilliseconds(ms), d);
    }

    [Theory]
    [InlineData("")]
    [InlineData("10")]
    [InlineData("10x")]
    [InlineData("s")]
    [InlineData("10 s")]
    [InlineData("-5s")]
    [InlineData("5mm")]
    public void Durations_InvalidLiteral_IsRejected(string text)
    {
        Assert.False(Durations.TryParse(text, out _));
    }

    [Theory]
    [InlineData(500, "500ms")]
    [InlineData(10_000, "10s")]
    [InlineData(300_000, "5m")]
    [InlineData(7_200_000, "2h")]
    [InlineData(0, "0s")]
    public void Durations_Format_ReadsBack(long ms, string text)
    {
        Assert.Equal(text, Durations.Format(TimeSpan.FromMilliseconds(ms)));
        Assert.True(Durations.TryParse(text, out var back));
        Assert.Equal(ms, (long)back.TotalMilliseconds);
    }
}
