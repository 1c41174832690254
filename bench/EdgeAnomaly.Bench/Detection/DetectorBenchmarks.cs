using BenchmarkDotNet.Attributes;
using EdgeAnomaly.Core.Events;
using EdgeAnomaly.Core.Readings;
using EdgeAnomaly.Detectors;
using EdgeAnomaly.Rules;

namespace EdgeAnomaly.Bench.Detection;

/// <summary>
/// The per-reading detection work of the pipeline thread (GatewayPipeline.ProcessReadings without decode and storage):
/// TagValues.Update, TagDetectorBank.OnReading, RuleEngine.OnReading, all reporting to a real EventTracker.
/// One operation = one reading, so BenchmarkDotNet's Mean is time per point and Allocated is bytes per point.
/// </summary>
[MemoryDiagnoser]
public class DetectorBenchmarks
{
    /// <summary>Readings per invocation: about 66 simulated minutes of the ~100-tag fleet.</summary>
    public const int Points = 400_000;

    // The pipeline drains the tracker after each batch of up to 512 messages; 4096 readings is in that range.
    private const int DrainEvery = 4096;

    private Fleet _fleet = null!;
    private Lane _full = null!;
    private Lane _rulesOnly = null!;
    private Lane _statisticsOnly = null!;
    private Lane _rulesAndStatistics = null!;
    private Lane _rulesAndWindowedStatistics = null!;
    private Lane _dataQualityOnly = null!;
    private Lane _valuesOnly = null!;
    private Lane _fullNoTracker = null!;

    [GlobalSetup]
    public void Setup()
    {
        _fleet = Fleet.Create(copies: 7, readingCount: Points);
        _full = Lane.Create(_fleet, rules: true, statistics: true, dataQuality: true);
        _rulesOnly = Lane.Create(_fleet, rules: true, statistics: false, dataQuality: false);
        _statisticsOnly = Lane.Create(_fleet, rules: false, statistics: true, dataQuality: false);
        _dataQualityOnly = Lane.Create(_fleet, rules: false, statistics: false, dataQuality: true);
        _valuesOnly = Lane.Create(_fleet, rules: false, statistics: false, dataQuality: false);
        _fullNoTracker = Lane.Create(_fleet, rules: true, statistics: true, dataQuality: true, new CountingSink());
        _rulesAndStatistics = Lane.Create(_fleet, rules: true, statistics: true, dataQuality: false, new CountingSink());
        _rulesAndWindowedStatistics = Lane.Create(_fleet, rules: true, statistics: true, dataQuality: false, new CountingSink(), windowed: true);
    }

    /// <summary>How many event revisions each variant produced per pass: the event rate behind the allocation figures.</summary>
    [GlobalCleanup]
    public void Cleanup()
    {
        foreach (var (name, lane) in new[] { ("full", _full), ("rules", _rulesOnly), ("statistics", _statisticsOnly), ("dq", _dataQualityOnly) })
        {
            Console.WriteLine($"// revisions per pass of {Points} points, {name}: {lane.Revisions / Math.Max(1, lane.Passes)}");
        }
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = Points, Description = "rules+statistics+DQ+tracker")]
    public int Full() => _full.Run(_fleet);

    [Benchmark(OperationsPerInvoke = Points, Description = "rules only")]
    public int RulesOnly() => _rulesOnly.Run(_fleet);

    [Benchmark(OperationsPerInvoke = Points, Description = "statistics only")]
    public int StatisticsOnly() => _statisticsOnly.Run(_fleet);

    [Benchmark(OperationsPerInvoke = Points, Description = "data quality only")]
    public int DataQualityOnly() => _dataQualityOnly.Run(_fleet);

    /// <summary>Same detection work, but reports go to a sink that only counts: separates detector cost from event creation.</summary>
    [Benchmark(OperationsPerInvoke = Points, Description = "rules+statistics+DQ, counting sink (no tracker)")]
    public int FullCountingSink() => _fullNoTracker.Run(_fleet);

    /// <summary>Exactly the target scope (rules + statistics, data quality off), counting sink.</summary>
    [Benchmark(OperationsPerInvoke = Points, Description = "rules+statistics (target scope), counting sink")]
    public int RulesAndStatistics() => _rulesAndStatistics.Run(_fleet);

    /// <summary>The same with robust z and IQR switched on for every tag (off by default since 2026-12-04; docs/detectors.md).</summary>
    [Benchmark(OperationsPerInvoke = Points, Description = "rules+statistics with robust z / IQR on, counting sink")]
    public int RulesAndWindowedStatistics() => _rulesAndWindowedStatistics.Run(_fleet);

    [Benchmark(OperationsPerInvoke = Points, Description = "TagValues.Update only (loop floor)")]
    public int ValuesOnly() => _valuesOnly.Run(_fleet);

    /// <summary>One independent set of pipeline state, so the variants do not share baselines or open events.</summary>
    private sealed class Lane
    {
        private readonly TagValues _values;
        private readonly TagDetectorBank? _bank;
        private readonly RuleEngine? _rules;
        private readonly EventTracker _tracker;
        private readonly IConditionSink _sink;
        private readonly List<GatewayEvent> _drained = new(1024);
        private long _offsetMs;

        private Lane(TagValues values, TagDetectorBank? bank, RuleEngine? rules, EventTracker tracker, IConditionSink? sink)
        {
            _sink = sink ?? tracker;
            _values = values;
            _bank = bank;
            _rules = rules;
            _tracker = tracker;
        }

        public long Revisions { get; private set; }

        public long Passes { get; private set; }

        /// <param name="windowed">true: robust z and IQR (the detectors on the shared sorted window) on for every tag; false: as configured.</param>
        public static Lane Create(Fleet fleet, bool rules, bool statistics, bool dataQuality, IConditionSink? sink = null, bool windowed = false)
        {
            var values = new TagValues(fleet.Registry.TagCount);
            TagDetectorBank? bank = null;
            if (statistics || dataQuality)
            {
                var stats = fleet.Config.Statistics;
                var dq = fleet.Config.DataQuality;
                stats.Enabled = statistics;
                dq.Enabled = dataQuality;
                var (robust, iqr) = (stats.RobustZ.Enabled, stats.Iqr.Enabled);
                stats.RobustZ.Enabled |= windowed;
                stats.Iqr.Enabled |= windowed;
                bank = new TagDetectorBank(fleet.Registry, stats, dq, fleet.Overrides);
                (stats.RobustZ.Enabled, stats.Iqr.Enabled) = (robust, iqr);
                stats.Enabled = true;
                dq.Enabled = true;
            }
            var engine = rules ? RuleEngine.Compile(fleet.Rules, fleet.Registry, values) : null;
            if (engine is { InstanceCount: 0 })
            {
                throw new InvalidOperationException("the shipped rules bound to no asset: " + string.Join("; ", engine.Warnings));
            }
            return new Lane(values, bank, engine, new EventTracker("bench-gw", fleet.Registry, values), sink);
        }

        public int Run(Fleet fleet)
        {
            var readings = fleet.Readings;
            var offset = _offsetMs;
            var values = _values;
            var bank = _bank;
            var rules = _rules;
            var tracker = _sink;
            for (var i = 0; i < readings.Length; i++)
            {
                // Shift each pass forward in time so per-tag time never runs backwards across invocations.
                var r = readings[i] with { TimestampMs = readings[i].TimestampMs + offset };
                values.Update(r);
                bank?.OnReading(r, tracker);
                rules?.OnReading(r, tracker);
                if ((i & (DrainEvery - 1)) == 0)
                {
                    Drain();
                }
            }
            Drain();
            _offsetMs += fleet.SpanMs;
            Passes++;
            return _drained.Count;
        }

        private void Drain()
        {
            if (_tracker.HasPendingRevisions)
            {
                _drained.Clear();
                Revisions += _tracker.DrainRevisions(_drained);
            }
        }
    }

    /// <summary>Counts reports; allocates nothing.</summary>
    private sealed class CountingSink : IConditionSink
    {
        public long Reports;

        public void Report(ConditionSource source, bool active, in ConditionSample sample) => Reports++;
    }
}
