using EdgeAnomaly.Core.Events;
using EdgeAnomaly.Core.Readings;
using EdgeAnomaly.Core.Tags;
using EdgeAnomaly.Scoring.Pipeline;

namespace EdgeAnomaly.Scoring.Tests.Pipeline;

public class AssetScorerTests
{
    private static readonly Lazy<AssetModel> Model = new(() => AssetModelTrainer.Train("pump-1", Synthetic.History(3600), Synthetic.Options()));

    private sealed class RecordingSink : IConditionSink
    {
        public List<(ConditionSource Source, bool Active, ConditionSample Sample)> Reports { get; } = [];

        public void Report(ConditionSource source, bool active, in ConditionSample sample) => Reports.Add((source, active, sample));
    }

    [Fact]
    public void DecouplingFault_WithEveryTagInRange_OpensOneModelEventNamingTheTag_AndClosesAfterIt()
    {
        var sink = new RecordingSink();
        var scorer = new AssetScorer(Model.Value, sink);
        var random = new Random(42);
        var flagged = new List<long>();
        scorer.StepScored = r =>
        {
            if (r.Anomaly)
            {
                flagged.Add(r.TimestampMs);
            }
        };
        const int faultStart = 1200, faultEnd = 1500;
        for (var i = 0; i < 2400; i++)
        {
            scorer.AddRow(Synthetic.Start + (i * 1000L), Synthetic.Row(i, random, faultStart, faultEnd));
        }
        var opens = sink.Reports.Where(r => r.Active && r.Source.Key == AssetScorer.AnomalySourceKey).Select(r => r.Source).Distinct().ToList();
        Assert.Single(opens);
        Assert.Equal(EventKind.Model, opens[0].Kind);
        Assert.Equal("current", opens[0].TagNames[0]);
        var first = sink.Reports.First(r => r.Active && r.Source.Key == AssetScorer.AnomalySourceKey);
        Assert.InRange(first.Sample.TimestampMs, Synthetic.Start + (faultStart * 1000L), Synthetic.Start + ((faultStart + 60) * 1000L));
        var close = sink.Reports.Last(r => r.Source.Key == AssetScorer.AnomalySourceKey);
        Assert.False(close.Active);
        Assert.InRange(close.Sample.TimestampMs, Synthetic.Start + (faultEnd * 1000L), Synthetic.Start + ((faultEnd + 60) * 1000L));
        Assert.True(flagged.Count > 40);
        Assert.All(flagged, t => Assert.InRange(t, Synthetic.Start + (faultStart * 1000L), Synthetic.Start + ((faultEnd + 120) * 1000L)));
    }

    [Fact]
    public void ModelEvents_DriveTheGatewayEventTracker()
    {
        var registry = new TagRegistry.Builder().AddAsset("pump-1", "pump");
        foreach (var tag in Synthetic.Tags)
        {
            registry.AddTag("pump-1", tag);
        }
        var tags = registry.Build();
        var values = new TagValues(tags.TagCount);
        var tracker = new EventTracker("gw-1", tags, values);
        var scorer = new AssetScorer(Model.Value, tracker, new ScorerIdentity(0, [0, 1, 2, 3]));
        var random = new Random(7);
        for (var i = 0; i < 2400; i++)
        {
            var row = Synthetic.Row(i, random, 1200, 1500);
            for (var t = 0; t < row.Length; t++)
            {
                values.Update(new Reading(t, Synthetic.Start + (i * 1000L), row[t]));
            }
            scorer.AddRow(Synthetic.Start + (i * 1000L), row);
        }
        var revisions = new List<GatewayEvent>();
        tracker.DrainRevisions(revisions);
        var model = revisions.Where(e => e.Source == AssetScorer.AnomalySourceKey).ToList();
        Assert.Equal(2, model.Count);   // open, close
        Assert.Equal(EventState.Open, model[0].State);
        Assert.Equal(EventState.Closed, model[1].State);
        Assert.Equal(EventKind.Model, model[0].Kind);
        Assert.Equal("current", model[0].Tags[0]);
        Assert.Contains("top tags", model[0].Explanation);
        Assert.Contains("current", model[0].Message);
        Assert.True(model[1].PeakScore > Model.Value.Threshold);
        Assert.Equal(0, tracker.OpenCount);
    }

    [Fact]
    public void ModelEventOpenAtRestart_FreshScorerClosesItWhenTheFaultIsOver()
    {
        var registry = new TagRegistry.Builder().AddAsset("pump-1", "pump");
        foreach (var tag in Synthetic.Tags)
        {
            registry.AddTag("pump-1", tag);
        }
        var tags = registry.Build();
        var values = new TagValues(tags.TagCount);
        var tracker = new EventTracker("gw-1", tags, values);
        var scorer = new AssetScorer(Model.Value, tracker, new ScorerIdentity(0, [0, 1, 2, 3]));
        var random = new Random(7);
        for (var i = 0; i < 1400; i++)
        {
            scorer.AddRow(Synthetic.Start + (i * 1000L), Synthetic.Row(i, random, 1200, 1500));
        }
        var before = new List<GatewayEvent>();
        tracker.DrainRevisions(before);
        var open = Assert.Single(before, e => e.Source == AssetScorer.AnomalySourceKey);
        Assert.Equal(EventState.Open, open.State);

        // kill -9 in the fault; the restarted gateway scores from scratch after the fault is over.
        var restarted = new EventTracker("gw-1", tags, values);
        restarted.Restore([new CauseCheckpoint(open.Asset, open.Source, open.DecidedThroughMs!.Value, open)], [open], Synthetic.Start + 1_400_000);
        var fresh = new AssetScorer(Model.Value, restarted, new ScorerIdentity(0, [0, 1, 2, 3]));
        for (var i = 1600; i < 2400; i++)
        {
            fresh.AddRow(Synthetic.Start + (i * 1000L), Synthetic.Row(i, random, 1200, 1500));
        }
        var after = new List<GatewayEvent>();
        restarted.DrainRevisions(after);
        var closed = Assert.Single(after, e => e.Source == AssetScorer.AnomalySourceKey);
        Assert.Equal((open.Id, EventState.Closed, 2), (closed.Id, closed.State, closed.Revision));
        Assert.Equal(0, restarted.OpenCount);
    }

    [Fact]
    public void LiveReadingsPerTag_AndRowReplay_GiveIdenticalSteps()
    {
        var byRow = new List<StepResult>();
        var byTag = new List<StepResult>();
        var rowScorer = new AssetScorer(Model.Value) { StepScored = byRow.Add };
        var tagScorer = new AssetScorer(Model.Value) { StepScored = byTag.Add };
        var random = new Random(3);
        var order = new[] { 0, 1, 2, 3 };
        var shuffle = new Random(9);
        for (var i = 0; i < 1800; i++)
        {
            var ts = Synthetic.Start + (i * 1000L);
            var row = Synthetic.Row(i, random, 900, 1100);
            rowScorer.AddRow(ts, row);
            shuffle.Shuffle(order);
            foreach (var t in order)
            {
                tagScorer.Add(t, ts, row[t]);
            }
            if (i % 4 == 3)
            {
                tagScorer.AdvanceTo(ts);   // the daemon's tick, not per row
            }
        }
        tagScorer.AdvanceTo(Synthetic.Start + (1799 * 1000L));
        Assert.Equal(byRow.Count, byTag.Count);
        Assert.Equal(byRow, byTag);
        Assert.Contains(byRow, r => r.Anomaly);
    }

    [Fact]
    public void Flags_AreCausal_AFutureFaultDoesNotChangeEarlierSteps()
    {
        List<StepResult> Run(int faultStart)
        {
            var steps = new List<StepResult>();
            var scorer = new AssetScorer(Model.Value) { StepScored = steps.Add };
            var random = new Random(5);
            for (var i = 0; i < 1500; i++)
            {
                scorer.AddRow(Synthetic.Start + (i * 1000L), Synthetic.Row(i, random, faultStart, faultStart + 300));
            }
            return steps;
        }
        var clean = Run(int.MaxValue);
        var faulty = Run(1000);
        var before = clean.TakeWhile(s => s.TimestampMs < Synthetic.Start + (1000 * 1000L)).ToList();
        Assert.Equal(before, faulty.Take(before.Count));
        Assert.Contains(faulty, s => s.Anomaly);
    }

    [Fact]
    public void ScoringAStep_DoesNotAllocate()
    {
        var scorer = new AssetScorer(Model.Value);
        var random = new Random(1);
        var rows = Enumerable.Range(0, 1200).Select(i => Synthetic.Row(i, random)).ToArray();
        for (var i = 0; i < 600; i++)
        {
            scorer.AddRow(Synthetic.Start + (i * 1000L), rows[i]);
        }
        var steps = scorer.Steps;
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 600; i < 1200; i++)
        {
            scorer.AddRow(Synthetic.Start + (i * 1000L), rows[i]);
        }
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(120, scorer.Steps - steps);
        Assert.True(allocated < 2048, $"{allocated} bytes for 600 rows / 120 steps");
    }

    [Fact]
    public void DataOutage_ClosesAnOpenEventOnceTheMergeGapHasRunOut()
    {
        var sink = new RecordingSink();
        var scorer = new AssetScorer(Model.Value, sink);
        var random = new Random(11);
        var i = 0;
        for (; i < 1300; i++)
        {
            scorer.AddRow(Synthetic.Start + (i * 1000L), Synthetic.Row(i, random, 1200, 2000));
        }
        Assert.True(scorer.Last.Anomaly);
        scorer.AdvanceTo(Synthetic.Start + ((i + 600) * 1000L));   // no data for 10 minutes
        Assert.False(scorer.Last.Anomaly);
        Assert.False(sink.Reports[^1].Active);
    }

    // Two operating points, half the time each in training. Live, a shift to 80 / 20 is PSI ~0.42 (warning band:
    // info event open, model in force), back to 50 / 50 closes it; 100 / 0 is an alert (stale, retrain requested).
    [Fact]
    public void RegimeMixInPsiWarningBand_OpensAnInfoEvent_ClosesWhenTheMixReturns_AndAnAlertMarksStale()
    {
        static double[] ModeRow(bool high, Random random)
        {
            var speed = (high ? 5.0 : 0.0) + (0.1 * Synthetic.Gaussian(random));
            return [speed, (2 * speed) + (0.05 * Synthetic.Gaussian(random)), 3 - speed + (0.05 * Synthetic.Gaussian(random)), 0.2 + (0.02 * Synthetic.Gaussian(random))];
        }
        var random = new Random(3);
        var history = new TrainingHistory(Synthetic.Tags);
        var t = 0;
        for (; t < 7200; t++)
        {
            history.AddRow(Synthetic.Start + (t * 1000L), ModeRow(t / 300 % 2 == 1, random));
        }
        var options = Synthetic.Options();
        options.DriftCheckSteps = 120; // one check per 600 s at a 5 s step
        options.DriftComponents = 0;   // Page-Hinkley off: this test is about the regime mix
        var model = AssetModelTrainer.Train("pump-1", history, options);
        Assert.Equal(2, model.RegimeCount);

        var sink = new RecordingSink();
        var scorer = new AssetScorer(model, sink);
        void Run(int seconds, int highSecondsPer600)
        {
            for (var end = t + seconds; t < end; t++)
            {
                scorer.AddRow(Synthetic.Start + (t * 1000L), ModeRow(t % 600 >= 600 - highSecondsPer600, random));
            }
        }
        List<bool> Warnings() => sink.Reports.Where(r => r.Source.Key == AssetScorer.DriftWarningSourceKey).Select(r => r.Active).ToList();

        Run(3000, 300);
        Assert.False(scorer.DriftWarning, $"PSI {scorer.LastPsi}");
        Assert.Empty(Warnings());
        Run(3000, 120);
        Assert.True(scorer.DriftWarning, $"PSI {scorer.LastPsi}");
        Assert.InRange(scorer.LastPsi, 0.25, 0.5);
        Assert.False(scorer.IsStale, scorer.StaleReason);
        Assert.Equal([true], Warnings());
        var open = sink.Reports.First(r => r.Source.Key == AssetScorer.DriftWarningSourceKey).Source;
        Assert.Equal(EventKind.Model, open.Kind);
        Assert.Equal(Severity.Info, open.Severity);
        Run(3000, 300);
        Assert.False(scorer.DriftWarning, $"PSI {scorer.LastPsi}");
        Assert.Equal([true, false], Warnings());
        Run(1800, 0);
        Assert.True(scorer.IsStale);
        Assert.Contains("PSI", scorer.StaleReason, StringComparison.Ordinal);
        Assert.Equal([true, false], Warnings());
    }
}
