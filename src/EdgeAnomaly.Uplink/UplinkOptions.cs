using EdgeAnomaly.Core.Net;
using System.Text.RegularExpressions;

namespace EdgeAnomaly.Uplink;

/// <summary>The "Central" section: the broker events, health and state go to.</summary>
public sealed partial class UplinkOptions
{
    public string Host { get; set; } = "localhost";
    public int Port { get; set; } = 1883;
    /// <summary>MQTT client id; the config loader defaults it to "edgeanomaly-{gatewayId}".</summary>
    public string ClientId { get; set; } = "";
    /// <summary>Gateway id in topics; the config loader defaults it to Gateway:Id.</summary>
    public string GatewayId { get; set; } = "";
    public string TopicPrefix { get; set; } = "ea";
    public string? Username { get; set; }
    public string? Password { get; set; }
    public bool UseTls { get; set; }
    /// <summary>Accept any server certificate (test benches only).</summary>
    public bool AllowUntrustedCertificates { get; set; }
    /// <summary>PEM file of the CA that signed the broker's certificate, instead of the system store.</summary>
    public string? CaFile { get; set; }
    public TimeSpan KeepAlive { get; set; } = TimeSpan.FromSeconds(30);
    /// <summary>Connect and PUBACK timeout: a half-open link fails a publish after this long.</summary>
    public TimeSpan OperationTimeout { get; set; } = TimeSpan.FromSeconds(10);
    public TimeSpan ReconnectInitial { get; set; } = TimeSpan.FromSeconds(1);
    /// <summary>
    /// Cap of the reconnect backoff (then shortened by up to 20 % jitter): a central broker that comes back is used
    /// within this long. Events wait in SQLite meanwhile, so a short cap costs only a connect attempt per period.
    /// </summary>
    public TimeSpan ReconnectMax { get; set; } = TimeSpan.FromSeconds(10);
    /// <summary>Event publishes awaiting PUBACK at once.</summary>
    public int MaxInflight { get; set; } = 256;
    /// <summary>How often the gateway publishes health (the gateway's health publisher reads this).</summary>
    public TimeSpan HealthInterval { get; set; } = TimeSpan.FromSeconds(10);
    /// <summary>Software version announced in the online state message.</summary>
    public string Version { get; set; } = "0.0.0";

    [GeneratedRegex("^[A-Za-z0-9_-]{1,64}$")]
    private static partial Regex IdPattern();

    public IEnumerable<string> Validate()
    {
        if (string.IsNullOrWhiteSpace(Host))
        {
            yield return "Central:Host must be set";
        }
        if (Port is < 1 or > 65535)
        {
            yield return "Central:Port must be 1..65535";
        }
        if (string.IsNullOrWhiteSpace(ClientId) || ClientId.Length > 128)
        {
            yield return "Central:ClientId must be 1..128 characters";
        }
        if (!IdPattern().IsMatch(GatewayId))
        {
            yield return "Central:GatewayId must match [A-Za-z0-9_-]{1,64}";
        }
        if (string.IsNullOrEmpty(TopicPrefix) || TopicPrefix.IndexOfAny(['+', '#']) >= 0 || TopicPrefix.StartsWith('/') || TopicPrefix.EndsWith('/'))
        {
            yield return "Central:TopicPrefix must be non-empty, without wildcards or leading/trailing '/'";
        }
        if (Password is not null && Username is null)
        {
            yield return "Central:Password needs Central:Username";
        }
        foreach (var error in ServerCertificateValidator.ValidateCaFileOption("Central", UseTls, CaFile))
        {
            yield return error;
        }
        if (KeepAlive < TimeSpan.FromSeconds(1) || KeepAlive > TimeSpan.FromHours(18))
        {
            yield return "Central:KeepAlive must be between 1 s and 18 h";
        }
        if (OperationTimeout < TimeSpan.FromMilliseconds(100))
        {
            yield return "Central:OperationTimeout must be >= 100 ms";
        }
        if (ReconnectInitial <= TimeSpan.Zero)
        {
            yield return "Central:ReconnectInitial must be > 0";
        }
        if (ReconnectMax < ReconnectInitial)
        {
            yield return "Central:ReconnectMax must be >= Central:ReconnectInitial";
        }
        if (MaxInflight is < 1 or > 65535)
        {
            yield return "Central:MaxInflight must be 1..65535";
        }
        if (HealthInterval < TimeSpan.FromSeconds(1))
        {
            yield return "Central:HealthInterval must be >= 1 s";
        }
    }
}
