using Microsoft.Extensions.Logging;

namespace EdgeAnomaly.Modbus;

/// <summary>
/// Modbus TCP (MBAP). After a timeout the connection is kept: a late answer is recognised by its transaction id
/// when it arrives (even during a later transaction), counted in <see cref="ModbusLinkCounters.DiscardedFrames"/>
/// and dropped, never taken as the answer to another request. After
/// <see cref="ModbusLinkOptions.TcpTimeoutsBeforeReconnect"/> timeouts in a row, an MBAP header that cannot be
/// Modbus, or any socket failure, the connection is dropped and reopened on the next call.
/// </summary>
internal sealed class ModbusTcpMaster(string linkName, Func<CancellationToken, ValueTask<Stream>> connect, ModbusLinkOptions options, TimeProvider time, ILogger? logger)
    : ModbusMaster(linkName, connect, options, time, logger)
{
    private readonly byte[] _frame = new byte[ModbusTcpFrame.MaxLength];
    private ushort _transactionId;
    private int _consecutiveTimeouts;

    protected override void OnOpened() => _consecutiveTimeouts = 0;

    protected override async ValueTask<ReadOnlyMemory<byte>> TransactAsync(LinkReader link, byte unitId, ModbusRequest request, ReadOnlyMemory<byte> pdu, CancellationToken ct)
    {
        var transactionId = unchecked(++_transactionId);
        var length = ModbusTcpFrame.EncodeRequest(transactionId, unitId, pdu.Span, _frame);
        await SendAsync(link.Stream, _frame.AsMemory(0, length), ct).ConfigureAwait(false);
        Counters.AddRequest();
        var sent = Time.GetTimestamp();
        while (true)
        {
            int frameLength;
            try
            {
                while (true)
                {
                    frameLength = ModbusTcpFrame.FrameLength(link.Buffered);
                    if (frameLength > 0 && link.Count >= frameLength)
                    {
                        break;
                    }
                    await link.FillAsync(Options.Timeout - Time.GetElapsedTime(sent), ct).ConfigureAwait(false);
                }
            }
            catch (TimeoutException)
            {
                if (++_consecutiveTimeouts >= Options.TcpTimeoutsBeforeReconnect)
                {
                    CloseLink();
                }
                throw new ModbusTimeoutException(unitId, request.Function, Options.Timeout);
            }
            catch (ModbusFrameException)
            {
                // Bad protocol id or length: the byte stream lost its frame boundaries.
                CloseLink();
                throw;
            }
            var frame = link.BufferedMemory[..frameLength];
            link.Consume(frameLength);
            if (ModbusTcpFrame.TransactionId(frame.Span) != transactionId)
            {
                Counters.AddDiscardedFrame();
                continue;
            }
            _consecutiveTimeouts = 0;
            ModbusTcpFrame.DecodeResponse(frame.Span, transactionId, unitId, request);
            return frame[ModbusTcpFrame.HeaderLength..];
        }
    }
}
