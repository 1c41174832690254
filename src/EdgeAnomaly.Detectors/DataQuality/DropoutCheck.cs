using EdgeAnomaly.Core.Events;

namespace EdgeAnomaly.Detectors.DataQuality;

/// <summary>
/// Silence detection on the gateway's tick. "Last seen" is the reading's timestamp clamped into the tick
/// interval in which it arrived, so a device clock that is off cannot fake or hide a dropout by more than
/// one tick. Before the first reading, silence counts from the first tick.
/// </summary>
internal sealed class DropoutCheck(ConditionSource source, double limitSeconds, TimeSpan startupGrace)
{
    private readonly long _limitMs = (long)Math.Round(limitSeconds * 1000);
    private readonly long _neverSeenLimitMs = Math.Max((long)Math.Round(limitSeconds * 1000), (long)startupGrace.TotalMilliseconds);
    private bool _everSeen;
    private bool _seenSinceTick;
    private long _lastReadingTs;
    private bool _started;
    private long _previousTickMs;
    private long _lastSeenMs;
    private double _silenceSeconds;
    // False until the sink was asked whether this source's cause has an open event (see IConditionSink.IsOpen).
    private bool _resumed;

    public ConditionSource Source { get; } = source;

    public double LimitSeconds { get; } = limitSeconds;

    public bool Active { get; private set; }

    public void OnReading(long timestampMs, IConditionSink sink)
    {
        Resume(sink);
        _seenSinceTick = true;
        _everSeen = true;
        _lastReadingTs = timestampMs;
        if (Active)
        {
            Active = false;
            sink.Report(Source, false, new ConditionSample(timestampMs, _silenceSeconds, 0, LimitSeconds));
        }
    }

    public void OnTick(long nowMs, IConditionSink sink)
    {
        Resume(sink);
        if (!_started)
        {
            _started = true;
            _lastSeenMs = _seenSinceTick ? Math.Min(_lastReadingTs, nowMs) : nowMs;
        }
        else if (_seenSinceTick)
        {
            var lo = Math.Min(_previousTickMs, nowMs);
            _lastSeenMs = Math.Clamp(_lastReadingTs, lo, nowMs);
        }
        _seenSinceTick = false;
        _previousTickMs = nowMs;
        var silenceMs = Math.Max(0, nowMs - _lastSeenMs);
        var limitMs = _everSeen ? _limitMs : _neverSeenLimitMs;
        if (silenceMs > limitMs)
        {
            Active = true;
            _silenceSeconds = silenceMs / 1000.0;
            var ratio = (double)silenceMs / limitMs;
            sink.Report(Source, true, new ConditionSample(nowMs, _silenceSeconds, AnomalyScore.FromRatio(ratio), LimitSeconds));
        }
    }

    private void Resume(IConditionSink sink)
    {
        if (!_resumed)
        {
            _resumed = true;
            Active = sink.IsOpen(Source);
        }
    }
}
