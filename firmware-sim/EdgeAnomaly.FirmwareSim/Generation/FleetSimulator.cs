using EdgeAnomaly.FirmwareSim.BadInput;
using EdgeAnomaly.FirmwareSim.Faults;
using EdgeAnomaly.FirmwareSim.Fleet;
using EdgeAnomaly.FirmwareSim.Signals;

namespace EdgeAnomaly.FirmwareSim.Generation;

/// <summary>
/// The fleet as a pure function of (spec, options, faults) and simulated time: no I/O, no clock. Advancing it
/// produces contract v1 payloads per node, node silence events and ground-truth labels, in order.
/// Every tag and asset draws from its own random stream, and faults only alter outputs, so a faulted run equals
/// the fault-free run with the same seed everywhere outside the labelled windows.
/// </summary>
public sealed class FleetSimulator
{
    private const string UnknownTagName = "unknown.tag";

    private readonly FleetSpec _spec;
    private readonly SimulatorOptions _options;
    private readonly NodeState[] _nodes;
    private readonly FaultState[] _faults;
    private readonly List<FaultState> _active = [];
    private readonly PayloadWriter _writer = new();
    private readonly SimRandom _badRandom;
    private readonly long _startMs;
    private int _nextFault;
    private long _nextTickMs;
    private bool _finished;

    public FleetSimulator(FleetSpec spec, SimulatorOptions options, FaultSchedule? faults = null)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        faults ??= FaultSchedule.None;
        faults.Validate(spec);
        _spec = spec;
        _options = options;
        _startMs = options.StartMs - (((options.StartMs % FleetSpec.TickMs) + FleetSpec.TickMs) % FleetSpec.TickMs);
        _nextTickMs = _startMs;
        _badRandom = SimRandom.For(options.Seed, 0xBAD);

        var assetsByName = new Dictionary<string, AssetState>(StringComparer.Ordinal);
        _nodes = new NodeState[spec.Nodes.Count];
        var assetIndex = 0;
        for (var n = 0; n < _nodes.Length; n++)
        {
            var nodeSpec = spec.Nodes[n];
            var node = new NodeState(nodeSpec, n);
            node.Assets = new AssetState[nodeSpec.Assets.Count];
            for (var a = 0; a < nodeSpec.Assets.Count; a++, assetIndex++)
            {
                var assetSpec = nodeSpec.Assets[a];
                var load = new LoadCycle(assetSpec.Load, SimRandom.For(options.Seed, assetIndex + 1, 0), _startMs);
                var asset = new AssetState(assetSpec, assetIndex, node, load);
                asset.Tags = new TagState[assetSpec.Tags.Count];
                for (var t = 0; t < assetSpec.Tags.Count; t++)
                {
                    asset.Tags[t] = new TagState(assetSpec.Tags[t], t, SimRandom.For(options.Seed, assetIndex + 1, t + 1));
                }
                node.Assets[a] = asset;
                assetsByName[assetSpec.Name] = asset;
            }
            _nodes[n] = node;
        }

        _faults = new FaultState[faults.Faults.Count];
        for (var i = 0; i < _faults.Length; i++)
        {
            var f = faults.Faults[i];
            var asset = assetsByName[f.Asset];
            TagState? tag = null;
            if (!f.IsNodeDropout)
            {
                tag = Array.Find(asset.Tags, x => x.Spec.Name == f.Tag);
            }
            var start = _startMs + (long)f.Start.TotalMilliseconds;
            _faults[i] = new FaultState(f, asset, tag, start, start + (long)f.Duration.TotalMilliseconds);
        }
    }

    public FleetSpec Spec => _spec;

    /// <summary>Simulated time of the first tick.</summary>
    public long StartMs => _startMs;

    /// <summary>Simulated time of the next tick not yet produced: everything before it has been generated.</summary>
    public long NowMs => _nextTickMs;

    /// <summary>Good readings put into messages (dropped ones excluded).</summary>
    public long ReadingsEmitted { get; private set; }

    /// <summary>Messages emitted, good and bad.</summary>
    public long MessagesEmitted { get; private set; }

    /// <summary>Bad messages emitted, per kind.</summary>
    public BadInputCounts BadInputEmitted { get; } = new();

    /// <summary>The seq the node's next message will carry.</summary>
    public uint NextSeq(int nodeIndex) => _nodes[nodeIndex].NextSeq;

    /// <summary>Generates every tick with a simulated time before <paramref name="untilMs"/>.</summary>
    public void AdvanceTo(long untilMs, ISimulationSink sink)
    {
        ArgumentNullException.ThrowIfNull(sink);
        ObjectDisposedException.ThrowIf(_finished, this);
        while (_nextTickMs < untilMs)
        {
            Tick(_nextTickMs, sink);
            _nextTickMs += FleetSpec.TickMs;
        }
    }

    /// <summary>Ends the run: sends what nodes still buffer and labels faults still active (cut at <see cref="NowMs"/>).</summary>
    public void Finish(ISimulationSink sink)
    {
        ArgumentNullException.ThrowIfNull(sink);
        if (_finished)
        {
            return;
        }
        foreach (var node in _nodes)
        {
            if (node.SilencedDepth == 0)
            {
                FlushAll(node, _nextTickMs, sink);
            }
        }
        foreach (var f in _active)
        {
            if (f.Spec.Kind != FaultKind.Spike)
            {
                sink.OnLabel(Label(f, f.StartMs, Math.Min(f.EndMs, _nextTickMs)));
            }
        }
        _active.Clear();
        _finished = true;
    }

    /// <summary>Convenience: generates <paramref name="duration"/> from the start and finishes.</summary>
    public SimulationRecording Run(TimeSpan duration)
    {
        var recording = new SimulationRecording();
        AdvanceTo(_startMs + (long)duration.TotalMilliseconds, recording);
        Finish(recording);
        return recording;
    }

    private void Tick(long t, ISimulationSink sink)
    {
        EndFaults(t, sink);
        StartFaults(t, sink);
        var daily = SignalMath.Daily(t);
        foreach (var node in _nodes)
        {
            foreach (var asset in node.Assets)
            {
                // The load advances every tick, sampled or not, so the duty cycle does not depend on tag rates.
                var load = asset.Load.At(t);
                foreach (var tag in asset.Tags)
                {
                    if ((t - _startMs) % tag.Spec.IntervalMs == 0)
                    {
                        Sample(node, asset, tag, t, load, daily, sink);
                    }
                }
            }
            FlushDue(node, t, sink);
        }
    }

    private void Sample(NodeState node, AssetState asset, TagState tag, long t, double load, double daily, ISimulationSink sink)
    {
        var spec = tag.Spec;
        for (var i = 0; i < tag.Faults.Count; i++)
        {
            if (tag.Faults[i].Spec.Kind == FaultKind.Decouple)
            {
                load *= 1 - tag.Faults[i].Spec.Magnitude;
            }
        }
        var level = spec.Base + spec.LoadGain * load + spec.DailyAmplitude * daily;
        double clean;
        switch (spec.Kind)
        {
            case SignalKind.Thermal:
                tag.Thermal = tag.HasThermal ? SignalMath.ThermalStep(tag.Thermal, level, spec.IntervalMs / 1000.0, spec.ThermalTauSeconds) : level;
                tag.HasThermal = true;
                clean = tag.Thermal;
                break;
            case SignalKind.Running:
                clean = load > 0.05 ? level : 0;
                break;
            case SignalKind.Ambient:
                clean = spec.Base + spec.DailyAmplitude * daily;
                break;
            default:
                clean = level;
                break;
        }
        // Noise is drawn even when the sample is dropped, so the stream stays aligned with a fault-free run.
        var noisy = clean + spec.NoiseSigma * tag.Noise.NextGaussian();
        if (spec.Kind == SignalKind.Running && clean == 0)
        {
            noisy = Math.Abs(noisy);
        }
        var value = noisy;
        var dropped = false;
        for (var i = 0; i < tag.Faults.Count; i++)
        {
            var f = tag.Faults[i];
            var sigma = spec.NoiseSigma * f.Spec.Magnitude;
            switch (f.Spec.Kind)
            {
                case FaultKind.Spike:
                    value += sigma;
                    sink.OnLabel(Label(f, t, t + spec.IntervalMs));
                    f.Done = true;
                    break;
                case FaultKind.Drift:
                    value += sigma * (t - f.StartMs) / (double)(f.EndMs - f.StartMs);
                    break;
                case FaultKind.Step:
                    value += sigma;
                    break;
                case FaultKind.Stuck:
                    if (!f.HasHeld)
                    {
                        f.Held = SignalMath.Quantize(value, spec.Decimals);
                        f.HasHeld = true;
                    }
                    value = f.Held;
                    break;
                case FaultKind.Dropout:
                    dropped = true;
                    break;
            }
        }
        if (tag.Faults.Count > 0)
        {
            tag.Faults.RemoveAll(static f => f.Done);
            _active.RemoveAll(static f => f.Done);
        }
        value = SignalMath.Quantize(value, spec.Decimals);
        tag.LastValue = value;
        tag.HasLast = true;
        if (dropped || node.SilencedDepth > 0)
        {
            return;
        }
        node.Buffer.Add(new PendingReading(t, asset.Spec.Name, spec.Name, value, asset.Index, tag.Index));
    }

    private void EndFaults(long t, ISimulationSink sink)
    {
        for (var i = 0; i < _active.Count; i++)
        {
            var f = _active[i];
            if (f.Spec.Kind == FaultKind.Spike || f.EndMs > t)
            {
                continue;
            }
            f.Done = true;
            sink.OnLabel(Label(f, f.StartMs, f.EndMs));
            if (f.Tag is null)
            {
                var node = f.Asset.Node;
                node.SilencedDepth--;
                if (node.SilencedDepth == 0)
                {
                    if (_options.RebootAfterNodeDropout)
                    {
                        node.NextSeq = 1;
                    }
                    sink.OnNodeResumed(node.Spec.NodeId, node.Index, t);
                }
            }
            else
            {
                f.Tag.Faults.Remove(f);
            }
        }
        _active.RemoveAll(static f => f.Done);
    }

    private void StartFaults(long t, ISimulationSink sink)
    {
        while (_nextFault < _faults.Length && _faults[_nextFault].StartMs <= t)
        {
            var f = _faults[_nextFault++];
            if (f.Tag is null)
            {
                var node = f.Asset.Node;
                if (node.SilencedDepth == 0)
                {
                    // What the node had buffered goes out before it falls silent: all of it predates the window.
                    FlushAll(node, t, sink);
                    sink.OnNodeSilenced(node.Spec.NodeId, node.Index, t);
                }
                node.SilencedDepth++;
            }
            else
            {
                if (f.Spec.Kind == FaultKind.Stuck && f.Tag.HasLast)
                {
                    f.Held = f.Tag.LastValue;
                    f.HasHeld = true;
                }
                f.Tag.Faults.Add(f);
            }
            _active.Add(f);
        }
    }

    private void FlushDue(NodeState node, long t, ISimulationSink sink)
    {
        var buffer = node.Buffer;
        var batch = _options.BatchSize;
        var sent = 0;
        while (buffer.Count - sent >= batch)
        {
            Emit(node, sent, batch, t, sink);
            sent += batch;
        }
        if (buffer.Count > sent && t + FleetSpec.TickMs - buffer[sent].TimestampMs >= _options.BatchWindowMs)
        {
            Emit(node, sent, buffer.Count - sent, t, sink);
            sent = buffer.Count;
        }
        buffer.RemoveRange(0, sent);
    }

    private void FlushAll(NodeState node, long t, ISimulationSink sink)
    {
        var buffer = node.Buffer;
        var batch = _options.BatchSize;
        for (var sent = 0; sent < buffer.Count; sent += batch)
        {
            Emit(node, sent, Math.Min(batch, buffer.Count - sent), t, sink);
        }
        buffer.Clear();
    }

    private void Emit(NodeState node, int start, int count, long t, ISimulationSink sink)
    {
        var buffer = node.Buffer;
        var seq = node.NextSeq++;
        var payload = count == 1 && _options.BatchSize == 1
            ? _writer.Single(seq, buffer[start])
            : _writer.Batch(seq, buffer, start, count);
        sink.OnMessage(new NodeMessage(node.Spec.NodeId, node.Index, seq, payload, count, buffer[start].TimestampMs));
        ReadingsEmitted += count;
        MessagesEmitted++;
        if (_options.BadInputShare > 0 && _badRandom.NextDouble() < _options.BadInputShare)
        {
            var kinds = _options.BadInputKinds;
            EmitBad(node, kinds[_badRandom.NextInt(kinds.Count)], buffer[start], t, sink);
        }
    }

    private void EmitBad(NodeState node, BadInputKind kind, PendingReading basis, long t, ISimulationSink sink)
    {
        byte[] payload;
        uint? seq = null;
        long ts;
        switch (kind)
        {
            case BadInputKind.BrokenJson:
                ts = t;
                var whole = _writer.Single(null, basis with { TimestampMs = t });
                payload = whole.AsSpan(0, whole.Length * 2 / 3).ToArray();
                break;
            case BadInputKind.NanAsString:
                // 1 ms after the tick: newer than anything sent for the tag, so only the value is wrong.
                seq = node.NextSeq++;
                ts = t + 1;
                payload = _writer.SingleWithStringValue(seq.Value, ts, basis.Asset, basis.Tag, "NaN");
                break;
            case BadInputKind.UnknownTag:
                seq = node.NextSeq++;
                ts = t;
                payload = _writer.Single(seq, basis with { TimestampMs = ts, Tag = UnknownTagName });
                break;
            case BadInputKind.FutureTimestamp:
                seq = node.NextSeq++;
                ts = t + (long)_options.FutureOffset.TotalMilliseconds;
                payload = _writer.Single(seq, basis with { TimestampMs = ts });
                break;
            default:
                // The basis reading was just sent, so its tag's last accepted ts is at least basis ts.
                seq = node.NextSeq++;
                ts = basis.TimestampMs - 1;
                payload = _writer.Single(seq, basis with { TimestampMs = ts });
                break;
        }
        sink.OnMessage(new NodeMessage(node.Spec.NodeId, node.Index, seq, payload, 0, ts, kind));
        MessagesEmitted++;
        BadInputEmitted.Increment(kind);
    }

    private static FaultLabel Label(FaultState f, long startMs, long endMs) =>
        new(f.Asset.Node.Spec.NodeId, f.Asset.Spec.Name, f.Spec.Tag, f.Spec.Kind, startMs, endMs, f.Spec.Magnitude);

    private sealed class NodeState(NodeSpec spec, int index)
    {
        public NodeSpec Spec { get; } = spec;
        public int Index { get; } = index;
        public AssetState[] Assets { get; set; } = [];
        public List<PendingReading> Buffer { get; } = new(64);
        public uint NextSeq { get; set; } = 1;
        public int SilencedDepth { get; set; }
    }

    private sealed class AssetState(AssetSpec spec, int index, NodeState node, LoadCycle load)
    {
        public AssetSpec Spec { get; } = spec;
        public int Index { get; } = index;
        public NodeState Node { get; } = node;
        public LoadCycle Load { get; } = load;
        public TagState[] Tags { get; set; } = [];
    }

    private sealed class TagState(TagSpec spec, int index, SimRandom noise)
    {
        public TagSpec Spec { get; } = spec;
        public int Index { get; } = index;
        public SimRandom Noise { get; } = noise;
        public double Thermal { get; set; }
        public bool HasThermal { get; set; }
        public double LastValue { get; set; }
        public bool HasLast { get; set; }
        public List<FaultState> Faults { get; } = [];
    }

    private sealed class FaultState(FaultSpec spec, AssetState asset, TagState? tag, long startMs, long endMs)
    {
        public FaultSpec Spec { get; } = spec;
        public AssetState Asset { get; } = asset;
        public TagState? Tag { get; } = tag;
        public long StartMs { get; } = startMs;
        public long EndMs { get; } = endMs;
        public bool Done { get; set; }
        public double Held { get; set; }
        public bool HasHeld { get; set; }
    }
}
