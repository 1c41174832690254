namespace EdgeAnomaly.Modbus;

/// <summary>Timing of one Modbus link (a TCP connection or a serial bus). Defaults suit most PLCs and drives.</summary>
public sealed class ModbusLinkOptions
{
    /// <summary>How long a slave has to answer a request (from the end of the request on the wire).</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>How long opening a TCP connection may take.</summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(3);

    /// <summary>
    /// RTU: quiet time on the bus between the end of one transaction and the next request (at least the 3.5-character
    /// silent interval of the baud rate). Slow RS-485 slaves need it to turn their driver around.
    /// </summary>
    public TimeSpan MinimumFrameGap { get; set; } = TimeSpan.FromMilliseconds(20);

    /// <summary>RTU: time slaves get to act on a broadcast (unit 0) write before the next request; nobody answers one.</summary>
    public TimeSpan BroadcastTurnaround { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>
    /// TCP: consecutive timeouts after which the connection is dropped and reopened on the next call. A single timeout
    /// keeps the connection (late answers are recognised by transaction id and discarded); many in a row usually mean
    /// a half-open connection that TCP itself would notice only after many minutes.
    /// </summary>
    public int TcpTimeoutsBeforeReconnect { get; set; } = 3;

    /// <summary>At most one fault line per link per this interval; the line says how many were suppressed.</summary>
    public TimeSpan FaultLogInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Throws <see cref="ArgumentException"/> naming the first bad key (prefixed with <paramref name="section"/>).</summary>
    public void Validate(string section = "Modbus")
    {
        Require(Timeout > TimeSpan.Zero && Timeout <= TimeSpan.FromMinutes(5), nameof(Timeout), "must be > 0 and <= 5 min", section);
        Require(ConnectTimeout > TimeSpan.Zero && ConnectTimeout <= TimeSpan.FromMinutes(5), nameof(ConnectTimeout), "must be > 0 and <= 5 min", section);
        Require(MinimumFrameGap >= TimeSpan.Zero && MinimumFrameGap <= TimeSpan.FromSeconds(10), nameof(MinimumFrameGap), "must be 0..10 s", section);
        Require(BroadcastTurnaround >= TimeSpan.Zero && BroadcastTurnaround <= TimeSpan.FromSeconds(10), nameof(BroadcastTurnaround), "must be 0..10 s", section);
        Require(TcpTimeoutsBeforeReconnect >= 1, nameof(TcpTimeoutsBeforeReconnect), "must be >= 1", section);
        Require(FaultLogInterval >= TimeSpan.Zero, nameof(FaultLogInterval), "must be >= 0", section);
    }

    private static void Require(bool ok, string key, string rule, string section)
    {
        if (!ok)
        {
            throw new ArgumentException($"{section}:{key} {rule}", key);
        }
    }
}
