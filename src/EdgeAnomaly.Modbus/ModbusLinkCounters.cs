namespace EdgeAnomaly.Modbus;

/// <summary>Per-link counters; written by the link's single transaction at a time, read by health from any thread.</summary>
public sealed class ModbusLinkCounters
{
    private long _requests;
    private long _responses;
    private long _timeouts;
    private long _frameErrors;
    private long _slaveExceptions;
    private long _transportErrors;
    private long _reconnects;
    private long _discardedFrames;
    private long _discardedBytes;

    public long Requests => Interlocked.Read(ref _requests);
    public long Responses => Interlocked.Read(ref _responses);
    public long Timeouts => Interlocked.Read(ref _timeouts);
    public long FrameErrors => Interlocked.Read(ref _frameErrors);
    public long SlaveExceptions => Interlocked.Read(ref _slaveExceptions);
    public long TransportErrors => Interlocked.Read(ref _transportErrors);
    public long Reconnects => Interlocked.Read(ref _reconnects);

    /// <summary>TCP: complete answers to earlier (timed-out) requests, recognised by transaction id and dropped.</summary>
    public long DiscardedFrames => Interlocked.Read(ref _discardedFrames);

    /// <summary>
    /// RTU: bytes dropped while waiting for a quiet line or flushing before a request (late answers, noise), and the
    /// buffered rest of a frame that failed (garbage head, truncated answer).
    /// </summary>
    public long DiscardedBytes => Interlocked.Read(ref _discardedBytes);

    public void AddRequest() => Interlocked.Increment(ref _requests);
    public void AddResponse() => Interlocked.Increment(ref _responses);
    public void AddTimeout() => Interlocked.Increment(ref _timeouts);
    public void AddFrameError() => Interlocked.Increment(ref _frameErrors);
    public void AddSlaveException() => Interlocked.Increment(ref _slaveExceptions);
    public void AddTransportError() => Interlocked.Increment(ref _transportErrors);
    public void AddReconnect() => Interlocked.Increment(ref _reconnects);
    public void AddDiscardedFrame() => Interlocked.Increment(ref _discardedFrames);
    public void AddDiscardedBytes(long count) => Interlocked.Add(ref _discardedBytes, count);
}
