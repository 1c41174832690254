using EdgeAnomaly.Core.Events;
using EdgeAnomaly.Detectors.Statistics;

namespace EdgeAnomaly.Detectors.DataQuality;

/// <summary>
/// Isolated spikes: up to MaxWidth consecutive readings beyond median ± k × robust sigma of the previous
/// Window readings, confirmed when the next reading is back inside (so a step is not called a spike).
/// The finding is reported on the confirming reading with the spike's timestamp, value and limit, and
/// clears on the reading after. Every reading enters the window; the median shrugs off the spike itself.
/// </summary>
internal sealed class SpikeCheck(ConditionSource source, int window, double threshold, int maxWidth, double absFloor, double relFloor)
{
    private readonly SortedWindow _window = new(window);
    private int _boundHint = window / 4;
    private int _run;
    private double _peakRatio;
    private double _peakValue;
    private double _peakLimit;
    private long _peakTs;
    // False until the sink was asked whether this source's cause has an open event (see IConditionSink.IsOpen).
    private bool _resumed;

    public ConditionSource Source { get; } = source;

    public bool Active { get; private set; }

    public long Confirmed { get; private set; }

    public void OnSample(long timestampMs, double x, IConditionSink sink)
    {
        if (!_resumed)
        {
            _resumed = true;
            Active = sink.IsOpen(Source);
        }
        if (Active)
        {
            Active = false;
            sink.Report(Source, false, new ConditionSample(timestampMs, x, 0, double.NaN));
        }
        if (!_window.IsFull)
        {
            _window.Add(x);
            return;
        }
        var median = _window.Median();
        var floor = Math.Max(absFloor, relFloor * Math.Abs(median));
        var deviation = Math.Abs(x - median);
        // Screening: the robust sigma is at least max(floor, 1.4826 × a lower bound of the MAD), so a reading
        // within threshold × that of the median has a ratio <= 1 and the exact MAD is not needed (see
        // SortedWindow.MadLowerBound; rounding is monotone, so the comparison is safe in doubles).
        var lower = Math.Max(SortedWindow.MadToSigma * _window.MadLowerBound(median, ref _boundHint), floor);
        var ratio = 0.0;
        var dist = double.NaN;
        if (!(deviation <= threshold * lower))
        {
            var sigma = _window.RobustSigma(median);
            if (!(sigma > floor))
            {
                sigma = floor;
            }
            dist = threshold * sigma;
            ratio = deviation / dist;
        }
        if (ratio > 1)
        {
            _run++;
            if (ratio > _peakRatio)
            {
                _peakRatio = ratio;
                _peakValue = x;
                _peakTs = timestampMs;
                _peakLimit = x >= median ? median + dist : median - dist;
            }
        }
        else
        {
            if (_run > 0 && _run <= maxWidth)
            {
                Active = true;
                Confirmed++;
                sink.Report(Source, true, new ConditionSample(_peakTs, _peakValue, AnomalyScore.FromRatio(_peakRatio), _peakLimit));
            }
            _run = 0;
            _peakRatio = 0;
        }
        _window.Add(x);
    }
}
