using System.Text;
using EdgeAnomaly.Contracts;
using EdgeAnomaly.Core.Diagnostics;
using EdgeAnomaly.Core.Readings;

namespace EdgeAnomaly.Ingest.Tests.Decoding;

public sealed class ReadingDecoderTests
{
    private const long Now = DecoderFixture.Now;

    // Single-reading messages that must be accepted, with the reading they must yield.
    [Theory]
    [InlineData("""{"v":1,"seq":123,"ts":1732400000123,"asset":"pump-1","tag":"current.a","value":12.5}""", "pump-1", "current.a", 1732400000123, 12.5, ReadingQuality.Good)]
    [InlineData("""{"value":12.5,"tag":"current.a","asset":"pump-1","ts":1732400000000,"v":1}""", "pump-1", "current.a", 1732400000000, 12.5, ReadingQuality.Good)]
    [InlineData("""{"v":1,"asset":"pump-1","tag":"current.a","value":7}""", "pump-1", "current.a", Now, 7.0, ReadingQuality.Good)]
    [InlineData("""{"v":1,"asset":"pump-1","tag":"running","value":true}""", "pump-1", "running", Now, 1.0, ReadingQuality.Good)]
    [InlineData("""{"v":1,"asset":"pump-1","tag":"running","value":false}""", "pump-1", "running", Now, 0.0, ReadingQuality.Good)]
    [InlineData("""{"v":1,"asset":"pump-1","tag":"current.a","value":-1.5e2,"q":"uncertain"}""", "pump-1", "current.a", Now, -150.0, ReadingQuality.Uncertain)]
    [InlineData("""{"v":1,"asset":"pump-1","tag":"current.a","value":0,"q":"bad"}""", "pump-1", "current.a", Now, 0.0, ReadingQuality.Bad)]
    [InlineData("""{"v":1,"asset":"pump-1","tag":"current.a","value":1,"q":"good"}""", "pump-1", "current.a", Now, 1.0, ReadingQuality.Good)]
    [InlineData("""{"v":1,"asset":"pump\u002d1","tag":"current\u002ea","value":2}""", "pump-1", "current.a", Now, 2.0, ReadingQuality.Good)]
    [InlineData("""{"v":1,"fw":"1.4.2","extra":{"nested":[1,2,{"x":null}]},"asset":"pump-2","tag":"current.a","value":3}""", "pump-2", "current.a", Now, 3.0, ReadingQuality.Good)]
    [InlineData("""{"v":1,"asset":"pump-1","tag":"current.a","value":1,"ts":1732400005123}""", "pump-1", "current.a", 1732400005123, 1.0, ReadingQuality.Good)] // exactly now + 5 s
    [InlineData("""{"v":1,"asset":"pump-1","tag":"current.a","value":1,"ts":1732313600123}""", "pump-1", "current.a", 1732313600123, 1.0, ReadingQuality.Good)] // exactly now - 24 h
    [InlineData("""  {"v":1,"seq":4294967295,"asset":"pump-1","tag":"current.a","value":1}  """, "pump-1", "current.a", Now, 1.0, ReadingQuality.Good)]
    public void DecodeReadings_ValidSingleReading_IsAcceptedAsWritten(string json, string asset, string tag, long ts, double value, ReadingQuality quality)
    {
        var f = new DecoderFixture();

        var result = f.Decode(json);

        Assert.Equal(new DecodeResult(1, 0, null, false, 0), result);
        Assert.Equal(new Reading(f.Tag(asset, tag), ts, value, quality), f.Output[0]);
        Assert.Equal(1, f.Counters.ReadingsAccepted);
        Assert.Equal(0, f.Counters.RejectedTotal);
        Assert.Equal(1, f.Counters.MessagesReceived);
    }

    // Messages and single readings that must be refused, each counted once under its reason.
    [Theory]
    [InlineData("", RejectReason.MalformedJson)]
    [InlineData("   ", RejectReason.MalformedJson)]
    [InlineData("not json", RejectReason.MalformedJson)]
    [InlineData("""{"v":1,"tag":""", RejectReason.MalformedJson)]
    [InlineData("""{"v":1,"asset":"pump-1","tag":"current.a","value":1} x""", RejectReason.MalformedJson)]
    [InlineData("""{"v":1,"asset":"pump-1","tag":"current.a","value":1}{}""", RejectReason.MalformedJson)]
    [InlineData("""{"v":1,"asset":"pump-1","tag":"current.a","value":NaN}""", RejectReason.MalformedJson)]
    [InlineData("""{"v":1,"asset":"pump-1","tag":"current.a","value":1,}""", RejectReason.MalformedJson)]
    [InlineData("""{"v":1,"asset":"pump-1","readings":[{"tag":"current.a","value":1}],"x":[}""", RejectReason.MalformedJson)]
    [InlineData("""{"v":1,/*c*/"asset":"pump-1","tag":"current.a","value":1}""", RejectReason.MalformedJson)]
    [InlineData("""[1,2]""", RejectReason.WrongType)]
    [InlineData("""42""", RejectReason.WrongType)]
    [InlineData("""{"v":"1","asset":"pump-1","tag":"current.a","value":1}""", RejectReason.WrongType)]
    [InlineData("""{"v":1,"seq":-1,"asset":"pump-1","tag":"current.a","value":1}""", RejectReason.WrongType)]
    [InlineData("""{"v":1,"seq":4294967296,"asset":"pump-1","tag":"current.a","value":1}""", RejectReason.WrongType)]
    [InlineData("""{"v":1,"seq":"7","asset":"pump-1","tag":"current.a","value":1}""", RejectReason.WrongType)]
    [InlineData("""{"v":1,"ts":"1732400000123","asset":"pump-1","tag":"current.a","value":1}""", RejectReason.WrongType)]
    [InlineData("""{"v":1,"ts":1732400000123.5,"asset":"pump-1","tag":"current.a","value":1}""", RejectReason.WrongType)]
    [InlineData("""{"v":1,"asset":5,"tag":"current.a","value":1}""", RejectReason.WrongType)]
    [InlineData("""{"v":1,"asset":"pump-1","readings":{"tag":"current.a","value":1}}""", RejectReason.WrongType)]
    [InlineData("""{"v":1,"asset":"pump-1","tag":"current.a","value":"12.5"}""", RejectReason.WrongType)]
    [InlineData("""{"v":1,"asset":"pump-1","tag":"current.a","value":null}""", RejectReason.WrongType)]
    [InlineData("""{"v":1,"asset":"pump-1","tag":"current.a","value":[1]}""", RejectReason.WrongType)]
    [InlineData("""{"v":1,"asset":"pump-1","tag":7,"value":1}""", RejectReason.WrongType)]
    [InlineData("""{"v":1,"asset":"pump-1","tag":"current.a","value":1,"q":"excellent"}""", RejectReason.WrongType)]
    [InlineData("""{"v":1,"asset":"pump-1","tag":"current.a","value":1,"q":0}""", RejectReason.WrongType)]
    [InlineData("""{"v":2,"asset":"pump-1","tag":"current.a","value":1}""", RejectReason.UnsupportedVersion)]
    [InlineData("""{"v":0,"asset":"pump-1","tag":"current.a","value":1}""", RejectReason.UnsupportedVersion)]
    [InlineData("""{"v":1.5,"asset":"pump-1","tag":"current.a","value":1}""", RejectReason.UnsupportedVersion)]
    [InlineData("""{"asset":"pump-1","tag":"current.a","value":1}""", RejectReason.MissingField)]
    [InlineData("""{"v":1,"asset":"pump-1","value":1}""", RejectReason.MissingField)]
    [InlineData("""{"v":1,"asset":"pump-1","tag":"current.a"}""", RejectReason.MissingField)]
    [InlineData("""{"v":1,"tag":"current.a","value":1}""", RejectReason.MissingField)]
    [InlineData("""{}""", RejectReason.MissingField)]
    [InlineData("""{"v":1,"asset":"pump-1","tag":"current.a","value":"NaN"}""", RejectReason.NonFiniteValue)]
    [InlineData("""{"v":1,"asset":"pump-1","tag":"current.a","value":"Infinity"}""", RejectReason.NonFiniteValue)]
    [InlineData("""{"v":1,"asset":"pump-1","tag":"current.a","value":"-Infinity"}""", RejectReason.NonFiniteValue)]
    [InlineData("""{"v":1,"asset":"pump-1","tag":"current.a","value":1e999}""", RejectReason.NonFiniteValue)]
    [InlineData("""{"v":1,"asset":"pump-1","tag":"current.a","value":-1e999}""", RejectReason.NonFiniteValue)]
    [InlineData("""{"v":1,"asset":"pump-9","tag":"current.a","value":1}""", RejectReason.UnknownAsset)]
    [InlineData("""{"v":1,"asset":"Pump-1","tag":"current.a","value":1}""", RejectReason.UnknownAsset)]
    [InlineData("""{"v":1,"asset":"pump-1","tag":"voltage.v","value":1}""", RejectReason.UnknownTag)]
    [InlineData("""{"v":1,"asset":"pump-2","tag":"pressure.bar","value":1}""", RejectReason.UnknownTag)]
    [InlineData("""{"v":1,"asset":"pump-1","tag":"current.a","value":1,"ts":1732400005124}""", RejectReason.FutureTimestamp)]
    [InlineData("""{"v":1,"asset":"pump-1","tag":"current.a","value":1,"ts":1732313600122}""", RejectReason.StaleTimestamp)]
    [InlineData("""{"v":1,"asset":"pump-1","tag":"current.a","value":1,"ts":-5}""", RejectReason.StaleTimestamp)]
    public void DecodeReadings_InvalidMessage_IsCountedOnceUnderItsReason(string json, RejectReason reason)
    {
        var f = new DecoderFixture();

        var result = f.Decode(json);

        Assert.Equal(0, result.Accepted);
        Assert.Equal(1, result.Rejected);
        Assert.Equal(reason, result.FirstReject);
        Assert.Equal(0, f.Output.Count);
        Assert.Equal(reason.ToWire() + "=1", f.RejectSummary());
        Assert.Equal(0, f.Counters.ReadingsAccepted);
    }

    [Fact]
    public void DecodeReadings_InvalidUtf8InTagName_IsWrongTypeNotAnException()
    {
        var f = new DecoderFixture();
        var payload = Encoding.UTF8.GetBytes("""{"v":1,"asset":"pump-1","tag":"cur##","value":1}""");
        var at = Array.IndexOf(payload, (byte)'#');
        payload[at] = 0xC3;
        payload[at + 1] = 0x28; // 0xC3 must be followed by a continuation byte

        var result = f.Decoder.DecodeReadings(DecoderFixture.Topic, payload, Now, f.Output);

        Assert.Equal(1, result.Rejected);
        Assert.Equal(RejectReason.WrongType, result.FirstReject);
    }

    [Fact]
    public void DecodeReadings_ContractExampleBatch_AppliesBatchDefaultsAndPerReadingOverrides()
    {
        var f = new DecoderFixture();
        const string json = """
            {"v":1,"seq":124,"asset":"pump-1","ts":1732400000123,
             "readings":[{"tag":"current.a","value":12.5},{"tag":"pressure.bar","value":3.1,"ts":1732400000120},
                         {"asset":"pump-2","tag":"current.a","value":9.9,"q":"bad"}]}
            """;

        var result = f.Decode(json, Now + 50);

        Assert.Equal(new DecodeResult(3, 0, null, false, 0), result);
        Assert.Equal(
            new[]
            {
                new Reading(f.Tag("pump-1", "current.a"), 1732400000123, 12.5),
                new Reading(f.Tag("pump-1", "pressure.bar"), 1732400000120, 3.1),
                new Reading(f.Tag("pump-2", "current.a"), 1732400000123, 9.9, ReadingQuality.Bad),
            },
            f.Output.AsSpan().ToArray());
    }

    [Fact]
    public void DecodeReadings_BatchDefaultsWrittenAfterTheArray_StillApply()
    {
        var f = new DecoderFixture();

        var result = f.Decode("""{"readings":[{"tag":"current.a","value":1}],"ts":1732400000000,"asset":"pump-2","v":1}""");

        Assert.Equal(1, result.Accepted);
        Assert.Equal(new Reading(f.Tag("pump-2", "current.a"), 1732400000000, 1), f.Output[0]);
    }

    [Fact]
    public void DecodeReadings_BatchWithSomeBadReadings_AcceptsTheGoodOnesAndCountsEachBadOnce()
    {
        var f = new DecoderFixture();
        const string json = """
            {"v":1,"asset":"pump-1","readings":[
              {"tag":"current.a","value":1},
              {"tag":"nope","value":2},
              {"tag":"pressure.bar","value":"high"},
              5,
              {"asset":"pump-7","tag":"current.a","value":3},
              {"tag":"pressure.bar","value":"NaN"},
              {"value":4},
              {"tag":"pressure.bar","value":2.5,"ts":1732400009999},
              {"tag":"running","value":true},
              {"asset":"pump-2","tag":"current.a","value":-3}
            ]}
            """;

        var result = f.Decode(json);

        Assert.Equal(3, result.Accepted);
        Assert.Equal(7, result.Rejected);
        Assert.False(result.MessageRejected);
        Assert.Equal(RejectReason.UnknownTag, result.FirstReject);
        Assert.Equal("wrong_type=2 missing_field=1 non_finite_value=1 unknown_asset=1 unknown_tag=1 future_timestamp=1", f.RejectSummary());
        Assert.Equal(3, f.Counters.ReadingsAccepted);
        Assert.Equal(new[] { f.Tag("pump-1", "current.a"), f.Tag("pump-1", "running"), f.Tag("pump-2", "current.a") }, f.Output.AsSpan().ToArray().Select(r => r.TagId));
    }

    [Fact]
    public void DecodeReadings_BatchWithMalformedTail_AcceptsNothing()
    {
        var f = new DecoderFixture();

        var result = f.Decode("""{"v":1,"asset":"pump-1","readings":[{"tag":"current.a","value":1},{"tag":"running","value":tru}]}""");

        // Refused input from a node not yet known takes no node slot (NodeIndex -1).
        Assert.Equal(new DecodeResult(0, 1, RejectReason.MalformedJson, true, -1), result);
        Assert.Equal(0, f.Output.Count);
    }

    [Fact]
    public void DecodeReadings_ReadingWithoutAssetAndNoBatchAsset_IsMissingField()
    {
        var f = new DecoderFixture();

        var result = f.Decode("""{"v":1,"readings":[{"tag":"current.a","value":1},{"asset":"pump-1","tag":"current.a","value":1}]}""");

        Assert.Equal(1, result.Accepted);
        Assert.Equal("missing_field=1", f.RejectSummary());
    }

    [Fact]
    public void DecodeReadings_BatchLevelUnknownAsset_CanBeOverriddenPerReading()
    {
        var f = new DecoderFixture();

        var result = f.Decode("""{"v":1,"asset":"ghost","readings":[{"tag":"current.a","value":1},{"asset":"pump-2","tag":"current.a","value":1}]}""");

        Assert.Equal(1, result.Accepted);
        Assert.Equal("unknown_asset=1", f.RejectSummary());
    }

    [Fact]
    public void DecodeReadings_EmptyBatch_AcceptsAndRejectsNothing()
    {
        var f = new DecoderFixture();

        var result = f.Decode("""{"v":1,"asset":"pump-1","readings":[]}""");

        Assert.Equal(new DecodeResult(0, 0, null, false, 0), result);
    }

    [Theory]
    [InlineData(1000, 1000, 0)]
    [InlineData(1001, 0, 1)]
    public void DecodeReadings_ReadingCountLimit_RefusesTheWholeMessageAboveIt(int readings, int accepted, int rejected)
    {
        var f = new DecoderFixture();
        var sb = new StringBuilder("""{"v":1,"asset":"pump-1","readings":[""");
        for (var i = 0; i < readings; i++)
        {
            sb.Append(i > 0 ? "," : "").Append("""{"tag":"current.a","value":1,"ts":""").Append(Now - readings + i).Append('}');
        }
        sb.Append("]}");

        var result = f.Decode(sb.ToString());

        Assert.Equal(accepted, result.Accepted);
        Assert.Equal(rejected, result.Rejected);
        Assert.Equal(rejected == 0 ? "" : "too_many_readings=1", f.RejectSummary());
    }

    [Theory]
    [InlineData(65536, true)]
    [InlineData(65537, false)]
    public void DecodeReadings_PayloadSizeLimit_RefusesLargerPayloadsUnparsed(int size, bool accepted)
    {
        var f = new DecoderFixture();
        var core = """{"v":1,"asset":"pump-1","tag":"current.a","value":1}""";
        var json = core[..^1] + new string(' ', size - core.Length) + "}";
        Assert.Equal(size, Encoding.UTF8.GetByteCount(json));

        var result = f.Decode(json);

        Assert.Equal(accepted ? 1 : 0, result.Accepted);
        Assert.Equal(accepted ? "" : "oversized_payload=1", f.RejectSummary());
    }

    [Fact]
    public void DecodeReadings_OptionsWithSmallerLimits_AreHonoured()
    {
        var f = new DecoderFixture(new IngestOptions { MaxReadingsPerMessage = 2, FutureTolerance = TimeSpan.Zero, MaxAge = TimeSpan.FromSeconds(1) });

        f.Decode("""{"v":1,"asset":"pump-1","readings":[{"tag":"current.a","value":1},{"tag":"running","value":1},{"tag":"pressure.bar","value":1}]}""");
        f.Decode("""{"v":1,"asset":"pump-1","tag":"current.a","value":1,"ts":1732400000124}""");
        f.Decode("""{"v":1,"asset":"pump-1","tag":"current.a","value":1,"ts":1732399999122}""");

        Assert.Equal("too_many_readings=1 future_timestamp=1 stale_timestamp=1", f.RejectSummary());
    }

    [Fact]
    public void DecodeReadings_OlderOrEqualTimestampOfTheSameTag_IsOutOfOrderButOtherTagsMayInterleave()
    {
        var f = new DecoderFixture();

        var r1 = f.Decode("""{"v":1,"asset":"pump-1","readings":[{"tag":"current.a","value":1,"ts":1732400000100},{"tag":"pressure.bar","value":1,"ts":1732400000050}]}""");
        var r2 = f.Decode("""{"v":1,"asset":"pump-1","readings":[{"tag":"pressure.bar","value":2,"ts":1732400000060},{"tag":"current.a","value":2,"ts":1732400000090}]}""");
        var r3 = f.Decode("""{"v":1,"asset":"pump-1","tag":"current.a","value":3,"ts":1732400000100}""");
        var r4 = f.Decode("""{"v":1,"asset":"pump-1","tag":"current.a","value":4,"ts":1732400000101}""");

        Assert.Equal((2, 0), (r1.Accepted, r1.Rejected));
        Assert.Equal((1, 1), (r2.Accepted, r2.Rejected));
        Assert.Equal(RejectReason.OutOfOrder, r3.FirstReject);
        Assert.Equal(1, r4.Accepted);
        Assert.Equal("out_of_order=2", f.RejectSummary());
    }

    [Fact]
    public void DecodeReadings_RejectedReading_DoesNotAdvanceTheTagClock()
    {
        var f = new DecoderFixture();

        f.Decode("""{"v":1,"asset":"pump-1","tag":"current.a","value":1,"ts":1732400009000}"""); // future: refused
        var result = f.Decode("""{"v":1,"asset":"pump-1","tag":"current.a","value":1,"ts":1732400000000}""");

        Assert.Equal(1, result.Accepted);
    }

    [Theory]
    [InlineData("ea/v1/nodes/esp32-a/status")]
    [InlineData("ea/v1/nodes/esp32-a/readings/x")]
    [InlineData("ea/v1/nodes//readings")]
    [InlineData("ea/v2/nodes/esp32-a/readings")]
    [InlineData("other/v1/nodes/esp32-a/readings")]
    [InlineData("ea/v1/nodes/esp 32/readings")]
    [InlineData("ea/v1/nodes/esp.32/readings")]
    [InlineData("ea/v1/nodes/a1234567890123456789012345678901234567890123456789012345678901234/readings")]
    [InlineData("")]
    public void DecodeReadings_TopicThatIsNotANodeReadingsTopic_IsBadTopic(string topic)
    {
        var f = new DecoderFixture();

        var result = f.Decode("""{"v":1,"asset":"pump-1","tag":"current.a","value":1}""", topic: topic);

        Assert.Equal(new DecodeResult(0, 1, RejectReason.BadTopic, true, -1), result);
        Assert.Empty(f.Decoder.Nodes);
    }

    [Fact]
    public void DecodeReadings_ConfiguredPrefixWithSlash_IsMatched()
    {
        var f = new DecoderFixture(new IngestOptions { TopicPrefix = "site-3/ea" });

        var good = f.Decode("""{"v":1,"asset":"pump-1","tag":"current.a","value":1}""", topic: "site-3/ea/v1/nodes/n_1/readings");
        var bad = f.Decode("""{"v":1,"asset":"pump-1","tag":"current.a","value":2}""", Now + 1, topic: "ea/v1/nodes/n_1/readings");

        Assert.Equal(1, good.Accepted);
        Assert.Equal(RejectReason.BadTopic, bad.FirstReject);
    }

    // seq sequences and what they must count: gaps are lost messages, a lower value is a restart, equal is a duplicate.
    [Theory]
    [InlineData(new long[] { 1, 2, 3, 4 }, 0, 0, 0)]
    [InlineData(new long[] { 1, 5 }, 3, 0, 0)]
    [InlineData(new long[] { 10, 12, 20 }, 8, 0, 0)]
    [InlineData(new long[] { 100, 3, 4 }, 0, 1, 0)]
    [InlineData(new long[] { 100, 0 }, 0, 1, 0)]
    [InlineData(new long[] { 7, 7 }, 0, 0, 1)]
    [InlineData(new long[] { 7, 8, 8, 9 }, 0, 0, 1)]
    [InlineData(new long[] { 4294967294, 4294967295, 0, 1 }, 0, 0, 0)] // uint32 wrap is not a reset
    [InlineData(new long[] { 4294967295, 1 }, 0, 1, 0)]
    [InlineData(new long[] { 5, 3, 3, 6 }, 2, 1, 1)]
    public void DecodeReadings_SequenceNumbers_CountGapsResetsAndDuplicates(long[] seqs, long gaps, long resets, long duplicates)
    {
        var f = new DecoderFixture();
        var accepted = 0;

        for (var i = 0; i < seqs.Length; i++)
        {
            accepted += f.Decode($$"""{"v":1,"seq":{{seqs[i]}},"asset":"pump-1","tag":"current.a","value":1,"ts":{{Now - 1000 + i}}}""").Accepted;
        }

        Assert.Equal(gaps, f.Counters.SequenceGaps);
        Assert.Equal(resets, f.Counters.SequenceResets);
        Assert.Equal(duplicates, f.Counters.Rejected(RejectReason.DuplicateSequence));
        Assert.Equal(seqs.Length - duplicates, accepted);
        var node = Assert.Single(f.Decoder.Nodes);
        Assert.Equal((gaps, resets, duplicates), (node.SequenceGaps, node.SequenceResets, node.DuplicateMessages));
    }

    [Fact]
    public void DecodeReadings_SequenceIsTrackedPerNode()
    {
        var f = new DecoderFixture();

        f.Decode("""{"v":1,"seq":1,"asset":"pump-1","tag":"current.a","value":1,"ts":1732400000000}""", topic: "ea/v1/nodes/a/readings");
        var other = f.Decode("""{"v":1,"seq":1,"asset":"pump-1","tag":"running","value":1,"ts":1732400000000}""", topic: "ea/v1/nodes/b/readings");

        Assert.Equal(1, other.Accepted);
        Assert.Equal(1, other.NodeIndex);
        Assert.Equal(0, f.Counters.Rejected(RejectReason.DuplicateSequence));
    }

    [Fact]
    public void Nodes_ClockOffset_IsTheMedianOfRecentMessagesSoOneBacklogMessageDoesNotSwingIt()
    {
        var f = new DecoderFixture();
        long[] offsets = [200, 210, 3_600_000, 190, 205];

        for (var i = 0; i < offsets.Length; i++)
        {
            var now = Now + (i * 1000);
            f.Decode($$"""{"v":1,"asset":"pump-1","tag":"current.a","value":1,"ts":{{now - offsets[i]}}}""", now);
        }
        f.Decode("""{"v":1,"asset":"pump-1","tag":"running","value":1}""", Now + 9000); // no ts: no sample

        var node = Assert.Single(f.Decoder.Nodes);
        Assert.Equal(205, node.ClockOffsetMs);
        Assert.Equal("esp32-a", node.NodeId);
        Assert.Equal(Now + 9000, node.LastSeenMs);
        Assert.Equal(6, node.Messages);
        Assert.True(node.Online);
    }

    [Fact]
    public void Nodes_WithoutAnyTimestampedMessage_HaveNoClockOffset()
    {
        var f = new DecoderFixture();

        f.Decode("""{"v":1,"asset":"pump-1","tag":"current.a","value":1}""");

        Assert.Null(Assert.Single(f.Decoder.Nodes).ClockOffsetMs);
    }

    [Fact]
    public void DecodeStatus_OnlineThenWillOffline_TracksTheNodeState()
    {
        var f = new DecoderFixture();

        var online = f.Status("""{"v":1,"state":"online","ts":1732400000000,"fw":"1.4.2"}""");
        var repeat = f.Status("""{"v":1,"state":"online","ts":1732400000500}""", Now + 1);
        var offline = f.Status("""{"v":1,"state":"offline"}""", Now + 2);

        Assert.Equal(new NodeStatusChange("esp32-a", NodeOnlineState.Unknown, NodeOnlineState.Online, Now, 1732400000000, "1.4.2"), online);
        Assert.False(repeat!.Value.IsTransition);
        Assert.Equal(new NodeStatusChange("esp32-a", NodeOnlineState.Online, NodeOnlineState.Offline, Now + 2, null, null), offline);
        var node = Assert.Single(f.Decoder.Nodes);
        Assert.False(node.Online);
        Assert.Equal("1.4.2", node.Firmware);
        Assert.Equal(0, f.Counters.RejectedTotal);
    }

    [Fact]
    public void DecodeStatus_EmptyRetainedPayload_IsIgnoredWithoutCounting()
    {
        var f = new DecoderFixture();

        Assert.Null(f.Status(""));
        Assert.Equal(0, f.Counters.RejectedTotal);
    }

    [Theory]
    [InlineData("""{"v":1,"state":"asleep"}""", DecoderFixture.StatusTopic, RejectReason.WrongType)]
    [InlineData("""{"v":1,"state":1}""", DecoderFixture.StatusTopic, RejectReason.WrongType)]
    [InlineData("""{"v":1,"state":"online","fw":7}""", DecoderFixture.StatusTopic, RejectReason.WrongType)]
    [InlineData("""{"v":1,"state":"online","ts":"x"}""", DecoderFixture.StatusTopic, RejectReason.WrongType)]
    [InlineData("""["online"]""", DecoderFixture.StatusTopic, RejectReason.WrongType)]
    [InlineData("""{"v":1}""", DecoderFixture.StatusTopic, RejectReason.MissingField)]
    [InlineData("""{"state":"online"}""", DecoderFixture.StatusTopic, RejectReason.MissingField)]
    [InlineData("""{"v":3,"state":"online"}""", DecoderFixture.StatusTopic, RejectReason.UnsupportedVersion)]
    [InlineData("""online""", DecoderFixture.StatusTopic, RejectReason.MalformedJson)]
    [InlineData("""{"v":1,"state":"online"}""", DecoderFixture.Topic, RejectReason.BadTopic)]
    public void DecodeStatus_InvalidStatus_IsCountedAndReturnsNull(string json, string topic, RejectReason reason)
    {
        var f = new DecoderFixture();

        Assert.Null(f.Status(json, topic: topic));

        Assert.Equal(reason.ToWire() + "=1", f.RejectSummary());
    }

    [Fact]
    public void Classify_NodeTopics_AreToldApart()
    {
        var f = new DecoderFixture();

        Assert.Equal(NodeTopicKind.Readings, f.Decoder.Classify(DecoderFixture.Topic));
        Assert.Equal(NodeTopicKind.Status, f.Decoder.Classify(DecoderFixture.StatusTopic));
        Assert.Equal(NodeTopicKind.Invalid, f.Decoder.Classify("ea/v1/gateways/g/health"));
    }
}
