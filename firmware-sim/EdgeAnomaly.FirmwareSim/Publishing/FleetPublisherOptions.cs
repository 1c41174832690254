using EdgeAnomaly.FirmwareSim.BadInput;
using EdgeAnomaly.FirmwareSim.Contract;

namespace EdgeAnomaly.FirmwareSim.Publishing;

/// <summary>What a node does during a whole-node dropout.</summary>
public enum NodeDropoutMode
{
    /// <summary>Drops the connection without a clean DISCONNECT, so the broker publishes the node's last will.</summary>
    Disconnect,

    /// <summary>Stays connected and publishes nothing (a hung sensor task on a live ESP32).</summary>
    Silent,
}

/// <summary>Options of <see cref="FleetPublisher"/>; defaults match the CLI's.</summary>
public sealed record FleetPublisherOptions
{
    public string Host { get; init; } = "127.0.0.1";
    public int Port { get; init; } = 1883;
    public string Prefix { get; init; } = MqttContract.DefaultPrefix;

    /// <summary>QoS of readings, 0 or 1. Status messages are always QoS 1 retained, as the contract says.</summary>
    public int Qos { get; init; } = 1;

    /// <summary>Simulated seconds per real second.</summary>
    public double Speed { get; init; } = 1;

    /// <summary>When set, overrides <see cref="Speed"/> so the fleet publishes this many readings per real second.</summary>
    public double? RateReadingsPerSecond { get; init; }

    /// <summary>Real run time; null runs until cancelled.</summary>
    public TimeSpan? Duration { get; init; }

    public long Seed { get; init; } = 1;
    public int BatchSize { get; init; } = 10;
    public int BatchWindowMs { get; init; } = 1000;
    public double BadInputShare { get; init; }
    public bool RebootAfterNodeDropout { get; init; }
    public IReadOnlyList<BadInputKind> BadInputKinds { get; init; } = BadInput.BadInputKinds.All;

    /// <summary>
    /// Simulated time of the first reading. Null: chosen so that simulated time reaches the real clock at the end of
    /// the run (a faster-than-real run replays a backlog and never sends future timestamps), at most 23 h back.
    /// </summary>
    public long? SimulatedStartMs { get; init; }

    public string Firmware { get; init; } = "1.4.2";
    public NodeDropoutMode NodeDropout { get; init; } = NodeDropoutMode.Disconnect;

    /// <summary>Real time between publishing rounds.</summary>
    public TimeSpan Step { get; init; } = TimeSpan.FromMilliseconds(20);

    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(5);
    public TimeSpan KeepAlive { get; init; } = TimeSpan.FromSeconds(15);
    public TimeSpan ReconnectMinDelay { get; init; } = TimeSpan.FromMilliseconds(200);
    public TimeSpan ReconnectMaxDelay { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Most simulated time generated in one round, so a stalled broker cannot make a round's queue grow without bound.</summary>
    public TimeSpan MaxRealTimePerRound { get; init; } = TimeSpan.FromSeconds(1);

    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(Host))
        {
            throw new ArgumentException("host is required", nameof(Host));
        }
        if (Port is < 1 or > 65535)
        {
            throw new ArgumentOutOfRangeException(nameof(Port), Port, "port must be 1..65535");
        }
        if (string.IsNullOrEmpty(Prefix) || Prefix.Contains('+', StringComparison.Ordinal) || Prefix.Contains('#', StringComparison.Ordinal))
        {
            throw new ArgumentException("prefix must be non-empty and without MQTT wildcards", nameof(Prefix));
        }
        if (Qos is not (0 or 1))
        {
            throw new ArgumentOutOfRangeException(nameof(Qos), Qos, "qos must be 0 or 1");
        }
        if (!(Speed > 0) || double.IsInfinity(Speed))
        {
            throw new ArgumentOutOfRangeException(nameof(Speed), Speed, "speed must be > 0");
        }
        if (RateReadingsPerSecond is { } rate && (!(rate > 0) || double.IsInfinity(rate)))
        {
            throw new ArgumentOutOfRangeException(nameof(RateReadingsPerSecond), rate, "rate must be > 0");
        }
        if (Duration is { } d && d <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(Duration), d, "duration must be > 0");
        }
        if (Step <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(Step), Step, "step must be > 0");
        }
    }
}
