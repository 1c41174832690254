using EdgeAnomaly.Core.Events;

namespace EdgeAnomaly.Detectors.DataQuality;

/// <summary>
/// Stuck value: readings within Epsilon of the value that began the run (not of the previous reading, so a
/// slow creep is not mistaken for a flat line). Active from MinRepeats repeats or MinDuration, whichever
/// comes first; clears on the first reading that leaves the band.
/// </summary>
internal sealed class FlatlineCheck(ConditionSource source, double epsilon, int minRepeats, TimeSpan minDuration)
{
    private readonly long _minDurationMs = (long)minDuration.TotalMilliseconds;
    private bool _has;
    private double _anchor;
    private long _anchorTs;
    // False until the sink was asked whether this source's cause has an open event (see IConditionSink.IsOpen).
    private bool _resumed;

    public ConditionSource Source { get; } = source;

    public int Repeats { get; private set; }

    public bool Active { get; private set; }

    public void OnSample(long timestampMs, double x, IConditionSink sink)
    {
        if (!_resumed)
        {
            _resumed = true;
            Active = sink.IsOpen(Source);
        }
        if (!_has || Math.Abs(x - _anchor) > epsilon)
        {
            if (Active)
            {
                Active = false;
                sink.Report(Source, false, new ConditionSample(timestampMs, x, 0, double.NaN));
            }
            _has = true;
            _anchor = x;
            _anchorTs = timestampMs;
            Repeats = 0;
            return;
        }
        Repeats++;
        var ratio = minRepeats > 0 ? (double)Repeats / minRepeats : 0;
        if (_minDurationMs > 0)
        {
            ratio = Math.Max(ratio, (double)(timestampMs - _anchorTs) / _minDurationMs);
        }
        if (ratio >= 1)
        {
            Active = true;
            sink.Report(Source, true, new ConditionSample(timestampMs, x, AnomalyScore.FromRatio(ratio), double.NaN));
        }
    }
}
