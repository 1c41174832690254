using EdgeAnomaly.Core.Readings;
using EdgeAnomaly.Storage.Readings;

namespace EdgeAnomaly.Storage.Tests.Readings;

public class ReadingBlockCodecTests
{
    public static TheoryData<string, long[], double[], byte[]> Blocks => new()
    {
        { "single reading", [1_700_000_000_000], [12.5], [0] },
        { "constant 1 Hz", Seq(1_700_000_000_000, 1000, 50), Enumerable.Repeat(3.25, 50).ToArray(), new byte[50] },
        { "integers", Seq(5, 100, 20), Enumerable.Range(0, 20).Select(i => (double)(i % 3)).ToArray(), new byte[20] },
        { "noisy doubles", Seq(0, 7, 30), Enumerable.Range(0, 30).Select(i => Math.Sin(i) * 1e3 / 7).ToArray(), new byte[30] },
        { "negative and irregular deltas", [100, 50, 5_000_000_000, -3, long.MaxValue / 4], [1, -1, 0.0, -0.0, double.MaxValue], new byte[5] },
        { "special values", [1, 2, 3, 4], [double.NaN, double.PositiveInfinity, double.Epsilon, -1e-300], new byte[4] },
        { "mixed quality", [1, 2, 3], [1, 2, 3], [0, 2, 1] },
    };

    [Theory]
    [MemberData(nameof(Blocks))]
    public void Codec_EncodeThenDecode_ReturnsTheSameReadings(string name, long[] ts, double[] values, byte[] q)
    {
        var buffer = new byte[ReadingBlockCodec.MaxEncodedLength(ts.Length)];
        var len = ReadingBlockCodec.Encode(ts, values, q, buffer);
        var decoded = new List<StoredReading>();
        ReadingBlockCodec.Decode(buffer.AsSpan(0, len), long.MinValue, long.MaxValue, decoded);

        Assert.Equal(ts.Length, ReadingBlockCodec.Count(buffer.AsSpan(0, len)));
        Assert.Equal(ts.Length, decoded.Count);
        for (var i = 0; i < ts.Length; i++)
        {
            Assert.True(ts[i] == decoded[i].TimestampMs, $"{name}: ts[{i}]");
            Assert.True(BitConverter.DoubleToInt64Bits(values[i]) == BitConverter.DoubleToInt64Bits(decoded[i].Value), $"{name}: value[{i}]");
            Assert.Equal((ReadingQuality)q[i], decoded[i].Quality);
        }
    }

    [Theory]
    [InlineData(3.25, 1000, 4)]   // constant value, 1 s period: 2-byte delta + 1-byte value
    [InlineData(double.NaN, 1000, 12)] // noisy: at most 9 bytes value + 2-3 delta bytes
    public void Codec_TypicalSeries_StaysUnderBytesPerReading(double constant, long periodMs, int maxBytesPerReading)
    {
        const int n = 1000;
        var rng = new Random(7);
        var ts = Seq(1_700_000_000_000, periodMs, n);
        var values = Enumerable.Range(0, n).Select(_ => double.IsNaN(constant) ? 10 + rng.NextDouble() : constant).ToArray();
        var buffer = new byte[ReadingBlockCodec.MaxEncodedLength(n)];
        var len = ReadingBlockCodec.Encode(ts, values, new byte[n], buffer);
        Assert.True(len <= maxBytesPerReading * n, $"{len} bytes for {n} readings");
    }

    [Fact]
    public void Codec_DecodeWithRange_ReturnsOnlyReadingsInside()
    {
        var ts = Seq(0, 10, 10);
        var buffer = new byte[ReadingBlockCodec.MaxEncodedLength(10)];
        var len = ReadingBlockCodec.Encode(ts, ts.Select(t => (double)t).ToArray(), new byte[10], buffer);
        var decoded = new List<StoredReading>();
        ReadingBlockCodec.Decode(buffer.AsSpan(0, len), 20, 50, decoded);
        Assert.Equal([20L, 30, 40, 50], decoded.Select(r => r.TimestampMs));
    }

    [Fact]
    public void Codec_UnknownFormat_Throws()
    {
        var block = new byte[16];
        block[0] = 99;
        Assert.Throws<InvalidDataException>(() => ReadingBlockCodec.Decode(block, 0, 1, []));
    }

    private static long[] Seq(long start, long step, int n) => Enumerable.Range(0, n).Select(i => start + (i * step)).ToArray();
}
