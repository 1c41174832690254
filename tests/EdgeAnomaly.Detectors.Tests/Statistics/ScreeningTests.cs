using EdgeAnomaly.Detectors.Statistics;

namespace EdgeAnomaly.Detectors.Tests.Statistics;

/// <summary>
/// Robust z screens readings against a lower bound of its sigma and works its figures out only when they are read.
/// Whatever is read, and whenever (during the report or after the reading was admitted), must be what an eager
/// evaluation against the window before the reading gives.
/// </summary>
public class ScreeningTests
{
    [Fact]
    public void RobustZ_FiguresReadAfterAdmission_MatchTheWindowTheReadingWasJudgedAgainst()
    {
        var options = Kit.AllFour();
        var bank = new TagDetectorBank(Kit.Registry(), options, Kit.NoDq());
        var sink = new RecordingSink();
        var noise = new Noise(11);
        var admitted = new List<double>();
        var checkedReadings = 0;
        for (var i = 0; i < 3000; i++)
        {
            // Mostly noise, some readings 3-7 sigma out (screened in and out, some flagged and kept out of the window).
            var x = 10 + (0.1 * noise.Next()) + (i % 37 == 0 ? 0.1 * (3 + (i % 5)) : 0);
            var window = admitted.Count > options.MedianWindow ? admitted.GetRange(admitted.Count - options.MedianWindow, options.MedianWindow) : [.. admitted];
            var before = bank.Snapshot(0).Admitted;
            Kit.Feed(bank, sink, i, x);
            var snapshot = bank.Snapshot(0);
            if (snapshot.Admitted > before)
            {
                admitted.Add(x);
            }
            var robust = snapshot.Get(DetectorKind.RobustZ)!;
            if (window.Count < options.RobustZ.WarmupSamples)
            {
                Assert.False(robust.Evaluated);
                continue;
            }
            var sorted = window.OrderBy(v => v).ToArray();
            var median = Median(sorted);
            var mad = Median(sorted.Select(v => Math.Abs(v - median)).OrderBy(v => v).ToArray());
            var sigma = SortedWindow.MadToSigma * mad;
            Assert.True(robust.Evaluated);
            Assert.Equal(median, robust.Centre, 12);
            Assert.Equal(sigma, robust.Spread, 12);
            Assert.Equal((x - median) / sigma, robust.Statistic, 9);
            Assert.Equal(AnomalyScore.FromRatio(Math.Abs(x - median) / (options.RobustZ.Threshold * sigma)), robust.Score, 9);
            Assert.Equal(x >= median ? median + (options.RobustZ.Threshold * sigma) : median - (options.RobustZ.Threshold * sigma), robust.Limit, 9);
            // The tag's score is the first highest detector score.
            Assert.Equal(snapshot.Detectors.Max(d => d.Score), snapshot.Score);
            checkedReadings++;
        }
        Assert.True(checkedReadings > 2500);
        Assert.Contains(sink.Reports, r => r.Active);
    }

    [Fact]
    public void Reports_CarryTheScoreAndLimitOfTheHighestScoringDetector()
    {
        var bank = new TagDetectorBank(Kit.Registry(), Kit.AllFour(), Kit.NoDq());
        var sink = new RecordingSink();
        var noise = new Noise(12);
        for (var i = 0; i < 400; i++)
        {
            Kit.Feed(bank, sink, i, 10 + (0.1 * noise.Next()) + (i >= 300 && i % 10 == 0 ? 1.5 : 0));
            if (sink.Reports.Count > 0 && sink.Reports[^1].Sample.TimestampMs == Kit.T0 + (i * 1000L) && sink.Reports[^1].Active)
            {
                var snapshot = bank.Snapshot(0);
                var best = snapshot.Detectors.First(d => d.Score == snapshot.Detectors.Max(e => e.Score));
                Assert.Equal(snapshot.Score, sink.Reports[^1].Sample.Score);
                Assert.Equal(best.Limit, sink.Reports[^1].Sample.Threshold);
            }
        }
        Assert.True(sink.ActiveCount("stat:") >= 5);
    }

    private static double Median(double[] sorted) =>
        sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
}
