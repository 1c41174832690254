namespace EdgeAnomaly.Core.Events;

/// <summary>
/// One thing that can be in alarm on one asset: a rule instance, a detector on a tag, a data-quality
/// check on a tag. Producers create these once (at rule load or detector creation) and report against
/// the same instance on every evaluation, so the hot path passes a reference, not strings.
/// </summary>
public sealed class ConditionSource
{
    public ConditionSource(
        string key,
        EventKind kind,
        Severity severity,
        int assetId,
        string asset,
        int[] tagIds,
        string[] tagNames,
        TimeSpan cooldown,
        string messageTemplate)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(key);
        Key = key;
        Kind = kind;
        Severity = severity;
        AssetId = assetId;
        Asset = asset;
        TagIds = tagIds;
        TagNames = tagNames;
        Cooldown = cooldown;
        MessageTemplate = messageTemplate;
    }

    /// <summary>Stable name of the cause, e.g. "rule:pump-overcurrent" or "zscore:current.a"; part of the event id.</summary>
    public string Key { get; }

    public EventKind Kind { get; }

    public Severity Severity { get; }

    public int AssetId { get; }

    public string Asset { get; }

    /// <summary>Tags involved; the first is the primary tag (its value is the event's value).</summary>
    public int[] TagIds { get; }

    public string[] TagNames { get; }

    /// <summary>Re-activations of the same cause inside this window join the previous event instead of opening a new one.</summary>
    public TimeSpan Cooldown { get; }

    /// <summary>
    /// Human message; placeholders {asset}, {tag}, {value}, {threshold}, {score}, {severity} and
    /// {tagname} (current value of a tag of the asset) are filled in when the event opens.
    /// </summary>
    public string MessageTemplate { get; }

    /// <summary>
    /// Optional extra explanation computed when the event opens (which detectors voted, the baseline),
    /// never on the hot path.
    /// </summary>
    public Func<string>? Detail { get; set; }

    /// <summary>Slot owned by the event tracker, so reports need no dictionary lookup.</summary>
    public object? TrackerState { get; set; }
}

/// <summary>One evaluation of a condition that is active (or has just cleared).</summary>
/// <param name="TimestampMs">Time of the reading that was evaluated (unix ms).</param>
/// <param name="Value">Value of the primary tag (or of the rule expression's left side).</param>
/// <param name="Score">Anomaly score in [0,1]; rules report 1 while active.</param>
/// <param name="Threshold">The limit that was crossed, NaN when not meaningful.</param>
public readonly record struct ConditionSample(long TimestampMs, double Value, double Score, double Threshold);

/// <summary>
/// Where producers (rules, detectors, data-quality checks) report. Call <see cref="Report"/> with
/// active = true on every evaluation while the condition holds (after any sustain period), and once
/// with active = false when it clears; there is no need to report an inactive condition repeatedly.
/// A producer starts inactive, so when it first evaluates a source it asks <see cref="IsOpen"/> and, if the
/// cause's event is open (restored after a restart, or raised before a rules reload), starts active instead:
/// then the first clearing reading closes that event, exactly as without the restart.
/// </summary>
public interface IConditionSink
{
    void Report(ConditionSource source, bool active, in ConditionSample sample);

    /// <summary>True when the cause of <paramref name="source"/> has an open event. Asked once per source, not per reading.</summary>
    bool IsOpen(ConditionSource source) => false;
}
