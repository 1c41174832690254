using System.Globalization;
using System.Text;
using EdgeAnomaly.Core.Events;

namespace EdgeAnomaly.Detectors.Statistics;

/// <summary>
/// All statistical detectors of one tag and its single "stat:{tag}" condition. Per reading: every enabled
/// detector scores the reading against the past (the reading is not yet in any baseline); the condition is
/// active while at least MinVotes detectors flag; then the reading is admitted to the baselines unless a
/// detector flagged it (see <see cref="StatisticsOptions.MaxExcludedRun"/>).
/// </summary>
internal sealed class TagStatistics
{
    private readonly ZScoreDetector? _z;
    private readonly SortedWindow? _window;
    private readonly RobustZDetector? _robust;
    private readonly IqrDetector? _iqr;
    private readonly EwmaDetector? _ewma;
    private readonly TimeOfDayDetector? _tod;
    private readonly StatDetector[] _all;
    private readonly int _minVotes;
    private readonly int _maxExcludedRun;

    // One builder per thread for explanations (built only when an event opens): no builder and chunk per event.
    [ThreadStatic]
    private static StringBuilder? t_describe;
    private double _score;
    private bool _scoreKnown = true;
    // False until the sink was asked whether this source's cause has an open event (see IConditionSink.IsOpen).
    private bool _resumed;

    public TagStatistics(ConditionSource source, StatisticsOptions options, double sensitivity, int minVotes,
        bool z, bool robust, bool iqr, bool ewma, bool tod, double expectedIntervalSeconds)
    {
        Source = source;
        Sensitivity = sensitivity;
        _minVotes = minVotes;
        _maxExcludedRun = options.MaxExcludedRun;
        var abs = options.MinSpreadAbsolute;
        var rel = options.MinSpreadRelative;
        var all = new List<StatDetector>(5);
        if (z)
        {
            _z = new ZScoreDetector(options.ZScore, sensitivity, abs, rel);
            all.Add(_z);
        }
        if (robust || iqr)
        {
            _window = new SortedWindow(options.MedianWindow);
        }
        if (robust)
        {
            _robust = new RobustZDetector(_window!, options.RobustZ, sensitivity, abs, rel);
            all.Add(_robust);
        }
        if (iqr)
        {
            _iqr = new IqrDetector(_window!, options.Iqr, sensitivity, abs, rel);
            all.Add(_iqr);
        }
        if (ewma)
        {
            _ewma = new EwmaDetector(options.Ewma, sensitivity, abs, rel);
            all.Add(_ewma);
        }
        if (tod)
        {
            _tod = new TimeOfDayDetector(options.TimeOfDay, expectedIntervalSeconds, sensitivity, abs, rel);
            all.Add(_tod);
        }
        _all = [.. all];
        source.Detail = Describe;
    }

    public ConditionSource Source { get; }

    public double Sensitivity { get; }

    public bool Active { get; private set; }

    public int Votes { get; private set; }

    /// <summary>Max of the detectors' scores on the latest reading (worked out when read).</summary>
    public double Score
    {
        get
        {
            if (!_scoreKnown)
            {
                Best(out _);
            }
            return _score;
        }
    }

    public int ExcludedRun { get; private set; }

    public long Admitted { get; private set; }

    public int MinVotes => _minVotes;

    internal TimeOfDayDetector? TimeOfDay => _tod;

    internal StatDetector? Get(DetectorKind kind)
    {
        foreach (var d in _all)
        {
            if (d.Kind == kind)
            {
                return d;
            }
        }
        return null;
    }

    /// <summary>
    /// Hot path: no allocation, no virtual calls beyond the sink. Each detector compares the reading with a
    /// baseline prepared when the baseline last changed; after the reading is admitted (or not) the changed
    /// baselines are prepared for the next reading.
    /// </summary>
    public void OnSample(long timestampMs, double x, IConditionSink sink)
    {
        if (!_resumed)
        {
            _resumed = true;
            Active = sink.IsOpen(Source);
        }
        var votes = 0;
        if (_z is { } z)
        {
            z.Evaluate(x);
            votes += z.Flag ? 1 : 0;
        }
        if (_robust is { } r)
        {
            r.Evaluate(x);
            votes += r.Flag ? 1 : 0;
        }
        if (_iqr is { } q)
        {
            q.Evaluate(x);
            votes += q.Flag ? 1 : 0;
        }
        if (_ewma is { } e)
        {
            e.Evaluate(x);
            votes += e.Flag ? 1 : 0;
        }
        if (_tod is { } t)
        {
            t.Evaluate(x, timestampMs);
            votes += t.Flag ? 1 : 0;
        }
        Votes = votes;
        _scoreKnown = false;

        // Report before admitting, so an explanation built during Report shows the baseline that was used.
        // The score and limit of a report are only worked out here, when there is one.
        var active = votes >= _minVotes;
        if (active)
        {
            Active = true;
            var best = Best(out var score);
            sink.Report(Source, true, new ConditionSample(timestampMs, x, score, best?.Limit ?? double.NaN));
        }
        else if (Active)
        {
            Active = false;
            Best(out var score);
            sink.Report(Source, false, new ConditionSample(timestampMs, x, score, double.NaN));
        }

        _ewma?.Advance();
        bool admit;
        if (votes == 0)
        {
            ExcludedRun = 0;
            admit = true;
        }
        else
        {
            ExcludedRun++;
            admit = ExcludedRun > _maxExcludedRun;
        }
        if (admit)
        {
            Admitted++;
            _z?.Admit(x);
            _ewma?.Admit(x);
            _tod?.Admit(x);
            if (_window is { } w)
            {
                w.Add(x);
                RefreshWindow(w);
            }
        }
        _ewma?.Refresh();
    }

    private void RefreshWindow(SortedWindow w)
    {
        // The median of the shared window is computed once for both detectors that use it.
        var median = w.Median();
        _robust?.Refresh(median);
        _iqr?.Refresh(median);
    }

    /// <summary>Probe for tests: evaluates one detector on a hypothetical reading without changing any baseline.</summary>
    internal double Probe(DetectorKind kind, long timestampMs, double x)
    {
        _ = Score; // work out the latest reading's score before the probe overwrites its detector's evaluation
        switch (kind)
        {
            case DetectorKind.ZScore when _z is not null: _z.Evaluate(x); return _z.Score;
            case DetectorKind.RobustZ when _robust is not null: _robust.Evaluate(x); return _robust.Score;
            case DetectorKind.Iqr when _iqr is not null: _iqr.Evaluate(x); return _iqr.Score;
            case DetectorKind.Ewma when _ewma is not null: _ewma.Evaluate(x); return _ewma.Score;
            case DetectorKind.TimeOfDay when _tod is not null: _tod.Evaluate(x, timestampMs); return _tod.Score;
            default: throw new InvalidOperationException($"detector {kind} is not enabled for this tag");
        }
    }

    /// <summary>
    /// The highest score of the latest evaluation and the detector that has it (the first one on a tie, null when
    /// every score is 0), as if every score were computed and compared in detector order; a score is computed
    /// only for a ratio above the best so far, since FromRatio never decreases with the ratio.
    /// </summary>
    private StatDetector? Best(out double score)
    {
        StatDetector? best = null;
        var bestScore = 0.0;
        var bestRatio = 0.0;
        foreach (var d in _all)
        {
            var ratio = d.Ratio; // resolves a screened evaluation
            if (ratio > bestRatio)
            {
                // A larger ratio can still round to the same score; only a strictly higher score takes over.
                var s = AnomalyScore.FromRatio(ratio);
                if (s > bestScore)
                {
                    bestScore = s;
                    bestRatio = ratio;
                    best = d;
                }
            }
        }
        _score = bestScore;
        _scoreKnown = true;
        score = bestScore;
        return best;
    }

    /// <summary>
    /// The explanation: the detectors that flagged, each with its value against its limit and baseline;
    /// called only when an event opens.
    /// </summary>
    public string Describe()
    {
        var sb = (t_describe ??= new StringBuilder(256)).Clear();
        var any = false;
        foreach (var d in _all)
        {
            if (d.Flag)
            {
                Append(sb, d, ref any);
            }
        }
        if (!any)
        {
            // Nothing flagged on the latest reading (e.g. asked after it cleared): show what was evaluated.
            foreach (var d in _all)
            {
                if (d.Evaluated)
                {
                    Append(sb, d, ref any);
                }
            }
        }
        if (!any)
        {
            sb.Append("no detector has finished warming up");
        }
        if (Sensitivity != 1)
        {
            sb.Append(" [sensitivity ");
            F(sb, Sensitivity).Append(']');
        }
        return sb.ToString();
    }

    private void Append(StringBuilder sb, StatDetector d, ref bool any)
    {
        if (any)
        {
            sb.Append("; ");
        }
        any = true;
        switch (d.Kind)
        {
            case DetectorKind.ZScore:
                F(F(F(F(sb.Append("z="), d.Statistic).Append(" (limit "), d.LimitInUnits)
                  .Append(", mean "), d.Centre).Append(", std "), d.Spread).Append(')');
                break;
            case DetectorKind.RobustZ:
                F(F(F(F(sb.Append("robust z="), d.Statistic).Append(" (limit "), d.LimitInUnits)
                  .Append(", median "), d.Centre).Append(", MAD sigma "), d.Spread).Append(')');
                break;
            case DetectorKind.Iqr:
                F(F(F(F(F(sb.Append("iqr "), d.Statistic).Append(d.Statistic >= d.Centre ? " above fence " : " below fence "), d.Limit)
                  .Append(" (Q1 "), _iqr!.Q1).Append(", Q3 "), _iqr.Q3).Append(", k "), d.LimitInUnits).Append(')');
                break;
            case DetectorKind.Ewma:
                F(F(F(F(F(sb.Append("ewma "), d.Statistic).Append(d.Statistic >= d.Centre ? " above UCL " : " below LCL "), d.Limit)
                  .Append(" (mean "), d.Centre).Append(", std "), d.Spread).Append(", L "), d.LimitInUnits).Append(')');
                break;
            case DetectorKind.TimeOfDay:
                F(F(F(F(sb.Append("hour ").Append(CultureInfo.InvariantCulture, $"{_tod!.Hour:00}").Append(" z="), d.Statistic)
                  .Append(" (limit "), d.LimitInUnits).Append(", hour mean "), d.Centre).Append(", std "), d.Spread).Append(')');
                break;
        }
    }

    private static StringBuilder F(StringBuilder sb, double v) => sb.Append(CultureInfo.InvariantCulture, $"{v:G4}");
}
