using EdgeAnomaly.Core.Diagnostics;

namespace EdgeAnomaly.Ingest.Tests.Decoding;

/// <summary>
/// The node table is bounded: a node takes a slot only with its first valid message, and when the table is full the
/// longest-idle node gives its slot up. Refused input (junk from invented node ids) must never lock out a real node.
/// </summary>
public sealed class NodeTableTests
{
    private const long Now = DecoderFixture.Now;
    private const string UnknownAsset = """{"v":1,"asset":"no-such-asset","tag":"current.a","value":1}""";

    private static string Valid(long ts) => $$"""{"v":1,"asset":"pump-1","tag":"current.a","value":1,"ts":{{ts}}}""";

    private static string ReadingsTopic(string node) => $"ea/v1/nodes/{node}/readings";

    [Fact]
    public void DecodeReadings_FloodOfRefusedMessagesFromNewNodeIds_NewLegitimateNodeStillGetsThrough()
    {
        var f = new DecoderFixture(new IngestOptions { MaxNodes = 1024 });

        for (var i = 0; i < 100_000; i++)
        {
            var refused = f.Decode(UnknownAsset, Now, ReadingsTopic("n" + i));
            Assert.Equal(RejectReason.UnknownAsset, refused.FirstReject);
        }
        var legit = f.Decode(Valid(Now), Now, ReadingsTopic("legit-node"));

        Assert.Equal(1, legit.Accepted);
        Assert.True(legit.HasNode);
        Assert.Equal("legit-node", Assert.Single(f.Decoder.Nodes).NodeId);
        Assert.Equal(0, f.Counters.Rejected(RejectReason.BadTopic));
        Assert.Equal(100_000, f.Counters.Rejected(RejectReason.UnknownAsset));
    }

    [Fact]
    public void DecodeStatus_InvalidStatusFromNewNode_TakesNoSlot()
    {
        var f = new DecoderFixture(new IngestOptions { MaxNodes = 1 });

        Assert.Null(f.Status("""{"v":2,"state":"online"}""", Now, "ea/v1/nodes/junk/status"));
        var legit = f.Status("""{"v":1,"state":"online"}""", Now, "ea/v1/nodes/legit/status");

        Assert.NotNull(legit);
        Assert.Equal("legit", Assert.Single(f.Decoder.Nodes).NodeId);
        Assert.Equal(0, f.Counters.NodesEvicted);
    }

    [Fact]
    public void DecodeReadings_TableFullOfValidNodes_LongestIdleNodeIsEvictedAndCounted()
    {
        var f = new DecoderFixture(new IngestOptions { MaxNodes = 2 });
        f.Decode(Valid(Now - 30), Now - 30, ReadingsTopic("a"));
        f.Decode(Valid(Now - 20), Now - 20, ReadingsTopic("b"));
        f.Decode(Valid(Now - 10), Now - 10, ReadingsTopic("a"));

        var c = f.Decode(Valid(Now), Now, ReadingsTopic("c"));

        Assert.Equal(1, c.Accepted);
        Assert.Equal(["a", "c"], f.Decoder.Nodes.Select(n => n.NodeId).Order().ToArray());
        Assert.Equal(1, f.Counters.NodesEvicted);
        Assert.Equal(0, f.Counters.Rejected(RejectReason.BadTopic));
    }

    [Fact]
    public void DecodeReadings_KnownNodeKeepsItsSlotAndSequenceState_WhileUnknownNodesAreRefused()
    {
        var f = new DecoderFixture(new IngestOptions { MaxNodes = 1 });
        f.Decode("""{"v":1,"seq":1,"asset":"pump-1","tag":"current.a","value":1,"ts":1732400000000}""", Now, ReadingsTopic("a"));
        for (var i = 0; i < 10; i++)
        {
            f.Decode(UnknownAsset, Now, ReadingsTopic("x" + i));
        }

        var again = f.Decode("""{"v":1,"seq":3,"asset":"pump-1","tag":"current.a","value":1,"ts":1732400000001}""", Now, ReadingsTopic("a"));

        Assert.Equal(1, again.Accepted);
        var node = Assert.Single(f.Decoder.Nodes);
        Assert.Equal("a", node.NodeId);
        Assert.Equal(2, node.Messages);
        Assert.Equal(1, node.SequenceGaps);
        Assert.Equal(0, f.Counters.NodesEvicted);
    }

    [Fact]
    public void DecodeReadings_RefusedMessageFromUnknownNode_LeavesNoSequenceStateForItsNextMessage()
    {
        var f = new DecoderFixture();
        f.Decode("""{"v":1,"seq":7,"asset":"no-such-asset","tag":"current.a","value":1}""", Now, ReadingsTopic("a"));

        // Same seq again: had the refused message left state behind, this would be a duplicate.
        var next = f.Decode("""{"v":1,"seq":7,"asset":"pump-1","tag":"current.a","value":1,"ts":1732400000000}""", Now, ReadingsTopic("b"));

        Assert.Equal(1, next.Accepted);
        Assert.Equal(0, f.Counters.Rejected(RejectReason.DuplicateSequence));
    }
}
