using System.Text;
using EdgeAnomaly.Core.Readings;
using EdgeAnomaly.Devices.Serial;

namespace EdgeAnomaly.Devices.Tests.Serial;

public class SerialLineDecoderTests
{
    private const long Now = 1_700_000_000_000;

    private static readonly Dictionary<string, int> Tags = new() { ["temp"] = 0, ["hum"] = 1, ["run"] = 2, ["p"] = 3 };

    private static int? Resolve(string asset, string tag) => asset == "node" && Tags.TryGetValue(tag, out var id) ? id : null;

    private static SerialLineDecoder Decoder(SerialLineFormat format, bool deviceTime = false, params SerialTagOptions[] map) =>
        new(format, "node", map, Resolve, deviceTime);

    private static string Run(SerialLineDecoder decoder, string line)
    {
        var readings = decoder.Decode(Encoding.UTF8.GetBytes(line), Now, out var reject);
        return reject != SerialLineReject.None
            ? reject.ToString()
            : string.Join(",", readings.ToArray().Select(r => $"{r.TagId}:{r.Value.ToString(System.Globalization.CultureInfo.InvariantCulture)}"));
    }

    [Theory]
    [InlineData("temp=21.5,hum=40", "0:21.5,1:40")]
    [InlineData(" temp = 21.5 ; hum=4e1 ;", "0:21.5,1:40")]
    [InlineData("run=true,p=-0.5", "2:1,3:-0.5")]
    [InlineData("temp=21.5,zzz=3", "0:21.5")] // unknown key: refused alone
    [InlineData("temp=NaN,hum=40", "1:40")] // not finite: refused alone
    [InlineData("temp=Infinity", "NoValues")]
    [InlineData("temp=1e999", "NoValues")] // overflows to infinity
    [InlineData("zzz=1", "NoValues")]
    [InlineData("temp=21.5,hum", "Malformed")] // field without '='
    [InlineData("1.5,hum=40", "Malformed")] // the tail of a line cut by a reconnect
    [InlineData("=21.5", "Malformed")]
    [InlineData(",hum=40", "Malformed")]
    [InlineData("temp=21.5x", "Malformed")]
    [InlineData("temp=", "Malformed")]
    [InlineData("\u0001\u00ff\u0000garbage", "Malformed")]
    [InlineData("ts=1700000000000,temp=1", "0:1")]
    public void KeyValue_Table(string line, string expected) => Assert.Equal(expected, Run(Decoder(SerialLineFormat.KeyValue), line));

    [Theory]
    [InlineData("{\"temp\":21.5,\"hum\":40}", "0:21.5,1:40")]
    [InlineData(" { \"temp\" : -2.5e1 , \"run\" : false } ", "0:-25,2:0")]
    [InlineData("{\"ts\":1700000000000,\"values\":{\"temp\":1,\"hum\":2}}", "0:1,1:2")]
    [InlineData("{\"values\":{\"temp\":1},\"hum\":2}", "0:1,1:2")]
    [InlineData("{\"temp\":\"21.5\",\"hum\":40}", "1:40")] // a string is not a reading
    [InlineData("{\"temp\":null,\"hum\":[1,2],\"p\":{\"x\":1},\"run\":1}", "2:1")]
    [InlineData("{\"te\\u006dp\":1}", "NoValues")] // escaped keys name no tag
    [InlineData("{\"zzz\":1}", "NoValues")]
    [InlineData("{}", "NoValues")]
    [InlineData("{\"temp\":21.5", "Malformed")]
    [InlineData("\"temp\":21.5}", "Malformed")] // the tail of a cut line
    [InlineData("{\"temp\":21.5}}", "Malformed")]
    [InlineData("{\"temp\":21.5}{\"hum\":1}", "Malformed")]
    [InlineData("{\"temp\":01}", "Malformed")]
    [InlineData("{\"temp\":.5}", "Malformed")]
    [InlineData("{\"temp\":NaN}", "Malformed")] // not JSON
    [InlineData("{\"temp\":1,}", "Malformed")]
    [InlineData("{temp:1}", "Malformed")]
    [InlineData("[1,2]", "Malformed")]
    [InlineData("{\"a\":\"\u0001\"}", "Malformed")]
    [InlineData("{\"a\":[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]}", "Malformed")] // nesting limit
    [InlineData("{\"temp\":1e400}", "NoValues")]
    [InlineData("temp=1", "Malformed")]
    public void Json_Table(string line, string expected) => Assert.Equal(expected, Run(Decoder(SerialLineFormat.Json), line));

    [Fact]
    public void Json_Counters_SayWhatWasRefused()
    {
        var d = Decoder(SerialLineFormat.Json);
        Run(d, "{\"temp\":1,\"zzz\":2,\"hum\":\"x\"}");
        Run(d, "{\"temp\":");
        Run(d, "{}");
        var c = d.Counters;
        Assert.Equal((3L, 1L, 1L, 1L, 1L, 1L), (c.Lines, c.Readings, c.UnknownKeys, c.BadValues, c.MalformedLines, c.EmptyLines));
    }

    [Fact]
    public void Mapping_RenamesScalesAndRestrictsKeys()
    {
        var d = Decoder(SerialLineFormat.KeyValue, false,
            new SerialTagOptions { Key = "t", Tag = "temp", Scale = 0.1, Offset = -40 },
            new SerialTagOptions { Key = "hum" });
        Assert.Equal("0:-18.5,1:50", Run(d, "t=215,hum=50,temp=3")); // "temp" is not a mapped key
        Assert.Equal(1, d.Counters.UnknownKeys);
    }

    [Fact]
    public void DeviceTimestamp_UsedOnlyWhenAskedAndPlausible()
    {
        var receive = Decoder(SerialLineFormat.Json);
        var readings = receive.Decode("{\"ts\":1600000000000,\"temp\":1}"u8, Now, out _);
        Assert.Equal(Now, readings[0].TimestampMs);

        var device = Decoder(SerialLineFormat.Json, deviceTime: true);
        readings = device.Decode("{\"ts\":1600000000000,\"temp\":1}"u8, Now, out _);
        Assert.Equal(1_600_000_000_000, readings[0].TimestampMs);
        readings = device.Decode("{\"ts\":12345,\"temp\":1}"u8, Now, out _); // uptime, not a clock
        Assert.Equal(Now, readings[0].TimestampMs);
        Assert.Equal(1, device.Counters.BadTimestamps);
        Assert.Equal(ReadingQuality.Good, readings[0].Quality);
    }

    [Fact]
    public void TooManyValues_AreDroppedAndCounted()
    {
        var d = Decoder(SerialLineFormat.KeyValue);
        var line = string.Join(",", Enumerable.Repeat("temp=1", SerialLineDecoder.MaxValuesPerLine + 3));
        Assert.Equal(SerialLineDecoder.MaxValuesPerLine, d.Decode(Encoding.ASCII.GetBytes(line), Now, out _).Length);
        Assert.Equal(3, d.Counters.DroppedValues);
    }

    [Fact]
    public void UnmappedUnknownKeys_AreRememberedWithinABound()
    {
        var calls = 0;
        var d = new SerialLineDecoder(SerialLineFormat.KeyValue, "node", [], (a, t) =>
        {
            calls++;
            return Resolve(a, t);
        }, false);
        for (var i = 0; i < 10; i++)
        {
            Run(d, "temp=1,nope=2");
        }
        Assert.Equal(2, calls); // once per key, not per line
        for (var i = 0; i < 5000; i++)
        {
            Run(d, $"k{i}=1"); // a sensor inventing keys cannot grow the cache past its bound
        }
        Assert.True(calls > 2000);
    }
}
