using System.Globalization;
using System.Text;
using EdgeAnomaly.Core.Events;
using EdgeAnomaly.Models.Drift;
using EdgeAnomaly.Models.Regimes;
using EdgeAnomaly.Scoring.Features;

namespace EdgeAnomaly.Scoring.Pipeline;

/// <summary>
/// One scored step. Detector scores and the fused score are in [0, 1] (0.5 = the detector's training reference
/// level); NaN and regime -1 when the step was invalid (too few samples). <see cref="Anomaly"/> is the causal flag:
/// a model event is open at this step's time.
/// </summary>
public readonly record struct StepResult(
    long TimestampMs,
    bool Valid,
    int Regime,
    double IsolationForest,
    double T2,
    double Spe,
    double Fused,
    double Threshold,
    bool Above,
    bool Anomaly,
    EventChange Change,
    bool Stale);

/// <summary>Where a scorer's asset sits in the gateway (for events): registry ids of the asset and of its tags.</summary>
public sealed record ScorerIdentity(int AssetId, IReadOnlyList<int> TagIds);

/// <summary>
/// Live scoring of one asset with one <see cref="AssetModel"/>: readings in (<see cref="Add"/> per tag, or
/// <see cref="AddRow"/>), time declared with <see cref="AdvanceTo"/>, one <see cref="StepResult"/> per closed step
/// (<see cref="Last"/>, and <see cref="StepScored"/> if set). Per step: features -> scaler -> regime (with dwell) ->
/// Isolation Forest, PCA T² and SPE -> per-regime calibration -> [0, 1] -> weighted fusion -> threshold ->
/// eventization -> drift monitors. Model events and retrain requests are reported to an <see cref="IConditionSink"/>
/// (the gateway's event tracker) as <see cref="EventKind.Model"/> conditions. Single-threaded; no allocation per
/// reading or per step except when an event opens (its explanation) or drift is reported.
/// </summary>
public sealed class AssetScorer
{
    public const string AnomalySourceKey = "model:anomaly";
    public const string RetrainSourceKey = "model:retrain";
    public const string DriftWarningSourceKey = "model:drift-warning";

    private readonly AssetModel _model;
    private readonly IConditionSink? _sink;
    private readonly ScorerIdentity? _identity;
    private readonly FeatureBank _bank;
    private readonly RegimeTracker? _tracker;
    private readonly Eventizer _eventizer;
    private readonly Adwin _adwin;
    private readonly PageHinkley[] _pageHinkley;
    private readonly double[] _kept;
    private readonly double[] _scaled;
    private readonly double[] _regimeInput;
    private readonly double[] _contributions;
    private readonly double[] _components;
    private readonly double[] _shares;
    private readonly double[] _normalised = new double[ScoringOptions.DetectorCount];
    private readonly double[] _lastValue;
    private readonly double[] _tagContribution;
    private ConditionSource? _openSource;
    private long _stepsSinceDriftCheck;
    private bool _resumed;

    public AssetScorer(AssetModel model, IConditionSink? sink = null, ScorerIdentity? identity = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        _model = model;
        _sink = sink;
        _identity = identity;
        if (identity is not null && identity.TagIds.Count != model.Tags.Count)
        {
            throw new ArgumentException($"Identity names {identity.TagIds.Count} tag ids, the model has {model.Tags.Count} tags.", nameof(identity));
        }
        _bank = new FeatureBank(model.Spec, new BankSink(this));
        _tracker = model.Regimes is { } regimes ? new RegimeTracker(regimes) : null;
        _eventizer = new Eventizer(model.MinEventMs, model.MergeGapMs, model.Spec.StepMs, model.SustainSteps);
        _adwin = new Adwin(model.Drift.AdwinDelta);
        _pageHinkley = new PageHinkley[model.Drift.Components];
        for (var k = 0; k < _pageHinkley.Length; k++)
        {
            _pageHinkley[k] = new PageHinkley(lambda: model.Drift.PageHinkleyLambda, referenceMean: 0);
        }
        var d = model.KeptColumns.Count;
        _kept = new double[d];
        _scaled = new double[d];
        _regimeInput = new double[model.RegimeColumns.Count];
        _contributions = new double[d];
        _components = new double[model.Pca.Components];
        _shares = new double[model.RegimeCount];
        _lastValue = new double[model.Tags.Count];
        Array.Fill(_lastValue, double.NaN);
        _tagContribution = new double[model.Tags.Count];
        Last = new StepResult(long.MinValue, false, -1, double.NaN, double.NaN, double.NaN, double.NaN, model.Threshold, false, false, EventChange.None, false);
    }

    public AssetModel Model => _model;

    /// <summary>The feature bank's data-quality counters (late, non-finite, out-of-order readings, invalid steps).</summary>
    public FeatureBank Features => _bank;

    /// <summary>The latest step (timestamp long.MinValue before the first).</summary>
    public StepResult Last { get; private set; }

    public long Steps { get; private set; }

    /// <summary>Called after each step with its result (optional; the replay and the daemon use it).</summary>
    public Action<StepResult>? StepScored { get; set; }

    /// <summary>Set once a drift monitor fires; the model should be retrained. Never cleared by this instance.</summary>
    public bool IsStale { get; private set; }

    public string? StaleReason { get; private set; }

    public long AdwinDetections => _adwin.Detections;

    public long PageHinkleyDetections => _pageHinkley.Sum(p => p.Detections);

    /// <summary>
    /// True while the last PSI check of the regime shares was in the warning band ([<see cref="Psi.Warn"/>,
    /// <see cref="Psi.Alert"/>)): the mix is moving away from training but the model stays in force. An info event
    /// (<see cref="DriftWarningSourceKey"/>) is open for as long as this holds.
    /// </summary>
    public bool DriftWarning { get; private set; }

    /// <summary>Last population stability index of the regime shares (NaN before the first check).</summary>
    public double LastPsi { get; private set; } = double.NaN;

    /// <summary>One reading of the tag at index <paramref name="tag"/> (order of <see cref="AssetModel.Tags"/>).</summary>
    public bool Add(int tag, long timestampMs, double value)
    {
        var accepted = _bank.Add(tag, timestampMs, value);
        if (accepted)
        {
            _lastValue[tag] = value;
        }
        return accepted;
    }

    /// <summary>Declares everything up to <paramref name="timestampMs"/> received; closes and scores due steps.</summary>
    public void AdvanceTo(long timestampMs)
    {
        _bank.AdvanceTo(timestampMs);
        // A data outage produces no steps: an open event whose merge gap has run out closes anyway.
        if (_eventizer.ExpireIdle(timestampMs))
        {
            ReportClose();
            Last = Last with { Anomaly = false, Change = EventChange.Closed };
        }
    }

    /// <summary>A CSV row: one value per tag (NaN = missing), then <see cref="AdvanceTo"/> the row's time.</summary>
    public void AddRow(long timestampMs, ReadOnlySpan<double> values)
    {
        if (values.Length != _lastValue.Length)
        {
            throw new ArgumentException($"A row has {values.Length} values, the model has {_lastValue.Length} tags.", nameof(values));
        }
        for (var t = 0; t < values.Length; t++)
        {
            Add(t, timestampMs, values[t]);
        }
        AdvanceTo(timestampMs);
    }

    private void OnStep(long end, bool valid, ReadOnlySpan<double> features)
    {
        Steps++;
        if (!valid)
        {
            Last = new StepResult(end, false, -1, double.NaN, double.NaN, double.NaN, double.NaN, _model.Threshold, false, _eventizer.IsOpen, EventChange.None, IsStale);
            StepScored?.Invoke(Last);
            return;
        }
        var kept = _model.KeptColumns;
        for (var j = 0; j < _kept.Length; j++)
        {
            _kept[j] = features[kept[j]];
        }
        _model.Scaler.Transform(_kept, _scaled);
        var regime = 0;
        if (_tracker is not null)
        {
            var regimeColumns = _model.RegimeColumns;
            for (var j = 0; j < _regimeInput.Length; j++)
            {
                _regimeInput[j] = _scaled[regimeColumns[j]];
            }
            regime = _tracker.Update(_regimeInput, end);
        }
        var calibrationRegime = _model.Calibrations[0].RegimeCount == 1 ? 0 : regime;
        var forest = _model.Forest.Score(_scaled);
        var pca = _model.Pca.Score(_scaled, _contributions);
        for (var d = 0; d < ScoringOptions.DetectorCount; d++)
        {
            var rawScore = d switch
            {
                (int)Detector.IsolationForest => forest,
                (int)Detector.T2 => pca.T2,
                _ => pca.Spe,
            };
            var z = _model.Calibrations[d].Normalize(rawScore, calibrationRegime);
            _normalised[d] = AssetModel.Normalise(z, _model.References[d]);
        }
        var fused = AssetModel.Fuse(_normalised, _model.Weights, _model.WeightSum, _model.Fusion);
        var above = fused > _model.Threshold;
        if (!_resumed)
        {
            _resumed = true;
            ResumeOpenEvent(end);
        }
        var change = _eventizer.Observe(end, above);
        switch (change)
        {
            case EventChange.Opened:
                ReportOpen(fused);
                break;
            case EventChange.Closed:
                ReportClose();
                break;
            default:
                if (_eventizer.IsOpen && _openSource is not null)
                {
                    _sink?.Report(_openSource, true, new ConditionSample(end, PrimaryValue(_openSource), fused, _model.Threshold));
                }
                break;
        }
        MonitorDrift(end, fused);
        Last = new StepResult(end, true, regime, _normalised[0], _normalised[1], _normalised[2], fused, _model.Threshold, above, _eventizer.IsOpen, change, IsStale);
        StepScored?.Invoke(Last);
    }

    private void MonitorDrift(long end, double fused)
    {
        if (!_eventizer.IsOpen && _adwin.Add(fused))
        {
            MarkStale(end, string.Create(CultureInfo.InvariantCulture, $"ADWIN: the fused score's mean changed (now {_adwin.Mean:0.###})"));
        }
        if (_pageHinkley.Length > 0)
        {
            _model.Pca.Project(_scaled, _components);
            var eigen = _model.Pca.Eigenvalues;
            for (var k = 0; k < _pageHinkley.Length; k++)
            {
                if (_pageHinkley[k].Add(_components[k] / Math.Sqrt(eigen[k])))
                {
                    MarkStale(end, $"Page-Hinkley: the mean of PCA component {k + 1} shifted ({_pageHinkley[k].LastChange})");
                }
            }
        }
        if (_tracker is not null && ++_stepsSinceDriftCheck >= _model.Drift.CheckSteps)
        {
            _stepsSinceDriftCheck = 0;
            _tracker.CopyShares(_shares);
            LastPsi = Psi.Compute(_model.TrainingSharesArray, _shares);
            _tracker.ResetStatistics();
            var level = Psi.Classify(LastPsi);
            SetDriftWarning(end, level == DriftLevel.Warn && !IsStale);
            if (level == DriftLevel.Alert)
            {
                MarkStale(end, string.Create(CultureInfo.InvariantCulture, $"PSI of the regime shares {LastPsi:0.###} >= {Psi.Alert}"));
            }
        }
    }

    private ConditionSource? _driftWarningSource;

    private void SetDriftWarning(long end, bool on)
    {
        if (on == DriftWarning)
        {
            return;
        }
        DriftWarning = on;
        if (_sink is null)
        {
            return;
        }
        if (on)
        {
            var psi = LastPsi;
            var text = string.Create(CultureInfo.InvariantCulture, $"PSI of the regime shares {psi:0.###} >= {Psi.Warn} (alert at {Psi.Alert})");
            _driftWarningSource = new ConditionSource(DriftWarningSourceKey, EventKind.Model, Severity.Info, _identity?.AssetId ?? -1, _model.Asset, [], [],
                TimeSpan.Zero, "{asset}: operating regimes drifting from training, model still in force (" + text + ")")
            {
                Detail = () => "drift warning: " + text,
            };
        }
        if (_driftWarningSource is { } source)
        {
            _sink.Report(source, on, new ConditionSample(end, double.NaN, LastPsi, Psi.Warn));
        }
    }

    private void MarkStale(long end, string reason)
    {
        if (IsStale)
        {
            return;
        }
        IsStale = true;
        StaleReason = reason;
        if (_sink is null)
        {
            return;
        }
        var source = new ConditionSource(RetrainSourceKey, EventKind.Model, Severity.Info, _identity?.AssetId ?? -1, _model.Asset, [], [], TimeSpan.Zero,
            "{asset}: model is stale, retrain requested (" + reason + ")")
        {
            Detail = () => "drift: " + reason,
        };
        var sample = new ConditionSample(end, double.NaN, 1, double.NaN);
        _sink.Report(source, true, sample);
        _sink.Report(source, false, sample);
    }

    private void ReportOpen(double fused)
    {
        if (_sink is null)
        {
            _openSource = null;
            return;
        }
        var top = TopTags(fused, out var explanation);
        var names = new string[top.Length];
        var ids = new int[top.Length];
        for (var i = 0; i < top.Length; i++)
        {
            names[i] = _model.Tags[top[i]];
            ids[i] = _identity?.TagIds[top[i]] ?? -1;
        }
        var message = "{asset}: model anomaly, score {score} over threshold {threshold}" + (names.Length > 0 ? "; top tags " + string.Join(", ", names) : "");
        _openSource = new ConditionSource(AnomalySourceKey, EventKind.Model, Severity.Warning, _identity?.AssetId ?? -1, _model.Asset, ids, names, TimeSpan.Zero, message)
        {
            Detail = () => explanation,
        };
        _sink.Report(_openSource, true, new ConditionSample(_eventizer.EventStartMs, PrimaryValue(_openSource), fused, _model.Threshold));
    }

    /// <summary>
    /// First scored step: an anomaly event of this asset still open in the sink (restored after a restart) is
    /// continued by the eventizer, so it closes by the usual rule instead of waiting for the orphan grace.
    /// </summary>
    private void ResumeOpenEvent(long end)
    {
        if (_sink is null)
        {
            return;
        }
        var source = new ConditionSource(AnomalySourceKey, EventKind.Model, Severity.Warning, _identity?.AssetId ?? -1, _model.Asset, [], [], TimeSpan.Zero,
            "{asset}: model anomaly, score {score} over threshold {threshold}");
        if (_sink.IsOpen(source))
        {
            _eventizer.Resume(end);
            _openSource = source;
        }
    }

    private void ReportClose()
    {
        if (_sink is not null && _openSource is not null)
        {
            _sink.Report(_openSource, false, new ConditionSample(_eventizer.LastAboveMs, PrimaryValue(_openSource), 0, _model.Threshold));
        }
        _openSource = null;
    }

    private double PrimaryValue(ConditionSource source)
    {
        if (source.TagNames.Length == 0)
        {
            return double.NaN;
        }
        for (var t = 0; t < _model.Tags.Count; t++)
        {
            if (ReferenceEquals(_model.Tags[t], source.TagNames[0]) || _model.Tags[t] == source.TagNames[0])
            {
                return _lastValue[t];
            }
        }
        return double.NaN;
    }

    /// <summary>
    /// Tags ranked by how much their features deviate in the current step: squared robust z of each kept feature
    /// plus its share of SPE, summed per tag. Also builds the one-line explanation. Runs when an event opens.
    /// </summary>
    private int[] TopTags(double fused, out string explanation)
    {
        Array.Clear(_tagContribution);
        var columns = _model.Spec.Columns;
        var kept = _model.KeptColumns;
        var strongest = new int[_model.Tags.Count];
        var strongestValue = new double[_model.Tags.Count];
        Array.Fill(strongest, -1);
        for (var j = 0; j < kept.Count; j++)
        {
            var tag = columns[kept[j]].Tag;
            var c = (_scaled[j] * _scaled[j]) + _contributions[j];
            _tagContribution[tag] += c;
            if (c > strongestValue[tag])
            {
                strongestValue[tag] = c;
                strongest[tag] = j;
            }
        }
        var order = Enumerable.Range(0, _model.Tags.Count)
            .Where(t => _tagContribution[t] > 0)
            .OrderByDescending(t => _tagContribution[t])
            .Take(_model.TopTags)
            .ToArray();
        var total = _tagContribution.Sum();
        var sb = new StringBuilder(200);
        sb.Append(CultureInfo.InvariantCulture, $"fused {fused:0.###}")
          .Append(CultureInfo.InvariantCulture, $" (IF {_normalised[0]:0.##}, T2 {_normalised[1]:0.##}, SPE {_normalised[2]:0.##})")
          .Append(CultureInfo.InvariantCulture, $" over {_model.Threshold:0.###} in regime {Math.Max(0, _tracker?.Current ?? 0)}");
        if (order.Length > 0)
        {
            sb.Append("; top tags: ");
            for (var i = 0; i < order.Length; i++)
            {
                var t = order[i];
                if (i > 0)
                {
                    sb.Append(", ");
                }
                sb.Append(_model.Tags[t]).Append(CultureInfo.InvariantCulture, $" {100 * _tagContribution[t] / total:0}%");
                if (strongest[t] >= 0)
                {
                    var j = strongest[t];
                    sb.Append(" (").Append(_model.Spec.ColumnNames[kept[j]]).Append(CultureInfo.InvariantCulture, $" {_scaled[j]:+0.0;-0.0} robust sd)");
                }
            }
        }
        explanation = sb.ToString();
        return order;
    }

    private sealed class BankSink(AssetScorer owner) : IFeatureStepSink
    {
        public void OnStep(long stepEndMs, bool valid, ReadOnlySpan<double> features) => owner.OnStep(stepEndMs, valid, features);
    }
}
