using EdgeAnomaly.FirmwareSim.Modbus;

namespace EdgeAnomaly.FirmwareSim.Tests.Modbus;

public class RtuFrameAssemblerTests
{
    private static readonly byte[] ReadHolding = Convert.FromHexString("01030000000AC5CD");

    private static byte[] Frame(string payloadHex)
    {
        var payload = Convert.FromHexString(payloadHex.Replace(" ", "", StringComparison.Ordinal));
        var frame = new byte[payload.Length + 2];
        payload.CopyTo(frame, 0);
        ModbusCrc.Append(frame, payload.Length);
        return frame;
    }

    private static List<string> TakeAll(RtuFrameAssembler assembler, bool atSilence = false)
    {
        var frames = new List<string>();
        var buffer = new byte[RtuFrameAssembler.MaxFrameLength];
        int length;
        while (atSilence ? assembler.TryTakeAtSilence(buffer, out length) : assembler.TryTakeFrame(buffer, out length))
        {
            frames.Add(Convert.ToHexString(buffer, 0, length));
        }
        return frames;
    }

    [Theory]
    [InlineData("01 03 0000 000A", 8)]
    [InlineData("01 05 0000 FF00", 8)]
    [InlineData("01 11", 4)]
    [InlineData("01 10 0000 0002 04 0001 0002", 13)]
    [InlineData("01 0F 0000 000A 02 FF03", 11)]
    [InlineData("01 17 0000 0001 0000 0001 02 1234", 15)]
    public void RequestLength_FollowsTheFunctionCode(string payloadHex, int expected)
    {
        Assert.Equal(expected, RtuFrameAssembler.RequestLength(Frame(payloadHex)));
    }

    [Fact]
    public void RequestLength_NeedsTheByteCountOfAMultipleWrite()
    {
        Assert.Equal(0, RtuFrameAssembler.RequestLength(Convert.FromHexString("011000000002")));
        Assert.Equal(-1, RtuFrameAssembler.RequestLength(Convert.FromHexString("0141")));
    }

    [Fact]
    public void Frame_SplitOverReads_IsTakenOnceComplete()
    {
        var assembler = new RtuFrameAssembler();

        assembler.Append(ReadHolding.AsSpan(0, 3), afterSilence: false);
        Assert.Empty(TakeAll(assembler));
        assembler.Append(ReadHolding.AsSpan(3), afterSilence: false);

        Assert.Equal(["01030000000AC5CD"], TakeAll(assembler));
        Assert.Equal(0, assembler.Buffered);
    }

    [Fact]
    public void TwoFramesInOneRead_AreBothTaken()
    {
        var assembler = new RtuFrameAssembler();
        var write = Frame("02 10 0000 0002 04 0001 0002");

        assembler.Append([.. ReadHolding, .. write], afterSilence: false);

        Assert.Equal(["01030000000AC5CD", Convert.ToHexString(write)], TakeAll(assembler));
    }

    [Fact]
    public void GarbageBeforeAFrame_IsDroppedByteByByte()
    {
        var assembler = new RtuFrameAssembler();

        assembler.Append([0x00, 0x03, 0xFF, 0x13, 0x01, .. ReadHolding], afterSilence: false);

        Assert.Equal(["01030000000AC5CD"], TakeAll(assembler));
        Assert.Equal(5, assembler.DiscardedBytes);
    }

    [Fact]
    public void FrameWithBadCrc_IsDiscarded_AndTheNextFrameStillFound()
    {
        var assembler = new RtuFrameAssembler();
        var broken = (byte[])ReadHolding.Clone();
        broken[^1] ^= 0xFF;

        assembler.Append([.. broken, .. ReadHolding], afterSilence: false);

        Assert.Equal(["01030000000AC5CD"], TakeAll(assembler));
        Assert.Equal(8, assembler.DiscardedBytes);
    }

    [Fact]
    public void PartialFrameThenSilence_IsDroppedAndTheNextFrameStandsAlone()
    {
        var assembler = new RtuFrameAssembler();

        assembler.Append(ReadHolding.AsSpan(0, 5), afterSilence: false);
        Assert.Empty(TakeAll(assembler));
        assembler.Append(ReadHolding, afterSilence: true);

        Assert.Equal(["01030000000AC5CD"], TakeAll(assembler));
        Assert.Equal(5, assembler.DiscardedBytes);
    }

    [Fact]
    public void UnknownFunction_IsFramedByItsCrcWhenTheLineGoesQuiet()
    {
        var assembler = new RtuFrameAssembler();
        var unknown = Frame("01 41 0102 0304");

        assembler.Append(unknown, afterSilence: false);
        Assert.Empty(TakeAll(assembler));

        Assert.Equal([Convert.ToHexString(unknown)], TakeAll(assembler, atSilence: true));
        Assert.Equal(0, assembler.Buffered);
    }

    [Fact]
    public void GarbageWithAClaimedLongLength_IsResolvedAtSilence()
    {
        var assembler = new RtuFrameAssembler();
        // "01 10 ... byte count 200": would wait for 209 bytes; the real frame behind it is found at the silence.
        assembler.Append([0x01, 0x10, 0x00, 0x00, 0x00, 0x64, 0xC8, .. ReadHolding], afterSilence: false);
        Assert.Empty(TakeAll(assembler));

        Assert.Equal(["01030000000AC5CD"], TakeAll(assembler, atSilence: true));
        Assert.Equal(0, assembler.Buffered);
    }

    [Fact]
    public void EndlessGarbage_NeverGrowsTheBufferBeyondItsCapacity()
    {
        var assembler = new RtuFrameAssembler();
        var random = new Random(7);
        var chunk = new byte[200];
        for (var i = 0; i < 500; i++)
        {
            random.NextBytes(chunk);
            assembler.Append(chunk, afterSilence: false);
            TakeAll(assembler);
            Assert.InRange(assembler.Buffered, 0, 2 * RtuFrameAssembler.MaxFrameLength);
        }
        assembler.Append(ReadHolding, afterSilence: true);
        Assert.Equal(["01030000000AC5CD"], TakeAll(assembler));
    }
}
