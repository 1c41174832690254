using EdgeAnomaly.Core.Diagnostics;
using Microsoft.Extensions.Logging;

namespace EdgeAnomaly.Uplink;

internal static partial class Log
{
    [LoggerMessage(EventId = LogEventIds.Uplink.Connected, Level = LogLevel.Information, Message = "Uplink connected to {Host}:{Port} as {ClientId}")]
    public static partial void Connected(ILogger log, string host, int port, string clientId);

    [LoggerMessage(EventId = LogEventIds.Uplink.ConnectionLost, Level = LogLevel.Warning, Message = "Uplink connection lost: {Reason}")]
    public static partial void ConnectionLost(ILogger log, string reason);

    [LoggerMessage(EventId = LogEventIds.Uplink.ConnectFailed, Level = LogLevel.Warning, Message = "Uplink connect to {Host}:{Port} failed (attempt {Attempt}), retrying in {Delay}: {Error}")]
    public static partial void ConnectFailed(ILogger log, string host, int port, int attempt, TimeSpan delay, string error);

    [LoggerMessage(EventId = LogEventIds.Uplink.NotAuthorized, Level = LogLevel.Error,
        Message = "Uplink: the central broker {Host}:{Port} refuses the gateway's login ({ResultCode}, user '{User}'). Set Central:Username and Central:Password (or EDGEANOMALY_Central__Password) to the gateway's account on the central broker")]
    public static partial void NotAuthorized(ILogger logger, string host, int port, string resultCode, string user);

    [LoggerMessage(EventId = LogEventIds.Uplink.CertificateExpiring, Level = LogLevel.Warning, Message = "Uplink TLS: {Warning}")]
    public static partial void CertificateExpiring(ILogger log, string warning);

    [LoggerMessage(EventId = LogEventIds.Uplink.Stopped, Level = LogLevel.Information, Message = "Uplink stopped")]
    public static partial void Stopped(ILogger log);

    [LoggerMessage(EventId = LogEventIds.Uplink.ForwardFailed, Level = LogLevel.Warning, Message = "Event forwarding interrupted at seq {Seq}: {Error}; will resume from it")]
    public static partial void ForwardFailed(ILogger log, long seq, string error);

    [LoggerMessage(EventId = LogEventIds.Uplink.Drained, Level = LogLevel.Information, Message = "Event forwarder drained backlog: {Count} revisions")]
    public static partial void Drained(ILogger log, long count);
}
