using EdgeAnomaly.Core.Events;

namespace EdgeAnomaly.Detectors.DataQuality;

/// <summary>
/// Received-vs-expected reading rate over the bank's tumbling window. Not judged while the tag's dropout
/// is active (total silence is the dropout's finding, not a second one).
/// </summary>
internal sealed class RateCheck(ConditionSource source, double expectedIntervalSeconds, double minRatio)
{
    public ConditionSource Source { get; } = source;

    public int Received { get; private set; }

    public double LastRatio { get; private set; } = double.NaN;

    public bool Active { get; private set; }

    // False until the sink was asked whether this source's cause has an open event (see IConditionSink.IsOpen).
    private bool _resumed;

    public void OnReading() => Received++;

    public void OnWindowEnd(long nowMs, long elapsedMs, bool dropoutActive, IConditionSink sink)
    {
        if (!_resumed)
        {
            _resumed = true;
            Active = sink.IsOpen(Source);
        }
        var received = Received;
        Received = 0;
        var expected = elapsedMs / 1000.0 / expectedIntervalSeconds;
        if (dropoutActive || expected < 2)
        {
            return;
        }
        var ratio = received / expected;
        LastRatio = ratio;
        if (ratio < minRatio)
        {
            Active = true;
            // Deficit ratio: 1 at the minimum, growing as the rate falls; infinite (score 1) at zero.
            var r = ratio > 0 ? minRatio / ratio : double.PositiveInfinity;
            sink.Report(Source, true, new ConditionSample(nowMs, ratio, AnomalyScore.FromRatio(r), minRatio));
        }
        else if (Active)
        {
            Active = false;
            sink.Report(Source, false, new ConditionSample(nowMs, ratio, 0, minRatio));
        }
    }
}
