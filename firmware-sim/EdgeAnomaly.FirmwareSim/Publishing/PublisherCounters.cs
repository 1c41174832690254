using EdgeAnomaly.FirmwareSim.BadInput;

namespace EdgeAnomaly.FirmwareSim.Publishing;

/// <summary>What the publisher did, for tests and the end-of-run summary. Thread-safe: nodes publish concurrently.</summary>
public sealed class PublisherCounters
{
    private long _readings;
    private long _messages;
    private long _dropped;
    private long _connects;
    private long _reconnects;
    private long _connectFailures;
    private long _labels;

    /// <summary>Good readings in messages the client published successfully.</summary>
    public long ReadingsPublished => Interlocked.Read(ref _readings);

    /// <summary>Reading messages published successfully (good and bad).</summary>
    public long MessagesPublished => Interlocked.Read(ref _messages);

    /// <summary>Messages that could not be published (node not connected, publish failed); a node keeps no backlog.</summary>
    public long MessagesDropped => Interlocked.Read(ref _dropped);

    public long Connects => Interlocked.Read(ref _connects);

    /// <summary>Connects after the first one of a node (broker came back, node dropout ended).</summary>
    public long Reconnects => Interlocked.Read(ref _reconnects);

    public long ConnectFailures => Interlocked.Read(ref _connectFailures);

    public long LabelsWritten => Interlocked.Read(ref _labels);

    /// <summary>Bad messages published successfully, per kind: compare with the gateway's reject counters.</summary>
    public BadInputCounts BadInputPublished { get; } = new();

    internal void Published(int readings)
    {
        Interlocked.Add(ref _readings, readings);
        Interlocked.Increment(ref _messages);
    }

    internal void Dropped() => Interlocked.Increment(ref _dropped);

    internal void Connected(bool again)
    {
        Interlocked.Increment(ref _connects);
        if (again)
        {
            Interlocked.Increment(ref _reconnects);
        }
    }

    internal void ConnectFailed() => Interlocked.Increment(ref _connectFailures);

    internal void Label() => Interlocked.Increment(ref _labels);

    public override string ToString() =>
        FormattableString.Invariant($"readings={ReadingsPublished} messages={MessagesPublished} dropped={MessagesDropped} connects={Connects} reconnects={Reconnects} connect_failures={ConnectFailures} labels={LabelsWritten} bad=[{BadInputPublished}]");
}
