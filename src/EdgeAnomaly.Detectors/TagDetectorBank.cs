using EdgeAnomaly.Core.Events;
using EdgeAnomaly.Core.Readings;
using EdgeAnomaly.Core.Tags;
using EdgeAnomaly.Detectors.DataQuality;
using EdgeAnomaly.Detectors.Statistics;

namespace EdgeAnomaly.Detectors;

/// <summary>
/// Statistical detectors and data-quality checks for every tag of the registry, all state preallocated at
/// construction (one small object graph per tag, indexed by the dense tag id). Single-threaded: the
/// pipeline calls <see cref="OnReading"/> and <see cref="OnTick"/> from one loop.
/// </summary>
public sealed class TagDetectorBank
{
    private readonly TagRegistry _registry;
    private readonly TagState[] _tags;
    private readonly long _rateWindowMs;
    private bool _rateStarted;
    private long _rateWindowStartMs;

    public TagDetectorBank(TagRegistry registry, StatisticsOptions stats, DataQualityOptions dq,
                           Func<TagInfo, TagDetectorOverrides?>? overrides = null)
    {
        ArgumentNullException.ThrowIfNull(registry);
        ArgumentNullException.ThrowIfNull(stats);
        ArgumentNullException.ThrowIfNull(dq);
        // The sections are validated once, at start (the gateway's options validation); per-tag overrides below.
        _registry = registry;
        _rateWindowMs = (long)dq.Rate.Window.TotalMilliseconds;
        _tags = new TagState[registry.TagCount];
        foreach (var tag in registry.Tags)
        {
            _tags[tag.Id] = CreateState(tag, stats, dq, overrides?.Invoke(tag));
        }
    }

    public int TagCount => _tags.Length;

    /// <summary>
    /// Hot path, allocation-free: counts the reading for dropout and rate (any quality), then runs the
    /// flatline and spike checks and the statistical detectors on good, finite values.
    /// </summary>
    public void OnReading(in Reading reading, IConditionSink sink)
    {
        var id = reading.TagId;
        var tags = _tags;
        if ((uint)id >= (uint)tags.Length)
        {
            return; // ingest only passes registered tags; an unknown id is ignored, not thrown, on the hot path
        }
        var t = tags[id];
        var ts = reading.TimestampMs;
        t.Dropout?.OnReading(ts, sink);
        t.Rate?.OnReading();
        var x = reading.Value;
        if (reading.Quality != ReadingQuality.Good || !double.IsFinite(x))
        {
            return;
        }
        t.Flatline?.OnSample(ts, x, sink);
        t.Spike?.OnSample(ts, x, sink);
        t.Statistics?.OnSample(ts, x, sink);
    }

    /// <summary>Periodic (about once a second, wall clock in unix ms): dropout for silent tags and the rate windows.</summary>
    public void OnTick(long nowMs, IConditionSink sink)
    {
        var tags = _tags;
        for (var i = 0; i < tags.Length; i++)
        {
            tags[i].Dropout?.OnTick(nowMs, sink);
        }
        if (!_rateStarted || nowMs < _rateWindowStartMs)
        {
            _rateStarted = true;
            _rateWindowStartMs = nowMs;
            return;
        }
        var elapsed = nowMs - _rateWindowStartMs;
        if (elapsed < _rateWindowMs)
        {
            return;
        }
        for (var i = 0; i < tags.Length; i++)
        {
            var t = tags[i];
            t.Rate?.OnWindowEnd(nowMs, elapsed, t.Dropout?.Active ?? false, sink);
        }
        _rateWindowStartMs = nowMs;
    }

    public TagStatisticsSnapshot Snapshot(int tagId)
    {
        if ((uint)tagId >= (uint)_tags.Length)
        {
            throw new ArgumentOutOfRangeException(nameof(tagId), tagId, "no such tag");
        }
        var t = _tags[tagId];
        var s = t.Statistics;
        var detectors = new List<DetectorSnapshot>(5);
        double[] means = [], stds = [];
        long[] counts = [];
        if (s is not null)
        {
            foreach (DetectorKind kind in Enum.GetValues<DetectorKind>())
            {
                if (s.Get(kind) is { } d)
                {
                    detectors.Add(new DetectorSnapshot(d.Kind, d.WarmedUp, d.Samples, d.WarmupSamples, d.Evaluated,
                        d.Score, d.Flag, d.Statistic, d.Centre, d.Spread, d.Limit));
                }
            }
            if (s.TimeOfDay is { } tod)
            {
                means = new double[24];
                stds = new double[24];
                counts = new long[24];
                tod.CopyProfile(means, stds, counts);
            }
        }
        return new TagStatisticsSnapshot
        {
            TagId = tagId,
            Key = _registry.GetTag(tagId).Key,
            StatisticsEnabled = s is not null,
            Sensitivity = t.Sensitivity,
            MinVotes = s?.MinVotes ?? 0,
            StatisticsActive = s?.Active ?? false,
            Votes = s?.Votes ?? 0,
            Score = s?.Score ?? 0,
            ExcludedRun = s?.ExcludedRun ?? 0,
            Admitted = s?.Admitted ?? 0,
            Detectors = detectors,
            TimeOfDayMeans = means,
            TimeOfDayStds = stds,
            TimeOfDayCounts = counts,
            DropoutActive = t.Dropout?.Active ?? false,
            RateActive = t.Rate?.Active ?? false,
            LastRateRatio = t.Rate?.LastRatio ?? double.NaN,
            FlatlineActive = t.Flatline?.Active ?? false,
            FlatlineRepeats = t.Flatline?.Repeats ?? 0,
            SpikeActive = t.Spike?.Active ?? false,
            SpikesConfirmed = t.Spike?.Confirmed ?? 0,
        };
    }

    /// <summary>Every condition source the bank reports against (for listing and tests).</summary>
    public IReadOnlyList<ConditionSource> Sources(int tagId)
    {
        var t = _tags[tagId];
        var list = new List<ConditionSource>(5);
        if (t.Statistics is { } s)
        {
            list.Add(s.Source);
        }
        if (t.Dropout is { } d)
        {
            list.Add(d.Source);
        }
        if (t.Rate is { } r)
        {
            list.Add(r.Source);
        }
        if (t.Flatline is { } f)
        {
            list.Add(f.Source);
        }
        if (t.Spike is { } p)
        {
            list.Add(p.Source);
        }
        return list;
    }

    /// <summary>For tests: one detector's score for a hypothetical reading; changes no baseline.</summary>
    internal double Probe(int tagId, DetectorKind kind, double value, long timestampMs = 0) =>
        (_tags[tagId].Statistics ?? throw new InvalidOperationException("statistics are off for this tag"))
            .Probe(kind, timestampMs, value);

    private static TagState CreateState(TagInfo tag, StatisticsOptions stats, DataQualityOptions dq, TagDetectorOverrides? ov)
    {
        var sensitivity = ov?.Sensitivity ?? 1;
        if (!(sensitivity > 0) || double.IsInfinity(sensitivity))
        {
            throw new ArgumentException($"tag {tag.Key}: Sensitivity must be a finite number > 0 (was {sensitivity})", nameof(ov));
        }
        var state = new TagState(sensitivity);
        var tagIds = new[] { tag.Id };
        var tagNames = new[] { tag.Name };

        if (ov?.StatisticsEnabled ?? stats.Enabled)
        {
            var z = ov?.ZScoreEnabled ?? stats.ZScore.Enabled;
            var robust = ov?.RobustZEnabled ?? stats.RobustZ.Enabled;
            var iqr = ov?.IqrEnabled ?? stats.Iqr.Enabled;
            var ewma = ov?.EwmaEnabled ?? stats.Ewma.Enabled;
            var tod = ov?.TimeOfDayEnabled ?? stats.TimeOfDay.Enabled;
            var enabled = (z ? 1 : 0) + (robust ? 1 : 0) + (iqr ? 1 : 0) + (ewma ? 1 : 0) + (tod ? 1 : 0);
            var minVotes = ov?.MinVotes ?? stats.MinVotes;
            if (enabled > 0)
            {
                if (minVotes < 1 || minVotes > enabled)
                {
                    throw new ArgumentException(
                        $"tag {tag.Key}: MinVotes {minVotes} must be in 1..{enabled} (the detectors enabled for it)", nameof(ov));
                }
                var source = new ConditionSource("stat:" + tag.Name, EventKind.Statistic, ov?.StatisticsSeverity ?? stats.Severity,
                    tag.AssetId, tag.Asset, tagIds, tagNames, stats.Cooldown, stats.MessageTemplate);
                state.Statistics = new TagStatistics(source, stats, sensitivity, minVotes, z, robust, iqr, ewma, tod,
                    tag.ExpectedIntervalSeconds);
            }
        }

        if (ov?.DataQualityEnabled ?? dq.Enabled)
        {
            ConditionSource Dq(string prefix, string template) =>
                new(prefix + tag.Name, EventKind.DataQuality, dq.Severity, tag.AssetId, tag.Asset, tagIds, tagNames,
                    dq.Cooldown, template);

            var interval = tag.ExpectedIntervalSeconds;
            if (interval > 0 && (ov?.DropoutEnabled ?? dq.Dropout.Enabled))
            {
                state.Dropout = new DropoutCheck(Dq("dq-dropout:", dq.Dropout.MessageTemplate), dq.Dropout.IntervalMultiplier * interval, dq.Dropout.StartupGrace);
            }
            if (interval > 0 && (ov?.RateEnabled ?? dq.Rate.Enabled))
            {
                state.Rate = new RateCheck(Dq("dq-rate:", dq.Rate.MessageTemplate), interval, dq.Rate.MinRatio);
            }
            if (ov?.FlatlineEnabled ?? dq.Flatline.Enabled)
            {
                var eps = ov?.FlatlineEpsilon ?? dq.Flatline.Epsilon;
                if (!(eps >= 0) || double.IsInfinity(eps))
                {
                    throw new ArgumentException($"tag {tag.Key}: FlatlineEpsilon must be a finite number >= 0 (was {eps})", nameof(ov));
                }
                state.Flatline = new FlatlineCheck(Dq("dq-flatline:", dq.Flatline.MessageTemplate), eps,
                    dq.Flatline.MinRepeats, dq.Flatline.MinDuration);
            }
            if (ov?.SpikeEnabled ?? dq.Spike.Enabled)
            {
                state.Spike = new SpikeCheck(Dq("dq-spike:", dq.Spike.MessageTemplate), dq.Spike.Window, dq.Spike.Threshold,
                    dq.Spike.MaxWidth, stats.MinSpreadAbsolute, stats.MinSpreadRelative);
            }
        }
        return state;
    }

    private sealed class TagState(double sensitivity)
    {
        public double Sensitivity { get; } = sensitivity;
        public TagStatistics? Statistics;
        public DropoutCheck? Dropout;
        public RateCheck? Rate;
        public FlatlineCheck? Flatline;
        public SpikeCheck? Spike;
    }
}
