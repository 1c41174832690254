using EdgeAnomaly.FirmwareSim.Faults;
using EdgeAnomaly.FirmwareSim.Fleet;
using EdgeAnomaly.FirmwareSim.Generation;
using Microsoft.Extensions.Logging;

namespace EdgeAnomaly.FirmwareSim.Publishing;

/// <summary>
/// Runs a <see cref="FleetSimulator"/> against a real broker: one MQTT client per node, paced by a
/// <see cref="TimeProvider"/> at <c>speed</c> simulated seconds per second (or at a target reading rate),
/// acting out whole-node dropouts, reconnecting when the broker goes away, and stopping cleanly.
/// </summary>
public sealed class FleetPublisher
{
    private readonly FleetSpec _spec;
    private readonly FleetPublisherOptions _options;
    private readonly FaultSchedule _faults;
    private readonly LabelWriter? _labels;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;

    public FleetPublisher(FleetSpec spec, FleetPublisherOptions options, TimeProvider time, ILogger<FleetPublisher> logger, FaultSchedule? faults = null, LabelWriter? labels = null)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _spec = spec;
        _options = options;
        _faults = faults ?? FaultSchedule.None;
        _faults.Validate(spec);
        _labels = labels;
        _time = time;
        _logger = logger;
        EffectiveSpeed = options.RateReadingsPerSecond is { } rate ? rate / spec.ReadingsPerSecond : options.Speed;
    }

    public PublisherCounters Counters { get; } = new();

    /// <summary>Simulated seconds per real second actually used (derived from the rate when one is set).</summary>
    public double EffectiveSpeed { get; }

    /// <summary>Simulated time of the first reading (aligned to a tick) once <see cref="RunAsync"/> has started.</summary>
    public long SimulatedStartMs { get; private set; }

    /// <summary>Publishes until the duration has passed or <paramref name="ct"/> is cancelled, then stops cleanly.</summary>
    public async Task RunAsync(CancellationToken ct)
    {
        var nowMs = _time.GetUtcNow().ToUnixTimeMilliseconds();
        var speed = EffectiveSpeed;
        var (chosenStart, capped) = Pacing.ChooseStart(nowMs, speed, _options.Duration);
        if (capped && _options.SimulatedStartMs is null)
        {
            Log.BacklogCapped(_logger, speed, _options.Duration!.Value.TotalSeconds);
        }
        var simulator = new FleetSimulator(_spec, new SimulatorOptions
        {
            StartMs = _options.SimulatedStartMs ?? chosenStart,
            Seed = _options.Seed,
            BatchSize = _options.BatchSize,
            BatchWindowMs = _options.BatchWindowMs,
            BadInputShare = _options.BadInputShare,
            BadInputKinds = _options.BadInputKinds,
            RebootAfterNodeDropout = _options.RebootAfterNodeDropout,
        }, _faults);
        SimulatedStartMs = simulator.StartMs;
        Log.Starting(_logger, _spec.Nodes.Count, _spec.Assets.Count, _options.Host, _options.Port, _options.Prefix, speed, simulator.StartMs);

        var links = new NodeLink[_spec.Nodes.Count];
        for (var i = 0; i < links.Length; i++)
        {
            links[i] = new NodeLink(_spec.Nodes[i].NodeId, _options, Counters, _time, _logger);
        }
        var rounds = new RoundCollector(links.Length, _labels, Counters, _logger);
        try
        {
            await Task.WhenAll(links.Select(l => l.EnsureConnectedAsync(ct)));
            var started = _time.GetTimestamp();
            var maxSimPerRound = Math.Max((long)(_options.MaxRealTimePerRound.TotalMilliseconds * speed), FleetSpec.TickMs);
            var endSimMs = _options.Duration is { } d ? simulator.StartMs + (long)(d.TotalMilliseconds * speed) : long.MaxValue;
            while (!ct.IsCancellationRequested)
            {
                var elapsed = _time.GetElapsedTime(started);
                var target = Pacing.Target(simulator.StartMs, elapsed, speed, _time.GetUtcNow().ToUnixTimeMilliseconds(), simulator.NowMs, maxSimPerRound);
                var last = target >= endSimMs || elapsed >= _options.Duration;
                simulator.AdvanceTo(Math.Min(target, endSimMs), rounds);
                if (last)
                {
                    simulator.Finish(rounds);
                }
                await rounds.PublishAsync(links, ct);
                if (last)
                {
                    break;
                }
                await Task.Delay(_options.Step, _time, ct);
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // Cancellation is the normal way to stop an open-ended run.
        }
        finally
        {
            // The stop gets its own short budget: the run's token may already be cancelled.
            using var stop = new CancellationTokenSource(_options.ConnectTimeout);
            await Task.WhenAll(links.Select(l => l.StopAsync(stop.Token)));
            foreach (var link in links)
            {
                await link.DisposeAsync();
            }
            Log.Stopped(_logger, Counters);
        }
    }

    /// <summary>Collects one round of simulator output per node, in order, then publishes nodes concurrently.</summary>
    private sealed class RoundCollector(int nodes, LabelWriter? labels, PublisherCounters counters, ILogger logger) : ISimulationSink
    {
        private readonly List<NodeAction>[] _perNode = [.. Enumerable.Range(0, nodes).Select(_ => new List<NodeAction>())];

        public void OnMessage(NodeMessage message) => _perNode[message.NodeIndex].Add(new NodeAction(NodeActionKind.Publish, message));

        public void OnNodeSilenced(string nodeId, int nodeIndex, long atMs) => _perNode[nodeIndex].Add(new NodeAction(NodeActionKind.Silence, null));

        public void OnNodeResumed(string nodeId, int nodeIndex, long atMs) => _perNode[nodeIndex].Add(new NodeAction(NodeActionKind.Resume, null));

        public void OnLabel(FaultLabel label)
        {
            labels?.Write(label);
            counters.Label();
            Log.FaultLabelled(logger, label.Kind, label.Asset, label.Tag, label.StartMs, label.EndMs);
        }

        public async Task PublishAsync(NodeLink[] links, CancellationToken ct)
        {
            var tasks = new List<Task>(links.Length);
            for (var i = 0; i < links.Length; i++)
            {
                if (_perNode[i].Count > 0)
                {
                    tasks.Add(RunNodeAsync(links[i], _perNode[i], ct));
                }
            }
            await Task.WhenAll(tasks);
        }

        private static async Task RunNodeAsync(NodeLink link, List<NodeAction> actions, CancellationToken ct)
        {
            foreach (var action in actions)
            {
                switch (action.Kind)
                {
                    case NodeActionKind.Publish:
                        await link.PublishAsync(action.Message!, ct);
                        break;
                    case NodeActionKind.Silence:
                        await link.SilenceAsync(ct);
                        break;
                    default:
                        await link.ResumeAsync(ct);
                        break;
                }
            }
            actions.Clear();
        }
    }

    private enum NodeActionKind
    {
        Publish,
        Silence,
        Resume,
    }

    private readonly record struct NodeAction(NodeActionKind Kind, NodeMessage? Message);
}
