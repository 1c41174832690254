using EdgeAnomaly.Core.Net;

namespace EdgeAnomaly.Ingest;

/// <summary>Connection to the LOCAL broker the nodes publish to (configuration section "LocalBroker").</summary>
public sealed class MqttIngestOptions
{
    public const string Section = "LocalBroker";

    public string Host { get; set; } = "127.0.0.1";

    public int Port { get; set; } = 1883;

    /// <summary>Must stay the same across restarts: the broker keeps the persistent session under this id.</summary>
    public string ClientId { get; set; } = "edgeanomaly-ingest";

    public string? Username { get; set; }

    public string? Password { get; set; }

    public bool UseTls { get; set; }

    /// <summary>
    /// PEM file with the CA certificate(s) that signed the local broker's certificate; with it only that CA is
    /// trusted, not the system store (a mosquitto on the gateway usually has a certificate from a plant CA).
    /// </summary>
    public string? CaFile { get; set; }

    /// <summary>Accept any broker certificate (test benches only).</summary>
    public bool AllowUntrustedCertificates { get; set; }

    public TimeSpan KeepAlive { get; set; } = TimeSpan.FromSeconds(30);

    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// How long the broker keeps the session (subscriptions and queued QoS 1 readings) while the gateway is away.
    /// </summary>
    public TimeSpan SessionExpiry { get; set; } = TimeSpan.FromHours(24);

    /// <summary>Messages buffered between the broker connection and the pipeline; when full, receiving waits.</summary>
    public int ChannelCapacity { get; set; } = 4096;

    /// <summary>
    /// MQTT 5 Receive Maximum: unacknowledged QoS 1 messages the broker may have in flight to us. With a full
    /// channel we stop acknowledging, so this bounds what the broker pushes before it queues on its side.
    /// </summary>
    public int ReceiveMaximum { get; set; } = 256;

    public TimeSpan ReconnectInitialDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Cap of the reconnect backoff: a local broker that comes back is used within this long.</summary>
    public TimeSpan ReconnectMaxDelay { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Share (0..1) by which a reconnect delay is randomly shortened so gateways do not retry in lockstep.</summary>
    public double ReconnectJitter { get; set; } = 0.5;

    public IEnumerable<string> Validate()
    {
        if (string.IsNullOrWhiteSpace(Host))
        {
            yield return $"{Section}:Host must be set";
        }
        if (Port is < 1 or > 65535)
        {
            yield return $"{Section}:Port must be 1..65535 (got {Port})";
        }
        if (string.IsNullOrWhiteSpace(ClientId) || ClientId.Length > 128)
        {
            yield return $"{Section}:ClientId must be 1..128 characters";
        }
        if (Password is not null && Username is null)
        {
            yield return $"{Section}:Password needs {Section}:Username";
        }
        foreach (var error in ServerCertificateValidator.ValidateCaFileOption(Section, UseTls, CaFile))
        {
            yield return error;
        }
        if (KeepAlive < TimeSpan.FromSeconds(1) || KeepAlive > TimeSpan.FromSeconds(65535))
        {
            yield return $"{Section}:KeepAlive must be 1..65535 s (got {KeepAlive})";
        }
        if (ConnectTimeout <= TimeSpan.Zero)
        {
            yield return $"{Section}:ConnectTimeout must be > 0 (got {ConnectTimeout})";
        }
        if (SessionExpiry < TimeSpan.Zero || SessionExpiry.TotalSeconds > uint.MaxValue)
        {
            yield return $"{Section}:SessionExpiry must be 0..{uint.MaxValue} s (got {SessionExpiry})";
        }
        if (ChannelCapacity is < 1 or > 1_000_000)
        {
            yield return $"{Section}:ChannelCapacity must be 1..1000000 (got {ChannelCapacity})";
        }
        if (ReceiveMaximum is < 1 or > 65535)
        {
            yield return $"{Section}:ReceiveMaximum must be 1..65535 (got {ReceiveMaximum})";
        }
        if (ReconnectInitialDelay <= TimeSpan.Zero || ReconnectMaxDelay < ReconnectInitialDelay)
        {
            yield return $"{Section}:ReconnectInitialDelay must be > 0 and <= {Section}:ReconnectMaxDelay";
        }
        if (ReconnectJitter is < 0 or > 1)
        {
            yield return $"{Section}:ReconnectJitter must be 0..1 (got {ReconnectJitter})";
        }
    }
}
