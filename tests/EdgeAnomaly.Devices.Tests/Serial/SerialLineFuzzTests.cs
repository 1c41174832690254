using System.Text;
using EdgeAnomaly.Devices.Serial;

namespace EdgeAnomaly.Devices.Tests.Serial;

/// <summary>
/// At least a million random and mutated lines through the framer and both decoders: no exception, counters
/// that add up, every reading finite and of a known tag.
/// </summary>
public class SerialLineFuzzTests
{
    private static readonly string[] Seeds =
    [
        "{\"temp\":21.5,\"hum\":40}",
        "{\"ts\":1700000000000,\"values\":{\"temp\":1.25,\"run\":true}}",
        "{\"temp\":-1e-3,\"x\":[1,{\"a\":null}],\"hum\":\"40\"}",
        "temp=21.5,hum=40",
        "ts=1700000000000;temp=1;run=false",
        "temp=NaN,hum=Infinity,p=-0",
    ];

    private static int? Resolve(string asset, string tag) => tag switch
    {
        "temp" => 0,
        "hum" => 1,
        "run" => 2,
        "p" => 3,
        _ => null,
    };

    [Fact]
    public void MillionMutatedLines_NoExceptionAndConsistentCounters()
    {
        const int Lines = 1_050_000;
        var random = new Random(424242);
        var json = new SerialLineDecoder(SerialLineFormat.Json, "node", [], Resolve, useDeviceTimestamp: true);
        var kv = new SerialLineDecoder(SerialLineFormat.KeyValue, "node", [], Resolve, useDeviceTimestamp: true);
        var framer = new SerialLineFramer(256);
        var seeds = Seeds.Select(Encoding.UTF8.GetBytes).ToArray();
        var alphabet = "{}[]\":,=;.-+eE0123456789 tempnullrufalsvNaI\\u\r\n\t"u8.ToArray();
        var buffer = new byte[600];
        long readings = 0;
        long completeLines = 0;
        for (var i = 0; i < Lines; i++)
        {
            var length = Mutate(random, seeds[random.Next(seeds.Length)], alphabet, buffer);
            ReadOnlySpan<byte> input = buffer.AsSpan(0, length);
            // feed in random pieces, as a serial port delivers them
            while (!input.IsEmpty)
            {
                var take = Math.Min(input.Length, random.Next(1, 64));
                ReadOnlySpan<byte> piece = input[..take];
                input = input[take..];
                while (framer.TryReadLine(ref piece, out var line))
                {
                    completeLines++;
                    var decoder = (i & 1) == 0 ? json : kv;
                    foreach (var r in decoder.Decode(line, 1_700_000_000_000, out _))
                    {
                        if (!double.IsFinite(r.Value) || r.TagId is < 0 or > 3)
                        {
                            Assert.Fail($"bad reading {r} from '{Encoding.Latin1.GetString(line)}'");
                        }
                        readings++;
                    }
                }
            }
        }
        foreach (var d in new[] { json, kv })
        {
            var c = d.Counters;
            Assert.True(c.MalformedLines + c.EmptyLines <= c.Lines);
            Assert.True(c.MalformedLines > 1000 && c.Readings > 1000, $"the mutations hit both paths: {c.MalformedLines} malformed, {c.Readings} readings");
        }
        Assert.Equal(json.Counters.Lines + kv.Counters.Lines, completeLines);
        Assert.Equal(json.Counters.Readings + kv.Counters.Readings, readings);
        Assert.True(completeLines >= 1_000_000, $"{completeLines} lines");
    }

    /// <summary>A seed line with random edits (flip, insert, delete, truncate, duplicate) or pure noise, then a line end.</summary>
    private static int Mutate(Random random, byte[] seed, byte[] alphabet, byte[] buffer)
    {
        int length;
        if (random.Next(20) == 0)
        {
            length = random.Next(0, 300);
            for (var i = 0; i < length; i++)
            {
                buffer[i] = (byte)random.Next(256);
            }
        }
        else
        {
            seed.CopyTo(buffer, 0);
            length = seed.Length;
            var edits = random.Next(0, 4);
            for (var e = 0; e < edits && length > 0; e++)
            {
                var at = random.Next(length);
                switch (random.Next(5))
                {
                    case 0:
                        buffer[at] = alphabet[random.Next(alphabet.Length)];
                        break;
                    case 1:
                        if (length < 500)
                        {
                            Array.Copy(buffer, at, buffer, at + 1, length - at);
                            buffer[at] = random.Next(4) == 0 ? (byte)random.Next(256) : alphabet[random.Next(alphabet.Length)];
                            length++;
                        }
                        break;
                    case 2:
                        Array.Copy(buffer, at + 1, buffer, at, length - at - 1);
                        length--;
                        break;
                    case 3:
                        length = at; // cut, as by an unplug
                        break;
                    default:
                        var n = Math.Min(length - at, 500 - length);
                        if (n > 0)
                        {
                            Array.Copy(buffer, at, buffer, length, n); // duplicated tail
                            length += n;
                        }
                        break;
                }
            }
        }
        buffer[length++] = random.Next(3) switch { 0 => (byte)'\r', _ => (byte)'\n' };
        return length;
    }
}
