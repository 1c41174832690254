using Microsoft.Extensions.Logging;

namespace EdgeAnomaly.FirmwareSim.Publishing;

internal static partial class Log
{
    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "Fleet of {Nodes} nodes, {Assets} assets to {Host}:{Port} prefix {Prefix}: speed {Speed:0.###}x, simulated start {SimStartMs}")]
    public static partial void Starting(ILogger logger, int nodes, int assets, string host, int port, string prefix, double speed, long simStartMs);

    [LoggerMessage(EventId = 2, Level = LogLevel.Warning, Message = "Speed {Speed:0.###}x over {Seconds:0} s needs more than 23 h of backlog; simulated time will be held at the real clock (the rate will not be reached). Add nodes or assets, or shorten the run")]
    public static partial void BacklogCapped(ILogger logger, double speed, double seconds);

    [LoggerMessage(EventId = 3, Level = LogLevel.Information, Message = "Node {NodeId} connected (again: {Again})")]
    public static partial void NodeConnected(ILogger logger, string nodeId, bool again);

    [LoggerMessage(EventId = 4, Level = LogLevel.Warning, Message = "Node {NodeId} could not connect (attempt {Attempt}): {Error}")]
    public static partial void NodeConnectFailed(ILogger logger, string nodeId, int attempt, string error);

    [LoggerMessage(EventId = 5, Level = LogLevel.Warning, Message = "Node {NodeId} lost its connection: {Error}")]
    public static partial void NodeConnectionLost(ILogger logger, string nodeId, string error);

    [LoggerMessage(EventId = 6, Level = LogLevel.Information, Message = "Node {NodeId} dropout starts ({Mode})")]
    public static partial void NodeSilenced(ILogger logger, string nodeId, NodeDropoutMode mode);

    [LoggerMessage(EventId = 7, Level = LogLevel.Information, Message = "Node {NodeId} dropout ends")]
    public static partial void NodeResumed(ILogger logger, string nodeId);

    [LoggerMessage(EventId = 8, Level = LogLevel.Information, Message = "Fault {Fault} on {Asset}/{Tag} labelled [{StartMs}, {EndMs})")]
    public static partial void FaultLabelled(ILogger logger, Faults.FaultKind fault, string asset, string tag, long startMs, long endMs);

    [LoggerMessage(EventId = 9, Level = LogLevel.Information, Message = "Stopped: {Counters}")]
    public static partial void Stopped(ILogger logger, PublisherCounters counters);
}
