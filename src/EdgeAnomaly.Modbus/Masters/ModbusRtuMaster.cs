using System.Net.Sockets;
using Microsoft.Extensions.Logging;

namespace EdgeAnomaly.Modbus;

/// <summary>
/// Modbus RTU on a serial bus (or a serial-to-TCP converter). The end of a good answer is found from its
/// length; before every request the master waits until the line has been quiet for
/// max(<see cref="ModbusLinkOptions.MinimumFrameGap"/>, 3.5 characters) since the last transaction, discarding
/// whatever arrives meanwhile (late answers, the tail of a bad frame, noise), and flushes the input. A broadcast
/// (unit 0, writes only) returns after <see cref="ModbusLinkOptions.BroadcastTurnaround"/> without an answer.
/// </summary>
internal sealed class ModbusRtuMaster : ModbusMaster
{
    private readonly byte[] _frame = new byte[ModbusRtuFrame.MaxLength];
    private readonly TimeSpan _characterTime;
    private readonly TimeSpan _quietTime;
    private long _lastActivity;
    private bool _lineUsed;

    /// <param name="baudRate">The bus speed, or null when the bytes go over TCP to a converter (no wire time to add).</param>
    public ModbusRtuMaster(string linkName, Func<CancellationToken, ValueTask<Stream>> open, int? baudRate, ModbusLinkOptions options, TimeProvider time, ILogger? logger)
        : base(linkName, open, options, time, logger)
    {
        _characterTime = baudRate is { } baud ? ModbusRtuFrame.CharacterTime(baud) : TimeSpan.Zero;
        var silent = baudRate is { } b ? ModbusRtuFrame.SilentInterval(b) : TimeSpan.Zero;
        _quietTime = silent > options.MinimumFrameGap ? silent : options.MinimumFrameGap;
    }

    protected override void CheckUnit(byte unitId, in ModbusRequest request)
    {
        if (unitId > ModbusRtuFrame.MaxUnitId)
        {
            throw new ArgumentOutOfRangeException(nameof(unitId), unitId, "RTU unit ids are 1..247 (0 = broadcast write)");
        }
        if (unitId == 0 && request.IsRead)
        {
            throw new ArgumentOutOfRangeException(nameof(unitId), unitId, "unit 0 is the broadcast address: writes only, nobody answers");
        }
    }

    protected override void OnOpened() => _lineUsed = false;

    protected override async ValueTask<ReadOnlyMemory<byte>> TransactAsync(LinkReader link, byte unitId, ModbusRequest request, ReadOnlyMemory<byte> pdu, CancellationToken ct)
    {
        await WaitForQuietLineAsync(link, ct).ConfigureAwait(false);
        Counters.AddDiscardedBytes(DiscardInput(link));

        var length = ModbusRtuFrame.EncodeRequest(unitId, pdu.Span, _frame);
        await SendAsync(link.Stream, _frame.AsMemory(0, length), ct).ConfigureAwait(false);
        Counters.AddRequest();
        // The write returns once the bytes are queued; the last one leaves the UART this much later.
        var onWire = _characterTime * length;
        if (unitId == 0)
        {
            await Task.Delay(onWire + Options.BroadcastTurnaround, Time, ct).ConfigureAwait(false);
            MarkActivity();
            return ReadOnlyMemory<byte>.Empty;
        }

        var sent = Time.GetTimestamp();
        var limit = Options.Timeout + onWire;
        int frameLength;
        try
        {
            while (true)
            {
                frameLength = ModbusRtuFrame.ResponseLength(link.Buffered, request);
                if (frameLength > 0 && link.Count >= frameLength)
                {
                    break;
                }
                await link.FillAsync(limit - Time.GetElapsedTime(sent), ct).ConfigureAwait(false);
            }
        }
        catch (TimeoutException)
        {
            MarkActivity();
            var partial = link.DiscardBuffered();
            Counters.AddDiscardedBytes(partial);
            if (partial > 0)
            {
                throw new ModbusFrameException(ModbusFrameError.Truncated,
                    $"{partial} bytes of an answer from unit {unitId}, then nothing for {Options.Timeout.TotalMilliseconds:0} ms");
            }
            throw new ModbusTimeoutException(unitId, request.Function, Options.Timeout);
        }
        catch (ModbusFrameException)
        {
            // Garbage at the head of the answer: the next request waits for a quiet line first.
            MarkActivity();
            Counters.AddDiscardedBytes(link.DiscardBuffered());
            throw;
        }
        catch (OperationCanceledException)
        {
            MarkActivity();
            Counters.AddDiscardedBytes(link.DiscardBuffered());
            throw;
        }
        MarkActivity();
        var frame = link.BufferedMemory[..frameLength];
        link.Consume(frameLength);
        ModbusRtuFrame.DecodeResponse(frame.Span, unitId, request);
        return frame[1..^2];
    }

    private async ValueTask WaitForQuietLineAsync(LinkReader link, CancellationToken ct)
    {
        if (!_lineUsed)
        {
            return;
        }
        var started = Time.GetTimestamp();
        while (true)
        {
            var remaining = _quietTime - Time.GetElapsedTime(_lastActivity);
            if (remaining <= TimeSpan.Zero)
            {
                return;
            }
            if (Time.GetElapsedTime(started) > Options.Timeout)
            {
                throw new ModbusFrameException(ModbusFrameError.LineNotQuiet,
                    $"bytes kept arriving for {Options.Timeout.TotalMilliseconds:0} ms; no quiet gap of {_quietTime.TotalMilliseconds:0.##} ms to send in");
            }
            try
            {
                await link.FillAsync(remaining, ct).ConfigureAwait(false);
                Counters.AddDiscardedBytes(link.DiscardBuffered());
                MarkActivity();
            }
            catch (TimeoutException)
            {
                // Quiet for the rest of the gap.
            }
        }
    }

    private static int DiscardInput(LinkReader link)
    {
        var discarded = link.DiscardBuffered();
        switch (link.Stream)
        {
            case IDiscardableInput serial:
                discarded += serial.DiscardInput();
                break;
            case NetworkStream network when !link.HasPendingRead:
                Span<byte> scratch = stackalloc byte[256];
                while (network.DataAvailable)
                {
                    var n = network.Read(scratch);
                    if (n == 0)
                    {
                        break;
                    }
                    discarded += n;
                }
                break;
        }
        return discarded;
    }

    private void MarkActivity()
    {
        _lastActivity = Time.GetTimestamp();
        _lineUsed = true;
    }
}

/// <summary>A link that can drop what the OS has received but nobody has read yet (a serial port's input buffer).</summary>
internal interface IDiscardableInput
{
    int DiscardInput();
}
