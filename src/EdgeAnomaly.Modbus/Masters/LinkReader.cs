namespace EdgeAnomaly.Modbus;

/// <summary>
/// A receive buffer over a link's stream with at most one read outstanding. A read that outlives a timeout stays
/// outstanding and its bytes are picked up by the next wait, so timeouts never depend on the stream honouring
/// cancellation and never lose or misplace bytes (a late answer lands in the buffer, where the master can see it
/// for what it is).
/// </summary>
internal sealed class LinkReader
{
    // Two maximal frames plus slack: a TCP link may hold a late answer and the current one.
    private readonly byte[] _buffer = new byte[1024];
    private readonly TimeProvider _time;
    private int _start;
    private int _end;
    private Task<int>? _pending;
    private int _pendingOffset;

    public LinkReader(Stream stream, TimeProvider time)
    {
        Stream = stream;
        _time = time;
    }

    public Stream Stream { get; }

    public int Count => _end - _start;

    public bool HasPendingRead => _pending is not null;

    public ReadOnlySpan<byte> Buffered => _buffer.AsSpan(_start, _end - _start);

    public ReadOnlyMemory<byte> BufferedMemory => _buffer.AsMemory(_start, _end - _start);

    public void Consume(int count) => _start += Math.Min(count, Count);

    /// <summary>Drops every buffered byte (and those of a read that has already completed); returns how many.</summary>
    public int DiscardBuffered()
    {
        var discarded = Count;
        _start = _end;
        if (_pending is { IsCompletedSuccessfully: true } done && done.Result > 0)
        {
            discarded += done.Result;
            _pending = null;
        }
        return discarded;
    }

    /// <summary>
    /// Waits up to <paramref name="timeout"/> for at least one more byte. Throws <see cref="TimeoutException"/>
    /// when none came, <see cref="EndOfStreamException"/> when the peer closed, and whatever the stream threw
    /// (IOException, ObjectDisposedException, ...) when the link broke.
    /// </summary>
    public async ValueTask FillAsync(TimeSpan timeout, CancellationToken ct)
    {
        if (_pending is null)
        {
            Compact();
            _pendingOffset = _end;
            // No token: the read may outlive this wait; it ends with data, end of stream, or the stream's disposal.
            _pending = Stream.ReadAsync(_buffer, _end, _buffer.Length - _end, CancellationToken.None);
        }
        if (!_pending.IsCompleted)
        {
            if (timeout <= TimeSpan.Zero)
            {
                throw new TimeoutException();
            }
            // Timers run in whole milliseconds and WaitAsync truncates: a 0.4 ms wait would time out at once, and a
            // caller looping until its deadline would spin (or, on a fake clock, never see time pass). Round up.
            var wait = TimeSpan.FromMilliseconds(Math.Ceiling(timeout.TotalMilliseconds));
            await _pending.WaitAsync(wait, _time, ct).ConfigureAwait(false);
        }
        var read = _pending;
        _pending = null;
        var n = await read.ConfigureAwait(false);
        if (n == 0)
        {
            throw new EndOfStreamException("the peer closed the link");
        }
        // _end has not moved while the read was out (only Consume/DiscardBuffered ran, and they move _start).
        _end = _pendingOffset + n;
    }

    /// <summary>
    /// Forgets an outstanding read before the stream is disposed; its fault (the disposal) is observed so it never
    /// surfaces as an unobserved task exception.
    /// </summary>
    public void Abandon()
    {
        _pending?.ContinueWith(static t => _ = t.Exception, CancellationToken.None,
            TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        _pending = null;
        _start = _end = 0;
    }

    private void Compact()
    {
        if (_start == _end)
        {
            _start = _end = 0;
            return;
        }
        if (_buffer.Length - _end < ModbusTcpFrame.MaxLength)
        {
            Buffer.BlockCopy(_buffer, _start, _buffer, 0, _end - _start);
            _end -= _start;
            _start = 0;
        }
    }
}
