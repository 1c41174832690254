using System.Text;
using EdgeAnomaly.Core.Tags;

namespace EdgeAnomaly.Ingest.Tests.Decoding;

public sealed class DecoderRobustnessTests
{
    private static readonly string[] Seeds =
    [
        """{"v":1,"seq":123,"ts":1732400000123,"asset":"pump-1","tag":"current.a","value":12.5}""",
        """{"v":1,"seq":124,"asset":"pump-1","ts":1732400000123,"readings":[{"tag":"current.a","value":12.5},{"tag":"pressure.bar","value":3.1,"ts":1732400000120},{"asset":"pump-2","tag":"current.a","value":9.9,"q":"bad"}]}""",
        """{"v":1,"asset":"pump-1","readings":[{"tag":"running","value":true},{"tag":"x","value":"NaN"},5,{"value":1e999}]}""",
        """{"v":1,"state":"online","ts":1732400000000,"fw":"1.4.2"}""",
    ];

    // Fragments spliced in by the mutator: JSON syntax and values that hit the decoder's branches.
    private static readonly string[] Fragments =
    [
        "{", "}", "[", "]", ",", ":", "\"", "\\u0000", "\\", "null", "true", "false", "1e999", "-0", "\"NaN\"", "1.5",
        "\"readings\":[", "\"v\":2", "\"seq\":4294967295", "\"ts\":", "\"asset\":\"pump-2\"", "\"tag\":\"running\"",
        "{\"tag\":\"current.a\",\"value\":1}", "\u00e9", "\uffff",
    ];

    [Fact]
    public void DecodeReadings_HundredThousandMutatedPayloads_NeverThrowAndCountEveryReadingOnce()
    {
        var f = new DecoderFixture();
        var random = new Random(20241124);
        long accepted = 0;
        long rejected = 0;
        long outputSeen = 0;
        const int iterations = 100_000;

        for (var i = 0; i < iterations; i++)
        {
            var payload = Mutate(random);
            f.Output.Clear();
            var now = DecoderFixture.Now + (i * 10L);
            var result = f.Decoder.DecodeReadings(DecoderFixture.Topic, payload, now, f.Output);
            _ = f.Decoder.DecodeStatus(DecoderFixture.StatusTopic, payload, now);

            Assert.True(result.Accepted >= 0 && result.Rejected >= 0);
            Assert.Equal(result.Accepted, f.Output.Count);
            Assert.Equal(result.Rejected > 0, result.FirstReject is not null);
            Assert.True(!result.MessageRejected || (result.Accepted == 0 && result.Rejected == 1));
            accepted += result.Accepted;
            rejected += result.Rejected;
            outputSeen += f.Output.Count;
        }

        Assert.Equal(accepted, f.Counters.ReadingsAccepted);
        Assert.Equal(accepted, outputSeen);
        // Status decoding counts its own rejects too, so compare against the readings-only rejects by difference.
        var statusOnly = new DecoderFixture();
        var random2 = new Random(20241124);
        for (var i = 0; i < iterations; i++)
        {
            _ = statusOnly.Decoder.DecodeStatus(DecoderFixture.StatusTopic, Mutate(random2), DecoderFixture.Now + (i * 10L));
        }
        Assert.Equal(rejected + statusOnly.Counters.RejectedTotal, f.Counters.RejectedTotal);
        Assert.Equal(2L * iterations, f.Counters.MessagesReceived);
        Assert.True(accepted > 1000, $"the mutator should leave many payloads valid, accepted only {accepted}");
        Assert.True(rejected > 10_000, $"the mutator should break many payloads, rejected only {rejected}");
    }

    [Fact]
    public void DecodeReadings_RandomBytes_NeverThrow()
    {
        var f = new DecoderFixture();
        var random = new Random(7);
        var buffer = new byte[256];

        for (var i = 0; i < 20_000; i++)
        {
            var span = buffer.AsSpan(0, random.Next(buffer.Length));
            random.NextBytes(span);
            var result = f.Decoder.DecodeReadings(DecoderFixture.Topic, span, DecoderFixture.Now, f.Output);
            Assert.Equal(1, result.Accepted + result.Rejected);
        }

        Assert.Equal(20_000, f.Counters.RejectedTotal + f.Counters.ReadingsAccepted);
    }

    [Fact]
    public void DecodeReadings_ValidFiftyReadingBatch_AllocatesNothingAfterWarmUp()
    {
        var builder = new TagRegistry.Builder().AddAsset("line-1", "line");
        for (var t = 0; t < 50; t++)
        {
            builder.AddTag("line-1", $"sensor.{t:00}");
        }
        var f = new DecoderFixture(registry: builder.Build());
        const int messages = 400;
        var payloads = new byte[messages][];
        for (var m = 0; m < messages; m++)
        {
            var sb = new StringBuilder();
            sb.Append("{\"v\":1,\"seq\":").Append(m).Append(",\"asset\":\"line-1\",\"ts\":").Append(DecoderFixture.Now + m).Append(",\"readings\":[");
            for (var t = 0; t < 50; t++)
            {
                sb.Append(t > 0 ? "," : "").Append("{\"tag\":\"sensor.").Append(t.ToString("00")).Append("\",\"value\":")
                  .Append((m + (t * 0.25)).ToString(System.Globalization.CultureInfo.InvariantCulture)).Append(t % 10 == 0 ? ",\"q\":\"uncertain\"}" : "}");
            }
            sb.Append("]}");
            payloads[m] = Encoding.UTF8.GetBytes(sb.ToString());
        }
        var topic = DecoderFixture.Topic;
        for (var m = 0; m < messages / 2; m++)
        {
            f.Output.Clear();
            Assert.Equal(50, f.Decoder.DecodeReadings(topic, payloads[m], DecoderFixture.Now + m, f.Output).Accepted);
        }

        var acceptedBefore = f.Counters.ReadingsAccepted;
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var m = messages / 2; m < messages; m++)
        {
            f.Output.Clear();
            f.Decoder.DecodeReadings(topic, payloads[m], DecoderFixture.Now + m, f.Output);
        }
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(0, allocated);
        Assert.Equal(50L * (messages / 2), f.Counters.ReadingsAccepted - acceptedBefore);
    }

    private static byte[] Mutate(Random random)
    {
        var text = Seeds[random.Next(Seeds.Length)];
        var bytes = new List<byte>(Encoding.UTF8.GetBytes(text));
        var edits = random.Next(0, 4);
        for (var e = 0; e < edits && bytes.Count > 0; e++)
        {
            var at = random.Next(bytes.Count);
            switch (random.Next(5))
            {
                case 0:
                    bytes[at] = (byte)random.Next(256);
                    break;
                case 1:
                    bytes.RemoveAt(at);
                    break;
                case 2:
                    bytes.InsertRange(at, Encoding.UTF8.GetBytes(Fragments[random.Next(Fragments.Length)]));
                    break;
                case 3:
                    bytes.RemoveRange(at, bytes.Count - at);
                    break;
                default:
                    // Swap a digit so timestamps, seq and values move without breaking syntax.
                    if (bytes[at] is >= (byte)'0' and <= (byte)'9')
                    {
                        bytes[at] = (byte)('0' + random.Next(10));
                    }
                    break;
            }
        }
        return [.. bytes];
    }
}
