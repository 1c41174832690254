using System.Globalization;

namespace EdgeAnomaly.FirmwareSim.Modbus;

/// <summary>What the servers did, for the run's summary and for tests. Updated with Interlocked from any thread.</summary>
public sealed class ModbusCounters
{
    private long _requests;
    private long _responses;
    private long _exceptions;
    private long _ignored;
    private long _broadcasts;
    private long _malformed;
    private long _faulted;
    private long _connections;
    private long _rtuDiscardedBytes;

    /// <summary>Requests addressed to a simulated unit (TCP and RTU).</summary>
    public long Requests => Interlocked.Read(ref _requests);

    /// <summary>Answers sent (including exception answers and corrupted ones).</summary>
    public long Responses => Interlocked.Read(ref _responses);

    /// <summary>Exception answers sent (protocol and injected).</summary>
    public long Exceptions => Interlocked.Read(ref _exceptions);

    /// <summary>Frames for unit ids not simulated (or broadcast reads), left unanswered or answered 0x0B.</summary>
    public long Ignored => Interlocked.Read(ref _ignored);

    /// <summary>Broadcast (unit 0) writes executed on every unit.</summary>
    public long Broadcasts => Interlocked.Read(ref _broadcasts);

    /// <summary>TCP streams closed because their MBAP header was not Modbus.</summary>
    public long Malformed => Interlocked.Read(ref _malformed);

    /// <summary>Requests whose answer an injected transport fault altered, delayed or suppressed.</summary>
    public long Faulted => Interlocked.Read(ref _faulted);

    /// <summary>TCP connections accepted.</summary>
    public long Connections => Interlocked.Read(ref _connections);

    /// <summary>RTU bytes that belonged to no frame with a valid CRC.</summary>
    public long RtuDiscardedBytes => Interlocked.Read(ref _rtuDiscardedBytes);

    internal void Request() => Interlocked.Increment(ref _requests);

    internal void Response(bool exception)
    {
        Interlocked.Increment(ref _responses);
        if (exception)
        {
            Interlocked.Increment(ref _exceptions);
        }
    }

    internal void Ignore() => Interlocked.Increment(ref _ignored);

    internal void Broadcast() => Interlocked.Increment(ref _broadcasts);

    internal void Malform() => Interlocked.Increment(ref _malformed);

    internal void Fault() => Interlocked.Increment(ref _faulted);

    internal void Connection() => Interlocked.Increment(ref _connections);

    internal void RtuDiscarded(long bytes) => Interlocked.Add(ref _rtuDiscardedBytes, bytes);

    /// <summary>One JSON line.</summary>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"{{\"requests\":{Requests},\"responses\":{Responses},\"exceptions\":{Exceptions},\"ignored\":{Ignored},\"broadcasts\":{Broadcasts},\"malformed\":{Malformed},\"faulted\":{Faulted},\"connections\":{Connections},\"rtu_discarded_bytes\":{RtuDiscardedBytes}}}");
}
