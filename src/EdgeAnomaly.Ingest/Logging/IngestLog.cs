using EdgeAnomaly.Core.Diagnostics;
using Microsoft.Extensions.Logging;

namespace EdgeAnomaly.Ingest;

/// <summary>Source-generated log lines of the ingest component; event ids 2100-2199 are reserved for it.</summary>
public static partial class IngestLog
{
    [LoggerMessage(EventId = LogEventIds.Ingest.Connected, Level = LogLevel.Information, Message = "Ingest connected to {Host}:{Port} as {ClientId} (session present: {SessionPresent})")]
    public static partial void Connected(ILogger logger, string host, int port, string clientId, bool sessionPresent);

    [LoggerMessage(EventId = LogEventIds.Ingest.ConnectFailed, Level = LogLevel.Warning, Message = "Ingest connection to {Host}:{Port} failed (attempt {Attempt}){Refusal}; retrying in {DelayMs} ms")]
    public static partial void ConnectFailed(ILogger logger, string host, int port, int attempt, long delayMs, string refusal, Exception exception);

    [LoggerMessage(EventId = LogEventIds.Ingest.NotAuthorized, Level = LogLevel.Error,
        Message = "Ingest: the local broker {Host}:{Port} refuses the gateway's login ({ResultCode}, user '{User}'). Set LocalBroker:Username and LocalBroker:Password (or EDGEANOMALY_LocalBroker__Password) to the account created with mosquitto_passwd, see the header of configs/mosquitto-local.conf")]
    public static partial void NotAuthorized(ILogger logger, string host, int port, string resultCode, string user);

    [LoggerMessage(EventId = LogEventIds.Ingest.Disconnected, Level = LogLevel.Warning, Message = "Ingest disconnected from {Host}:{Port}: {Reason}")]
    public static partial void Disconnected(ILogger logger, string host, int port, string reason);

    [LoggerMessage(EventId = LogEventIds.Ingest.InputRejected, Level = LogLevel.Warning, Message = "Rejected input ({Reason}) on {Topic}; {Suppressed} more of this reason suppressed since the last line")]
    public static partial void InputRejected(ILogger logger, string reason, string topic, long suppressed);

    [LoggerMessage(EventId = LogEventIds.Ingest.SubscribeRefused, Level = LogLevel.Warning, Message = "Ingest broker refused subscription to {Filter}: {ResultCode}")]
    public static partial void SubscribeRefused(ILogger logger, string filter, string resultCode);

    [LoggerMessage(EventId = LogEventIds.Ingest.CertificateExpiring, Level = LogLevel.Warning, Message = "Ingest TLS: {Warning}")]
    public static partial void CertificateExpiring(ILogger logger, string warning);

    [LoggerMessage(EventId = LogEventIds.Ingest.Stopped, Level = LogLevel.Information, Message = "Ingest stopped")]
    public static partial void Stopped(ILogger logger);

    [LoggerMessage(EventId = LogEventIds.Ingest.NotQueued, Level = LogLevel.Warning, Message = "Ingest message on {Topic} not queued (stopping); left unacknowledged for redelivery")]
    public static partial void NotQueued(ILogger logger, string topic);
}
