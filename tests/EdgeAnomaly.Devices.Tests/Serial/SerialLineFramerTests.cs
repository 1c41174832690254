using System.Text;
using EdgeAnomaly.Devices.Serial;

namespace EdgeAnomaly.Devices.Tests.Serial;

public class SerialLineFramerTests
{
    private static List<string> Feed(SerialLineFramer framer, params string[] chunks)
    {
        var lines = new List<string>();
        foreach (var chunk in chunks)
        {
            ReadOnlySpan<byte> input = Encoding.Latin1.GetBytes(chunk);
            while (framer.TryReadLine(ref input, out var line))
            {
                lines.Add(Encoding.Latin1.GetString(line));
            }
        }
        return lines;
    }

    [Theory]
    [InlineData(new[] { "a=1\n" }, "a=1")]
    [InlineData(new[] { "a=1\r\nb=2\r\n" }, "a=1|b=2")]
    [InlineData(new[] { "a=1\rb=2\r" }, "a=1|b=2")]
    [InlineData(new[] { "\n\n\r\na=1\n\n" }, "a=1")] // empty lines are skipped
    [InlineData(new[] { "a=", "1\nb", "=2", "\n" }, "a=1|b=2")] // split across reads
    [InlineData(new[] { "a=1" }, "")] // unfinished: kept for later
    [InlineData(new[] { "a=1\r", "\nb=2\n" }, "a=1|b=2")] // CRLF split between reads
    [InlineData(new[] { "0123456789\nshort\n" }, "short")] // 10 bytes > max 8: dropped whole
    [InlineData(new[] { "01234", "56789", "abc\nshort\n" }, "short")] // over-long across reads: dropped to the next line end
    [InlineData(new[] { "0123", "4567\n" }, "01234567")] // exactly the maximum
    [InlineData(new[] { "0123456789", "\n", "ok\n" }, "ok")]
    public void TryReadLine_Table(string[] chunks, string expected)
    {
        var framer = new SerialLineFramer(8);
        Assert.Equal(expected, string.Join("|", Feed(framer, chunks)));
    }

    [Fact]
    public void OverlongLines_AreCounted()
    {
        var framer = new SerialLineFramer(8);
        Feed(framer, "0123456789\n", "01234", "5678", "9\n", "ok\n");
        Assert.Equal(2, framer.OverlongLines);
    }

    [Fact]
    public void Reset_DropsTheUnfinishedLineAndCountsIt()
    {
        var framer = new SerialLineFramer(64);
        Assert.Empty(Feed(framer, "temp=2"));
        framer.Reset();
        Assert.Equal(1, framer.PartialLinesDropped);
        Assert.Equal(new[] { "1.5,hum=40" }, Feed(framer, "1.5,hum=40\n"));
    }
}
