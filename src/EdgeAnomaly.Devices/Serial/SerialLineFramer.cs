namespace EdgeAnomaly.Devices.Serial;

/// <summary>
/// Cuts a byte stream into lines. CR, LF and CRLF all end a line; empty lines are skipped. A line longer than
/// the maximum is dropped and counted, and reading resumes at the next line end, so a sensor spewing garbage
/// without newlines cannot grow memory. Lines wholly inside one read are returned without copying.
/// </summary>
public sealed class SerialLineFramer
{
    private readonly byte[] _partial;
    private int _length;
    private bool _discarding;

    public SerialLineFramer(int maxLineLength)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxLineLength, 1);
        _partial = new byte[maxLineLength];
    }

    public int MaxLineLength => _partial.Length;

    /// <summary>Lines dropped for being longer than <see cref="MaxLineLength"/>.</summary>
    public long OverlongLines { get; private set; }

    /// <summary>Unfinished lines dropped by <see cref="Reset"/> (port closed mid-line).</summary>
    public long PartialLinesDropped { get; private set; }

    /// <summary>
    /// Takes the next complete line out of <paramref name="input"/> (advancing it); false when the input is used
    /// up (a trailing partial line is kept for the next call). The line is valid until the next call.
    /// </summary>
    public bool TryReadLine(ref ReadOnlySpan<byte> input, out ReadOnlySpan<byte> line)
    {
        while (!input.IsEmpty)
        {
            var end = input.IndexOfAny((byte)'\n', (byte)'\r');
            if (end < 0)
            {
                Append(input);
                input = default;
                break;
            }
            var chunk = input[..end];
            input = input[(end + 1)..];
            if (_discarding)
            {
                _discarding = false; // the over-long line ends here; the next one is read normally
                continue;
            }
            if (_length == 0)
            {
                if (chunk.IsEmpty)
                {
                    continue;
                }
                if (chunk.Length > _partial.Length)
                {
                    OverlongLines++;
                    continue;
                }
                line = chunk;
                return true;
            }
            if (_length + chunk.Length > _partial.Length)
            {
                OverlongLines++;
                _length = 0;
                continue;
            }
            chunk.CopyTo(_partial.AsSpan(_length));
            line = _partial.AsSpan(0, _length + chunk.Length);
            _length = 0;
            return true;
        }
        line = default;
        return false;
    }

    /// <summary>Forgets an unfinished line (the port was closed: its rest will never come).</summary>
    public void Reset()
    {
        if (_length > 0)
        {
            PartialLinesDropped++;
        }
        _length = 0;
        _discarding = false;
    }

    private void Append(ReadOnlySpan<byte> data)
    {
        if (_discarding)
        {
            return;
        }
        if (_length + data.Length > _partial.Length)
        {
            OverlongLines++;
            _discarding = true;
            _length = 0;
            return;
        }
        data.CopyTo(_partial.AsSpan(_length));
        _length += data.Length;
    }
}
