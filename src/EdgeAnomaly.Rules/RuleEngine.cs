using EdgeAnomaly.Core.Events;
using EdgeAnomaly.Core.Readings;
using EdgeAnomaly.Core.Tags;
using EdgeAnomaly.Rules.Expressions;

namespace EdgeAnomaly.Rules;

/// <summary>
/// Rules bound to assets: one instance per (rule, matching asset), indexed by tag so a reading evaluates only
/// the instances that read its tag. Single-threaded by design: the pipeline thread calls
/// <see cref="OnReading"/>; a reload builds a new engine and the pipeline swaps the reference.
/// </summary>
public sealed class RuleEngine
{
    private const long NotPending = long.MinValue;

    private readonly TagValues _values;
    private readonly Instance[] _instances;
    private readonly ConditionSource[] _sources;

    // Tag id -> instances reading it, and tag id -> delta histories fed by it, as offset tables over flat arrays.
    private readonly int[] _instanceStart;
    private readonly Instance[] _instancesByTag;
    private readonly int[] _deltaStart;
    private readonly DeltaHistory[] _deltasByTag;
    private readonly double[] _stack;

    private RuleEngine(TagValues values, List<Instance> instances, List<DeltaHistory> histories, int tagCount, int maxStack, List<string> warnings)
    {
        _values = values;
        _instances = [.. instances];
        _sources = new ConditionSource[_instances.Length];
        for (var i = 0; i < _instances.Length; i++)
        {
            _sources[i] = _instances[i].Source;
        }
        Warnings = warnings;
        _stack = new double[maxStack];

        _instanceStart = new int[tagCount + 1];
        foreach (var inst in _instances)
        {
            foreach (var tagId in inst.DistinctTagIds)
            {
                _instanceStart[tagId + 1]++;
            }
        }
        Prefix(_instanceStart);
        _instancesByTag = new Instance[_instanceStart[tagCount]];
        var fill = (int[])_instanceStart.Clone();
        foreach (var inst in _instances)
        {
            foreach (var tagId in inst.DistinctTagIds)
            {
                _instancesByTag[fill[tagId]++] = inst;
            }
        }

        _deltaStart = new int[tagCount + 1];
        foreach (var h in histories)
        {
            _deltaStart[h.TagId + 1]++;
        }
        Prefix(_deltaStart);
        _deltasByTag = new DeltaHistory[histories.Count];
        fill = (int[])_deltaStart.Clone();
        foreach (var h in histories)
        {
            _deltasByTag[fill[h.TagId]++] = h;
        }
    }

    /// <summary>Why some (rule, asset) pairs were not bound; each names file:line:column of the rule.</summary>
    public IReadOnlyList<string> Warnings { get; }

    public int InstanceCount => _instances.Length;

    /// <summary>Every instance's condition source, in rule order then asset order.</summary>
    public IEnumerable<ConditionSource> Sources => Array.AsReadOnly(_sources);

    /// <summary>
    /// Binds every rule to every matching asset. An asset that matches the selector but lacks a tag the rule
    /// reads is skipped with a warning; a rule that matches no asset is a warning too, never an error, so one
    /// decommissioned pump does not block a reload.
    /// </summary>
    public static RuleEngine Compile(RuleSet rules, TagRegistry registry, TagValues values)
    {
        ArgumentNullException.ThrowIfNull(rules);
        ArgumentNullException.ThrowIfNull(registry);
        ArgumentNullException.ThrowIfNull(values);
        if (values.TagCount != registry.TagCount)
        {
            throw new ArgumentException($"values hold {values.TagCount} tags but the registry has {registry.TagCount}", nameof(values));
        }
        var warnings = new List<string>();
        var instances = new List<Instance>();
        var histories = new Dictionary<(int TagId, long WindowMs), DeltaHistory>();
        var maxStack = 1;
        foreach (var rule in rules.Rules)
        {
            var where = $"{rules.FileName}:{rule.Line}:{rule.Column}: rule '{rule.Id}'";
            var matched = 0;
            foreach (var asset in registry.Assets)
            {
                if (!rule.Select.MatchesNameAndType(asset.Name, asset.Type) || !HasTags(registry, asset.Id, rule.Select.Tags))
                {
                    continue;
                }
                matched++;
                var tagIds = new int[rule.TagNames.Count];
                string? missing = null;
                for (var slot = 0; slot < tagIds.Length; slot++)
                {
                    if (!registry.TryGetTag(asset.Id, rule.TagNames[slot], out tagIds[slot]))
                    {
                        missing = rule.TagNames[slot];
                        break;
                    }
                }
                if (missing is not null)
                {
                    warnings.Add($"{where}: asset '{asset.Name}' has no tag '{missing}'; the rule is not applied to it");
                    continue;
                }
                var deltas = new DeltaHistory[rule.Deltas.Length];
                for (var d = 0; d < deltas.Length; d++)
                {
                    var key = (tagIds[rule.Deltas[d].TagSlot], rule.Deltas[d].WindowMs);
                    if (!histories.TryGetValue(key, out var history))
                    {
                        history = new DeltaHistory(key.Item1, key.WindowMs);
                        histories.Add(key, history);
                    }
                    deltas[d] = history;
                }
                var source = new ConditionSource(
                    rule.Key,
                    EventKind.Rule,
                    rule.Severity,
                    asset.Id,
                    asset.Name,
                    tagIds,
                    [.. rule.TagNames],
                    rule.Cooldown,
                    rule.Message);
                instances.Add(new Instance(rule, source, tagIds, deltas));
                maxStack = Math.Max(maxStack, rule.When.Compiled.MaxStack);
                if (rule.Clear is not null)
                {
                    maxStack = Math.Max(maxStack, rule.Clear.Compiled.MaxStack);
                }
            }
            if (matched == 0)
            {
                warnings.Add($"{where} matches no asset");
            }
        }
        return new RuleEngine(values, instances, [.. histories.Values], registry.TagCount, maxStack, warnings);
    }

    /// <summary>
    /// Call after <c>values.Update(reading)</c>. Evaluates the instances that read this tag and reports to
    /// <paramref name="sink"/>: active on every evaluation while the sustained condition holds, inactive once when
    /// it clears. No allocation, no LINQ.
    /// </summary>
    public void OnReading(in Reading reading, IConditionSink sink)
    {
        var tagId = reading.TagId;
        if ((uint)tagId >= (uint)(_instanceStart.Length - 1))
        {
            return;
        }
        for (var i = _deltaStart[tagId]; i < _deltaStart[tagId + 1]; i++)
        {
            _deltasByTag[i].Add(reading.TimestampMs, reading.Value);
        }
        for (var i = _instanceStart[tagId]; i < _instanceStart[tagId + 1]; i++)
        {
            Evaluate(_instancesByTag[i], reading.TimestampMs, sink);
        }
    }

    private void Evaluate(Instance inst, long nowMs, IConditionSink sink)
    {
        var rule = inst.Rule;
        if (!inst.Resumed)
        {
            // First evaluation of this instance (after a start or a reload): an open event of its cause means the
            // rule was active when the previous process or engine stopped; so it is now, and the next reading that
            // clears it (its clear condition, with hysteresis) closes that event.
            inst.Resumed = true;
            inst.Active = sink.IsOpen(inst.Source);
        }
        if (!inst.Active)
        {
            if (!Ops.Holds(Run(rule.When, inst, nowMs)))
            {
                inst.PendingSinceMs = NotPending;
                return;
            }
            if (inst.PendingSinceMs == NotPending)
            {
                inst.PendingSinceMs = nowMs;
            }
            if (nowMs - inst.PendingSinceMs < inst.SustainMs)
            {
                return;
            }
            inst.Active = true;
            sink.Report(inst.Source, true, new ConditionSample(nowMs, _values.Last(inst.PrimaryTagId), 1, rule.Threshold));
            return;
        }
        var cleared = rule.Clear is null
            ? !Ops.Holds(Run(rule.When, inst, nowMs))
            : Ops.Holds(Run(rule.Clear, inst, nowMs));
        if (cleared)
        {
            inst.Active = false;
            inst.PendingSinceMs = NotPending;
            sink.Report(inst.Source, false, new ConditionSample(nowMs, _values.Last(inst.PrimaryTagId), 0, rule.Threshold));
        }
        else
        {
            sink.Report(inst.Source, true, new ConditionSample(nowMs, _values.Last(inst.PrimaryTagId), 1, rule.Threshold));
        }
    }

    private double Run(RuleCondition condition, Instance inst, long nowMs) =>
        Evaluator.Run(condition.Compiled, _stack, inst.TagIds, inst.Deltas, _values, nowMs);

    private static bool HasTags(TagRegistry registry, int assetId, IReadOnlyList<string> tags)
    {
        foreach (var tag in tags)
        {
            if (!registry.TryGetTag(assetId, tag, out _))
            {
                return false;
            }
        }
        return true;
    }

    private static void Prefix(int[] counts)
    {
        for (var i = 1; i < counts.Length; i++)
        {
            counts[i] += counts[i - 1];
        }
    }

    /// <summary>One rule on one asset, with its sustain and active state.</summary>
    private sealed class Instance
    {
        public Instance(RuleDefinition rule, ConditionSource source, int[] tagIds, DeltaHistory[] deltas)
        {
            Rule = rule;
            Source = source;
            TagIds = tagIds;
            Deltas = deltas;
            PrimaryTagId = tagIds[0];
            SustainMs = (long)rule.Sustain.TotalMilliseconds;
            var distinct = new List<int>(tagIds.Length);
            foreach (var id in tagIds)
            {
                if (!distinct.Contains(id))
                {
                    distinct.Add(id);
                }
            }
            DistinctTagIds = [.. distinct];
        }

        public RuleDefinition Rule { get; }

        public ConditionSource Source { get; }

        public int[] TagIds { get; }

        public int[] DistinctTagIds { get; }

        public DeltaHistory[] Deltas { get; }

        public int PrimaryTagId { get; }

        public long SustainMs { get; }

        public bool Active { get; set; }

        /// <summary>Whether the sink was asked for an open event of this instance's cause yet.</summary>
        public bool Resumed { get; set; }

        public long PendingSinceMs { get; set; } = NotPending;
    }
}
