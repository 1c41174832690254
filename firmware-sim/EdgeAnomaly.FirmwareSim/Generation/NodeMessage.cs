using EdgeAnomaly.FirmwareSim.BadInput;
using EdgeAnomaly.FirmwareSim.Faults;

namespace EdgeAnomaly.FirmwareSim.Generation;

/// <summary>
/// One MQTT payload a node sends on its readings topic. <see cref="Seq"/> is null only for broken JSON,
/// which the gateway cannot read a seq from; <see cref="ReadingCount"/> counts well-formed, valid readings only.
/// </summary>
public sealed record NodeMessage(
    string NodeId,
    int NodeIndex,
    uint? Seq,
    byte[] Payload,
    int ReadingCount,
    long TimestampMs,
    BadInputKind? BadInput = null);

/// <summary>Receives what the simulator produces, in the order a node would do it.</summary>
public interface ISimulationSink
{
    void OnMessage(NodeMessage message);

    /// <summary>A whole-node dropout starts: the node publishes nothing until <see cref="OnNodeResumed"/>.</summary>
    void OnNodeSilenced(string nodeId, int nodeIndex, long atMs);

    void OnNodeResumed(string nodeId, int nodeIndex, long atMs);

    /// <summary>A fault ended (or the run ended while it was active): its ground-truth label.</summary>
    void OnLabel(FaultLabel label);
}

/// <summary>Keeps everything in memory: for tests and for writing files after a run.</summary>
public sealed class SimulationRecording : ISimulationSink
{
    public List<NodeMessage> Messages { get; } = [];

    public List<FaultLabel> Labels { get; } = [];

    /// <summary>(node, at, silenced) in order.</summary>
    public List<(string NodeId, long AtMs, bool Silenced)> NodeEvents { get; } = [];

    public void OnMessage(NodeMessage message) => Messages.Add(message);

    public void OnNodeSilenced(string nodeId, int nodeIndex, long atMs) => NodeEvents.Add((nodeId, atMs, true));

    public void OnNodeResumed(string nodeId, int nodeIndex, long atMs) => NodeEvents.Add((nodeId, atMs, false));

    public void OnLabel(FaultLabel label) => Labels.Add(label);
}
