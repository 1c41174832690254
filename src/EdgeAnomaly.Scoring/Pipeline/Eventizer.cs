namespace EdgeAnomaly.Scoring.Pipeline;

/// <summary>What a step did to the asset's model event.</summary>
public enum EventChange : byte
{
    None = 0,
    Opened = 1,
    Closed = 2,
}

/// <summary>
/// Causal eventization of per-step threshold decisions. A candidate starts at the first qualifying step (above the
/// threshold for the required consecutive steps); qualifying steps closer together than the merge gap extend it; once
/// it spans the minimum event length the event opens (its start is the candidate's start). An open event stays open
/// through steps below the threshold until none has been above for longer than the merge gap, then closes at the
/// last step above. Nothing is ever decided retroactively: <see cref="IsOpen"/> after a step is what a live gateway
/// shows at that step's time.
/// </summary>
public sealed class Eventizer
{
    private readonly long _minEventMs;
    private readonly long _mergeGapMs;
    private readonly long _stepMs;
    private readonly int _sustainSteps;
    private int _consecutive;
    private long _runStart;
    private long _candidateStart = long.MinValue;
    private long _lastQualifying;

    public Eventizer(long minEventMs, long mergeGapMs, long stepMs, int sustainSteps)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(minEventMs);
        ArgumentOutOfRangeException.ThrowIfNegative(mergeGapMs);
        ArgumentOutOfRangeException.ThrowIfLessThan(stepMs, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(sustainSteps, 1);
        _minEventMs = minEventMs;
        _mergeGapMs = mergeGapMs;
        _stepMs = stepMs;
        _sustainSteps = sustainSteps;
    }

    public bool IsOpen { get; private set; }

    /// <summary>Start of the open (or last) event: the first step of the run that opened it.</summary>
    public long EventStartMs { get; private set; }

    /// <summary>Last step above the threshold of the open (or last) event; its end when it closes.</summary>
    public long LastAboveMs { get; private set; }

    public long EventsOpened { get; private set; }

    public EventChange Observe(long timestampMs, bool above)
    {
        if (above)
        {
            if (_consecutive == 0)
            {
                _runStart = timestampMs;
            }
            _consecutive++;
        }
        else
        {
            _consecutive = 0;
        }
        if (IsOpen)
        {
            if (above)
            {
                LastAboveMs = timestampMs;
                return EventChange.None;
            }
            return Expire(timestampMs) ? EventChange.Closed : EventChange.None;
        }
        var qualifying = above && _consecutive >= _sustainSteps;
        if (qualifying)
        {
            if (_candidateStart == long.MinValue)
            {
                _candidateStart = _runStart;
            }
            _lastQualifying = timestampMs;
            if (timestampMs - _candidateStart + _stepMs >= _minEventMs)
            {
                IsOpen = true;
                EventStartMs = _candidateStart;
                LastAboveMs = timestampMs;
                _candidateStart = long.MinValue;
                EventsOpened++;
                return EventChange.Opened;
            }
        }
        else if (_candidateStart != long.MinValue && timestampMs - _lastQualifying > _mergeGapMs)
        {
            _candidateStart = long.MinValue;
        }
        return EventChange.None;
    }

    /// <summary>
    /// Continues an event that was open when the gateway stopped (the sink still holds it open): it stays open while
    /// steps are above and closes, as any event, once none has been above for longer than the merge gap, counted
    /// from <paramref name="timestampMs"/> (the first step after the restart).
    /// </summary>
    public void Resume(long timestampMs)
    {
        if (IsOpen)
        {
            return;
        }
        IsOpen = true;
        EventStartMs = timestampMs;
        LastAboveMs = timestampMs;
        _candidateStart = long.MinValue;
    }

    /// <summary>Closes an open event whose last step above is more than the merge gap before <paramref name="nowMs"/>.</summary>
    public bool Expire(long nowMs)
    {
        if (!IsOpen || nowMs - LastAboveMs <= _mergeGapMs)
        {
            return false;
        }
        IsOpen = false;
        _candidateStart = long.MinValue;
        return true;
    }

    /// <summary>
    /// Time passes without steps (a data outage): closes an open event once no step could still keep it open, i.e.
    /// more than the merge gap plus one step after its last step above.
    /// </summary>
    public bool ExpireIdle(long nowMs) => IsOpen && nowMs - LastAboveMs > _mergeGapMs + _stepMs && Expire(nowMs);
}
