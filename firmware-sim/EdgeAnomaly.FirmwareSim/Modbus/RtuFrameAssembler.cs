namespace EdgeAnomaly.FirmwareSim.Modbus;

/// <summary>
/// Cuts request frames out of the byte stream a slave reads from a serial line. A frame's length follows from
/// its function code (and byte count); a frame is accepted only when its CRC matches, otherwise the first byte is
/// dropped and framing restarts at the next byte, so garbage before a frame costs only the garbage. Silence on the
/// line (the inter-frame gap, t3.5 on a real bus) ends whatever is buffered: bytes after a silence start a new
/// frame, and a buffered frame with an unknown function code is recognised by its CRC at the silence.
/// Pure: the caller says when the line was silent. Not thread-safe; one instance per line.
/// </summary>
public sealed class RtuFrameAssembler
{
    /// <summary>Largest RTU frame: address + 253-byte PDU + CRC.</summary>
    public const int MaxFrameLength = 256;

    /// <summary>Shortest frame: address, function code, CRC.</summary>
    public const int MinFrameLength = 4;

    private const int NeedMore = 0;
    private const int UnknownLength = -1;

    private readonly byte[] _buffer = new byte[MaxFrameLength * 2];
    private int _count;

    /// <summary>Bytes dropped because they did not belong to a frame with a valid CRC.</summary>
    public long DiscardedBytes { get; private set; }

    /// <summary>Bytes waiting to become a frame.</summary>
    public int Buffered => _count;

    /// <summary>
    /// Adds received bytes. <paramref name="afterSilence"/>: the line was quiet for at least the inter-frame gap
    /// before them, so whatever is still buffered was an incomplete or broken frame and is dropped.
    /// </summary>
    public void Append(ReadOnlySpan<byte> data, bool afterSilence)
    {
        if (afterSilence && _count > 0)
        {
            Discard(_count);
        }
        while (!data.IsEmpty)
        {
            var room = _buffer.Length - _count;
            if (room == 0)
            {
                // Only reachable with a buffer full of bytes that never formed a frame: drop the oldest.
                Discard(MaxFrameLength);
                continue;
            }
            var take = Math.Min(room, data.Length);
            data[..take].CopyTo(_buffer.AsSpan(_count));
            _count += take;
            data = data[take..];
        }
    }

    /// <summary>Takes the next complete frame with a valid CRC (address .. CRC) into <paramref name="frame"/>.</summary>
    public bool TryTakeFrame(Span<byte> frame, out int length)
    {
        while (_count >= MinFrameLength)
        {
            var expected = RequestLength(_buffer.AsSpan(0, _count));
            if (expected == NeedMore)
            {
                break;
            }
            if (expected == UnknownLength)
            {
                // Garbage, or a function we cannot size. A complete valid frame further on means garbage:
                // skip to it. Otherwise the silence after it decides (TryTakeAtSilence).
                var skip = OffsetOfCompleteFrame();
                if (skip > 0)
                {
                    Discard(skip);
                    continue;
                }
                if (_count < MaxFrameLength)
                {
                    break;
                }
                Discard(1);
                continue;
            }
            if (expected > MaxFrameLength)
            {
                Discard(1);
                continue;
            }
            if (_count < expected)
            {
                break;
            }
            if (ModbusCrc.IsValidFrame(_buffer.AsSpan(0, expected)))
            {
                Take(expected, frame, out length);
                return true;
            }
            Discard(1);
        }
        length = 0;
        return false;
    }

    /// <summary>
    /// The line went quiet: returns a frame still to be found in the buffer (including one with an unknown
    /// function code whose CRC covers the whole buffer); once it returns false the buffer is empty.
    /// </summary>
    public bool TryTakeAtSilence(Span<byte> frame, out int length)
    {
        while (_count > 0)
        {
            if (TryTakeFrame(frame, out length))
            {
                return true;
            }
            if (_count >= MinFrameLength && _count <= MaxFrameLength && ModbusCrc.IsValidFrame(_buffer.AsSpan(0, _count)))
            {
                Take(_count, frame, out length);
                return true;
            }
            Discard(1);
        }
        length = 0;
        return false;
    }

    /// <summary>
    /// Length of the request frame starting at <paramref name="buffered"/>[0] (address, function, ...): the frame
    /// length, 0 when more bytes are needed to tell, -1 for a function code whose request length is unknown.
    /// </summary>
    public static int RequestLength(ReadOnlySpan<byte> buffered)
    {
        if (buffered.Length < 2)
        {
            return NeedMore;
        }
        return buffered[1] switch
        {
            >= 0x01 and <= 0x06 or 0x08 => 8,
            0x07 or 0x0B or 0x0C or 0x11 => 4,
            0x0F or 0x10 => buffered.Length >= 7 ? 9 + buffered[6] : NeedMore,
            0x14 or 0x15 => buffered.Length >= 3 ? 5 + buffered[2] : NeedMore,
            0x16 => 10,
            0x17 => buffered.Length >= 11 ? 13 + buffered[10] : NeedMore,
            0x18 => 6,
            0x2B => 7,
            _ => UnknownLength,
        };
    }

    /// <summary>The first offset after 0 where a complete request frame with a valid CRC starts, or 0.</summary>
    private int OffsetOfCompleteFrame()
    {
        for (var offset = 1; offset + MinFrameLength <= _count; offset++)
        {
            var rest = _buffer.AsSpan(offset, _count - offset);
            var expected = RequestLength(rest);
            if (expected >= MinFrameLength && expected <= rest.Length && ModbusCrc.IsValidFrame(rest[..expected]))
            {
                return offset;
            }
        }
        return 0;
    }

    private void Take(int frameLength, Span<byte> frame, out int length)
    {
        _buffer.AsSpan(0, frameLength).CopyTo(frame);
        Consume(frameLength);
        length = frameLength;
    }

    private void Discard(int bytes)
    {
        DiscardedBytes += bytes;
        Consume(bytes);
    }

    private void Consume(int bytes)
    {
        _count -= bytes;
        if (_count > 0)
        {
            _buffer.AsSpan(bytes, _count).CopyTo(_buffer);
        }
    }
}
