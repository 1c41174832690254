using System.Globalization;
using System.Text;
using EdgeAnomaly.Core.Readings;
using EdgeAnomaly.Core.Tags;

namespace EdgeAnomaly.Core.Events;

/// <summary>
/// Turns condition reports into event revisions: opens an event on the first active report, tracks the
/// peak while it stays active, closes it when the condition clears, and merges a re-activation of the same
/// cause inside its cooldown window into the previous event (dedup). Pure and single-threaded: the pipeline
/// drains the revisions, commits them, and only then announces them.
/// </summary>
public sealed class EventTracker : IConditionSink
{
    private readonly string _gatewayId;
    private readonly TagRegistry _registry;
    private readonly TagValues _values;
    private readonly List<GatewayEvent> _pending = [];
    private readonly Dictionary<(string Asset, string Key), TrackedCondition> _byCause = [];
    private readonly double[] _recent = new double[TagValues.HistoryLength];
    // One builder for every message and explanation (single-threaded): an open event allocates its final strings
    // and record, not builders, chunks and a string per number.
    private readonly StringBuilder _text = new(512);
    private int _openAlarms;

    public EventTracker(string gatewayId, TagRegistry registry, TagValues values)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(gatewayId);
        _gatewayId = gatewayId;
        _registry = registry;
        _values = values;
    }

    /// <summary>Open events of severity warning or critical: drives the local alarm output.</summary>
    public int OpenAlarmCount => _openAlarms;

    public int OpenCount { get; private set; }

    public bool HasPendingRevisions => _pending.Count > 0;

    /// <summary>
    /// Reports dropped because their reading was already decided before the restart (at or before the cause's
    /// restored decided-through mark): readings the broker redelivered after a crash.
    /// </summary>
    public long SkippedReplays { get; private set; }

    /// <summary>Moves the revisions produced since the last call into <paramref name="destination"/>, in order.</summary>
    public int DrainRevisions(List<GatewayEvent> destination)
    {
        var n = _pending.Count;
        destination.AddRange(_pending);
        _pending.Clear();
        return n;
    }

    public void Report(ConditionSource source, bool active, in ConditionSample sample)
    {
        var state = source.TrackerState as TrackedCondition ?? Adopt(source);
        if (sample.TimestampMs <= state.ReplayThroughMs)
        {
            // Its effect is in a committed revision already: deciding it again could open a second id for the same
            // episode. It does not re-confirm an orphan either; a live report (or the grace) settles the event.
            SkippedReplays++;
            return;
        }
        state.LastReportMs = sample.TimestampMs;
        state.Orphaned = false;
        if (active)
        {
            if (state.Current is { State: EventState.Open })
            {
                TrackPeak(state, sample);
                return;
            }
            if (state.Current is { } previous && sample.TimestampMs - previous.EndMs.GetValueOrDefault() <= (long)source.Cooldown.TotalMilliseconds)
            {
                Reopen(state, previous, sample);
            }
            else
            {
                Open(state, source, sample);
            }
        }
        else if (state.Current is { State: EventState.Open } open)
        {
            Close(state, open, sample.TimestampMs, open.Explanation, sample.TimestampMs);
        }
    }

    /// <summary>
    /// True when the cause of <paramref name="source"/> has an open event (restored after a restart, or opened by an
    /// earlier producer before a rules reload). A producer asks once, when it first evaluates a source, and treats an
    /// open event as its own active state, so the first clearing reading closes the event as it would have without
    /// the restart. Not for the hot path: the first call for a cause looks it up by name.
    /// </summary>
    public bool IsOpen(ConditionSource source)
    {
        ArgumentNullException.ThrowIfNull(source);
        if (source.TrackerState is not TrackedCondition state)
        {
            if (!_byCause.ContainsKey((source.Asset, source.Key)))
            {
                return false;
            }
            state = Adopt(source);
        }
        return state.Current is { State: EventState.Open };
    }

    /// <summary>
    /// Takes back events that were open when the process stopped, so the condition that raised them can
    /// continue or close them. Those not re-confirmed within the grace period are closed by <see cref="Tick"/>.
    /// </summary>
    public void Restore(IEnumerable<GatewayEvent> openEvents, long nowMs) => Restore([], openEvents, nowMs);

    /// <summary>
    /// Takes back the open events and, per cause, what the committed revisions decided: reports at or before a
    /// cause's decided-through mark are skipped (the broker redelivering readings whose events were committed
    /// before the crash), and a cause's latest closed event is kept so a re-activation inside its cooldown reopens
    /// the same id, as it would have without the restart.
    /// </summary>
    public void Restore(IEnumerable<CauseCheckpoint> causes, IEnumerable<GatewayEvent> openEvents, long nowMs)
    {
        ArgumentNullException.ThrowIfNull(causes);
        ArgumentNullException.ThrowIfNull(openEvents);
        foreach (var e in openEvents)
        {
            if (e.State != EventState.Open)
            {
                continue;
            }
            var state = new TrackedCondition(e.Asset, e.Source, e.Severity)
            {
                Current = e,
                Orphaned = true,
                OrphanedSinceMs = nowMs,
            };
            if (_byCause.TryGetValue((e.Asset, e.Source), out var earlier) && earlier.Current is { State: EventState.Open } other)
            {
                CountOpen(other.Severity, -1);
            }
            _byCause[(e.Asset, e.Source)] = state;
            CountOpen(e.Severity, +1);
        }
        foreach (var cause in causes)
        {
            if (!_byCause.TryGetValue((cause.Asset, cause.Source), out var state))
            {
                state = new TrackedCondition(cause.Asset, cause.Source, cause.Latest?.Severity ?? Severity.Info);
                _byCause[(cause.Asset, cause.Source)] = state;
            }
            state.ReplayThroughMs = Math.Max(state.ReplayThroughMs, cause.DecidedThroughMs);
            // An open latest revision is in openEvents already; a closed one only matters for the cooldown.
            if (state.Current is null && cause.Latest is { State: EventState.Closed } closed)
            {
                state.Current = closed;
            }
        }
    }

    /// <summary>
    /// Call when producers are replaced (rules reloaded): every tracked condition must be re-confirmed by a
    /// report from a new source within the grace period, or its open event is closed.
    /// </summary>
    public void MarkAllOrphaned(long nowMs)
    {
        foreach (var state in _byCause.Values)
        {
            state.Orphaned = true;
            state.OrphanedSinceMs = nowMs;
        }
    }

    /// <summary>Periodic housekeeping: closes open events whose cause vanished (restart, rule removed).</summary>
    public void Tick(long nowMs, TimeSpan orphanGrace)
    {
        var grace = (long)orphanGrace.TotalMilliseconds;
        foreach (var state in _byCause.Values)
        {
            if (state.Orphaned && nowMs - state.OrphanedSinceMs >= grace && state.Current is { State: EventState.Open } open)
            {
                Close(state, open, nowMs, open.Explanation + " Closed: the condition was not re-confirmed after a restart or rules reload.", null);
            }
        }
    }

    private TrackedCondition Adopt(ConditionSource source)
    {
        if (!_byCause.TryGetValue((source.Asset, source.Key), out var state))
        {
            state = new TrackedCondition(source.Asset, source.Key, source.Severity);
            _byCause[(source.Asset, source.Key)] = state;
        }
        state.Source = source;
        source.TrackerState = state;
        return state;
    }

    private void Open(TrackedCondition state, ConditionSource source, in ConditionSample sample)
    {
        var tags = new string[source.TagNames.Length];
        Array.Copy(source.TagNames, tags, tags.Length);
        var e = new GatewayEvent
        {
            Id = EventIds.Create(_gatewayId, source.Asset, source.Key, sample.TimestampMs),
            Gateway = _gatewayId,
            Asset = source.Asset,
            Tags = tags,
            Kind = source.Kind,
            Source = source.Key,
            Severity = source.Severity,
            State = EventState.Open,
            StartMs = sample.TimestampMs,
            EndMs = null,
            PeakValue = sample.Value,
            PeakScore = sample.Score,
            Threshold = sample.Threshold,
            Message = RenderMessage(source, sample),
            Explanation = Explain(source, sample),
            Occurrences = 1,
            Revision = 1,
            UpdatedMs = sample.TimestampMs,
            DecidedThroughMs = sample.TimestampMs,
        };
        state.Current = e;
        state.Severity = source.Severity;
        CountOpen(e.Severity, +1);
        _pending.Add(e);
    }

    private void Reopen(TrackedCondition state, GatewayEvent previous, in ConditionSample sample)
    {
        var e = previous with
        {
            State = EventState.Open,
            EndMs = null,
            Occurrences = previous.Occurrences + 1,
            Revision = previous.Revision + 1,
            UpdatedMs = sample.TimestampMs,
            DecidedThroughMs = sample.TimestampMs,
            PeakValue = sample.Score > previous.PeakScore ? sample.Value : previous.PeakValue,
            PeakScore = Math.Max(sample.Score, previous.PeakScore),
        };
        state.Current = e;
        CountOpen(e.Severity, +1);
        _pending.Add(e);
    }

    /// <param name="decidedThroughMs">The reading time that cleared it; null for a close by the clock (orphan grace).</param>
    private void Close(TrackedCondition state, GatewayEvent open, long endMs, string explanation, long? decidedThroughMs)
    {
        var e = open with
        {
            State = EventState.Closed,
            EndMs = Math.Max(endMs, open.StartMs),
            Revision = open.Revision + 1,
            UpdatedMs = Math.Max(endMs, open.StartMs),
            PeakValue = state.PeakDirty ? state.PeakValue : open.PeakValue,
            PeakScore = state.PeakDirty ? state.PeakScore : open.PeakScore,
            Explanation = explanation,
            DecidedThroughMs = decidedThroughMs,
        };
        state.PeakDirty = false;
        state.Current = e;
        CountOpen(e.Severity, -1);
        _pending.Add(e);
    }

    private static void TrackPeak(TrackedCondition state, in ConditionSample sample)
    {
        var open = state.Current!;
        var bestScore = state.PeakDirty ? state.PeakScore : open.PeakScore;
        var bestValue = state.PeakDirty ? state.PeakValue : open.PeakValue;
        var threshold = open.Threshold;
        var further = double.IsFinite(threshold)
            ? Math.Abs(sample.Value - threshold) > Math.Abs(bestValue - threshold)
            : false;
        if (sample.Score > bestScore || (sample.Score == bestScore && further))
        {
            state.PeakScore = sample.Score;
            state.PeakValue = sample.Value;
            state.PeakDirty = true;
        }
    }

    private void CountOpen(Severity severity, int delta)
    {
        OpenCount += delta;
        if (severity >= Severity.Warning)
        {
            _openAlarms += delta;
        }
    }

    /// <summary>Fills {asset} {tag} {value} {threshold} {score} {severity} and {any tag of the asset}.</summary>
    internal string RenderMessage(ConditionSource source, in ConditionSample sample)
    {
        var template = source.MessageTemplate;
        if (string.IsNullOrEmpty(template))
        {
            template = "{asset}: {tag} = {value}";
        }
        var sb = _text.Clear();
        var i = 0;
        while (i < template.Length)
        {
            var open = template.IndexOf('{', i);
            if (open < 0)
            {
                sb.Append(template, i, template.Length - i);
                break;
            }
            var close = template.IndexOf('}', open + 1);
            if (close < 0)
            {
                sb.Append(template, i, template.Length - i);
                break;
            }
            sb.Append(template, i, open - i);
            var name = template.AsSpan(open + 1, close - open - 1);
            if (!AppendPlaceholder(sb, source, sample, name))
            {
                sb.Append(template, open, close - open + 1);
            }
            i = close + 1;
        }
        return sb.ToString();
    }

    private bool AppendPlaceholder(StringBuilder sb, ConditionSource source, in ConditionSample sample, ReadOnlySpan<char> name)
    {
        switch (name)
        {
            case "asset": sb.Append(source.Asset); return true;
            case "tag": sb.Append(source.TagNames.Length > 0 ? source.TagNames[0] : ""); return true;
            case "value": AppendValue(sb, sample.Value); return true;
            case "threshold": AppendValue(sb, sample.Threshold); return true;
            case "score": AppendScore(sb, sample.Score); return true;
            case "severity": sb.Append(source.Severity.ToWire()); return true;
            case "gateway": sb.Append(_gatewayId); return true;
        }
        if (source.AssetId >= 0 && source.AssetId < _registry.AssetCount && _registry.TryGetTag(source.AssetId, name, out var tagId))
        {
            AppendValue(sb, _values.Last(tagId));
            return true;
        }
        return false;
    }

    /// <summary>Up to 4 decimals, invariant culture, "n/a" when not finite; formatted straight into the builder.</summary>
    private static void AppendValue(StringBuilder sb, double value)
    {
        if (double.IsFinite(value))
        {
            sb.Append(CultureInfo.InvariantCulture, $"{value:0.####}");
        }
        else
        {
            sb.Append("n/a");
        }
    }

    private static void AppendScore(StringBuilder sb, double score) => sb.Append(CultureInfo.InvariantCulture, $"{score:0.###}");

    private string Explain(ConditionSource source, in ConditionSample sample)
    {
        // The detail is asked for first: it may build its own text, and ours must not be half-written meanwhile.
        var detail = source.Detail?.Invoke();
        var sb = _text.Clear();
        var primaryTag = source.TagNames.Length > 0 ? source.TagNames[0] : "?";
        sb.Append(source.Asset).Append('/').Append(primaryTag).Append(" = ");
        AppendValue(sb, sample.Value);
        if (double.IsFinite(sample.Threshold))
        {
            sb.Append(" vs threshold ");
            AppendValue(sb, sample.Threshold);
        }
        sb.Append(" (").Append(source.Kind.ToWire()).Append(' ').Append(source.Key).Append(", score ");
        AppendScore(sb, sample.Score);
        sb.Append(')');
        if (source.TagIds.Length > 0 && source.TagIds[0] >= 0 && source.TagIds[0] < _values.TagCount)
        {
            var n = _values.CopyRecent(source.TagIds[0], _recent);
            if (n > 0)
            {
                sb.Append("; recent values [");
                for (var i = 0; i < n; i++)
                {
                    if (i > 0)
                    {
                        sb.Append(", ");
                    }
                    AppendValue(sb, _recent[i]);
                }
                sb.Append(']');
            }
        }
        for (var t = 1; t < source.TagIds.Length; t++)
        {
            var id = source.TagIds[t];
            if (id >= 0 && id < _values.TagCount)
            {
                sb.Append("; ").Append(source.TagNames[t]).Append(" = ");
                AppendValue(sb, _values.Last(id));
            }
        }
        if (detail is not null)
        {
            sb.Append("; ").Append(detail);
        }
        return sb.ToString();
    }

    private sealed class TrackedCondition(string asset, string key, Severity severity)
    {
        public string Asset { get; } = asset;
        public string Key { get; } = key;
        public Severity Severity { get; set; } = severity;
        public ConditionSource? Source { get; set; }
        public GatewayEvent? Current { get; set; }
        public double PeakValue { get; set; }
        public double PeakScore { get; set; }
        public bool PeakDirty { get; set; }
        public long LastReportMs { get; set; }
        public bool Orphaned { get; set; }
        public long OrphanedSinceMs { get; set; }

        /// <summary>Restored decided-through mark: reports at or before it were decided before the restart.</summary>
        public long ReplayThroughMs { get; set; } = long.MinValue;
    }
}
