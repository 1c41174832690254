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
            _z = new ZScoreDetector(options.ZScore, abs, rel);
            all.Add(_z);
        }
        if (robust || iqr)
        {
            _window = new SortedWindow(options.MedianWindow);
        }
        if (robust)
        {
            _robust = new RobustZDetector(_window!, options.RobustZ, abs, rel);
            all.Add(_robust);
        }
        if (iqr)
        {
            _iqr = new IqrDetector(_window!, options.Iqr, abs, rel);
            all.Add(_iqr);
        }
        if (ewma)
        {
            _ewma = new EwmaDetector(options.Ewma, abs, rel);
            all.Add(_ewma);
        }
        if (tod)
        {
            _tod = new TimeOfDayDetector(options.TimeOfDay, expectedIntervalSeconds, abs, rel);
            all.Add(_tod);
        }
        _all = [.. all];
        source.Detail = Describe;
    }

    public ConditionSource Source { get; }

    public double Sensitivity { get; }

    public bool Active { get; private set; }

    public int Votes { get; private set; }

    public double Score { get; private set; }

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

    /// <summary>Hot path: no allocation, no virtual calls beyond the sink.</summary>
    public void OnSample(long timestampMs, double x, IConditionSink sink)
    {
        var s = Sensitivity;
        var votes = 0;
        var best = 0.0;
        var limit = double.NaN;
        if (_z is { } z)
        {
            z.Evaluate(x, s);
            Tally(z, ref votes, ref best, ref limit);
        }
        // The median of the shared window is computed once for both detectors that use it.
        var median = _window is { } w ? w.Median() : double.NaN;
        if (_robust is { } r)
        {
            r.Evaluate(x, median, s);
            Tally(r, ref votes, ref best, ref limit);
        }
        if (_iqr is { } q)
        {
            q.Evaluate(x, median, s);
            Tally(q, ref votes, ref best, ref limit);
        }
        if (_ewma is { } e)
        {
            e.Evaluate(x, s);
            Tally(e, ref votes, ref best, ref limit);
        }
        if (_tod is { } t)
        {
            t.Evaluate(x, timestampMs, s);
            Tally(t, ref votes, ref best, ref limit);
        }
        Votes = votes;
        Score = best;

        // Report before admitting, so an explanation built during Report shows the baseline that was used.
        var active = votes >= _minVotes;
        if (active)
        {
            Active = true;
            sink.Report(Source, true, new ConditionSample(timestampMs, x, best, limit));
        }
        else if (Active)
        {
            Active = false;
            sink.Report(Source, false, new ConditionSample(timestampMs, x, best, double.NaN));
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
            _window?.Add(x);
            _ewma?.Admit(x);
            _tod?.Admit(x);
        }
    }

    /// <summary>Probe for tests: evaluates one detector on a hypothetical reading without changing any baseline.</summary>
    internal double Probe(DetectorKind kind, long timestampMs, double x)
    {
        switch (kind)
        {
            case DetectorKind.ZScore when _z is not null: _z.Evaluate(x, Sensitivity); return _z.Score;
            case DetectorKind.RobustZ when _robust is not null: _robust.Evaluate(x, _window!.Median(), Sensitivity); return _robust.Score;
            case DetectorKind.Iqr when _iqr is not null: _iqr.Evaluate(x, _window!.Median(), Sensitivity); return _iqr.Score;
            case DetectorKind.Ewma when _ewma is not null: _ewma.Evaluate(x, Sensitivity); return _ewma.Score;
            case DetectorKind.TimeOfDay when _tod is not null: _tod.Evaluate(x, timestampMs, Sensitivity); return _tod.Score;
            default: throw new InvalidOperationException($"detector {kind} is not enabled for this tag");
        }
    }

    private static void Tally(StatDetector d, ref int votes, ref double best, ref double limit)
    {
        if (d.Flag)
        {
            votes++;
        }
        if (d.Score > best)
        {
            best = d.Score;
            limit = d.Limit;
        }
    }

    /// <summary>
    /// The explanation: the detectors that flagged, each with its value against its limit and baseline;
    /// called only when an event opens.
    /// </summary>
    public string Describe()
    {
        var sb = new StringBuilder(160);
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
            sb.Append(" [sensitivity ").Append(F(Sensitivity)).Append(']');
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
                sb.Append("z=").Append(F(d.Statistic)).Append(" (limit ").Append(F(d.LimitInUnits))
                  .Append(", mean ").Append(F(d.Centre)).Append(", std ").Append(F(d.Spread)).Append(')');
                break;
            case DetectorKind.RobustZ:
                sb.Append("robust z=").Append(F(d.Statistic)).Append(" (limit ").Append(F(d.LimitInUnits))
                  .Append(", median ").Append(F(d.Centre)).Append(", MAD sigma ").Append(F(d.Spread)).Append(')');
                break;
            case DetectorKind.Iqr:
                sb.Append("iqr ").Append(F(d.Statistic)).Append(d.Statistic >= d.Centre ? " above fence " : " below fence ")
                  .Append(F(d.Limit)).Append(" (Q1 ").Append(F(_iqr!.Q1)).Append(", Q3 ").Append(F(_iqr.Q3))
                  .Append(", k ").Append(F(d.LimitInUnits)).Append(')');
                break;
            case DetectorKind.Ewma:
                sb.Append("ewma ").Append(F(d.Statistic)).Append(d.Statistic >= d.Centre ? " above UCL " : " below LCL ")
                  .Append(F(d.Limit)).Append(" (mean ").Append(F(d.Centre)).Append(", std ").Append(F(d.Spread))
                  .Append(", L ").Append(F(d.LimitInUnits)).Append(')');
                break;
            case DetectorKind.TimeOfDay:
                sb.Append("hour ").Append(_tod!.Hour.ToString("00", CultureInfo.InvariantCulture)).Append(" z=")
                  .Append(F(d.Statistic)).Append(" (limit ").Append(F(d.LimitInUnits)).Append(", hour mean ")
                  .Append(F(d.Centre)).Append(", std ").Append(F(d.Spread)).Append(')');
                break;
        }
    }

    private static string F(double v) => v.ToString("G4", CultureInfo.InvariantCulture);
}
