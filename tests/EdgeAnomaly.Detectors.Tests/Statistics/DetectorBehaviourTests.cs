using EdgeAnomaly.Core.Readings;

namespace EdgeAnomaly.Detectors.Tests.Statistics;

/// <summary>The same behaviours asked of every detector, each run with only that detector enabled.</summary>
public class DetectorBehaviourTests
{
    public static TheoryData<DetectorKind> AllKinds() =>
        [DetectorKind.ZScore, DetectorKind.RobustZ, DetectorKind.Iqr, DetectorKind.Ewma, DetectorKind.TimeOfDay];

    public static TheoryData<DetectorKind, int> KindsBySeed()
    {
        var data = new TheoryData<DetectorKind, int>();
        foreach (var kind in Enum.GetValues<DetectorKind>())
        {
            foreach (var seed in new[] { 11, 12, 13 })
            {
                data.Add(kind, seed);
            }
        }
        return data;
    }

    private static int Warmup(DetectorKind kind) => kind switch
    {
        DetectorKind.ZScore => new ZScoreOptions().WarmupSamples,
        DetectorKind.RobustZ => new RobustZOptions().WarmupSamples,
        DetectorKind.Iqr => new IqrOptions().WarmupSamples,
        DetectorKind.Ewma => new EwmaOptions().WarmupSamples,
        _ => new TimeOfDayOptions().WarmupSamplesPerBucket,
    };

    [Theory]
    [MemberData(nameof(AllKinds))]
    public void Detector_DuringWarmup_NeverFlagsEvenWildValues(DetectorKind kind)
    {
        var bank = Kit.Bank(kind);
        var sink = new RecordingSink();
        var warmup = Warmup(kind);
        for (var i = 0; i < warmup; i++)
        {
            // Wild swings, then a huge outlier as the last warm-up reading.
            Kit.Feed(bank, sink, i, i == warmup - 1 ? 1e6 : 10 + ((i % 2) * 5));
            Assert.False(bank.Snapshot(0).Get(kind)!.Flag);
        }
        Assert.Empty(sink.Reports);
        Assert.Equal(0, bank.Snapshot(0).Score);
        Assert.True(bank.Snapshot(0).Get(kind)!.WarmedUp, "warm-up should end after the configured count");
    }

    [Theory]
    [MemberData(nameof(KindsBySeed))]
    public void Detector_CleanNoisySignal_IsNotFlaggedOver3000Readings(DetectorKind kind, int seed)
    {
        var bank = Kit.Bank(kind);
        var sink = new RecordingSink();
        var noise = new Noise(seed);
        for (var i = 0; i < 3000; i++)
        {
            // Clean = Gaussian noise without its rare tail: a genuine 4.4-sigma reading is a borderline
            // event that a detector working from a 120-reading window may rightly flag (measured false-flag
            // rates on untruncated noise are in docs/detectors.md).
            Kit.Feed(bank, sink, i, 50 + (2 * Math.Clamp(noise.Next(), -3.5, 3.5)));
        }
        Assert.Empty(sink.Reports);
        Assert.True(bank.Snapshot(0).Get(kind)!.Evaluated);
    }

    public static TheoryData<DetectorKind, string> Anomalies()
    {
        var data = new TheoryData<DetectorKind, string>();
        foreach (var kind in Enum.GetValues<DetectorKind>())
        {
            data.Add(kind, "step");
            data.Add(kind, "spike");
            data.Add(kind, "drift");
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Anomalies))]
    public void Detector_AnomalyOnNoisySignal_IsFlaggedSoonAfterItStarts(DetectorKind kind, string anomaly)
    {
        var bank = Kit.Bank(kind);
        var sink = new RecordingSink();
        var noise = new Noise(21);
        const int start = 400;
        const double sigma = 2;
        var firstFlag = -1;
        for (var i = 0; i < start + 400; i++)
        {
            var x = 50 + (sigma * noise.Next());
            var k = i - start;
            if (k >= 0)
            {
                x += anomaly switch
                {
                    "step" => 8 * sigma,
                    "spike" => k == 0 ? 20 * sigma : 0,
                    _ => DriftPerReading(kind) * sigma * k,
                };
            }
            Kit.Feed(bank, sink, i, x);
            if (firstFlag < 0 && sink.Reports.Count > 0)
            {
                firstFlag = i;
            }
        }
        Assert.True(firstFlag >= 0, "never flagged");
        Assert.True(firstFlag >= start, $"flagged before the anomaly at {firstFlag}");
        var allowed = anomaly switch { "step" => 3, "spike" => 0, _ => DriftPerReading(kind) > 0.1 ? 30 : 300 };
        Assert.InRange(firstFlag - start, 0, allowed);
        Assert.All(sink.Reports, r => Assert.Equal("stat:temp", r.Source.Key));
    }

    /// <summary>
    /// Rolling-window detectors absorb a slow ramp into their own window (a pure ramp sits at most about
    /// sqrt(3) window-sigmas from its window mean), so they are given a fast drift, half a sigma per reading;
    /// the EWMA chart and the hour profile are asked to catch a slow one, a sigma every 20 readings.
    /// </summary>
    private static double DriftPerReading(DetectorKind kind) =>
        kind is DetectorKind.Ewma or DetectorKind.TimeOfDay ? 0.05 : 0.5;

    /// <summary>
    /// 60 readings alternating 9 and 11 give a baseline whose limits are known in closed form:
    /// mean 10, sample std sqrt(60/59), population std 1, median 10, MAD 1, Q1 9, Q3 11.
    /// </summary>
    public static TheoryData<DetectorKind, double, double> LimitsInClosedForm() => new()
    {
        { DetectorKind.ZScore, 10 + (4.5 * Math.Sqrt(60.0 / 59)), 10 - (4.5 * Math.Sqrt(60.0 / 59)) },
        { DetectorKind.RobustZ, 10 + (5.5 * 1.482602218505602), 10 - (5.5 * 1.482602218505602) },
        { DetectorKind.Iqr, 11 + (3.5 * 2), 9 - (3.5 * 2) },
        // First chart step: Z = λx + (1−λ)·10 against 10 ± L·σ·λ, so x = 10 ± L·σ.
        { DetectorKind.Ewma, 10 + 4.5, 10 - 4.5 },
        { DetectorKind.TimeOfDay, 10 + (4.5 * Math.Sqrt(60.0 / 59)), 10 - (4.5 * Math.Sqrt(60.0 / 59)) },
    };

    private static TagDetectorBank AlternatingBaseline(DetectorKind kind, double sensitivity = 1)
    {
        var bank = Kit.Bank(kind, sensitivity);
        var sink = new RecordingSink();
        for (var i = 0; i < 60; i++)
        {
            Kit.Feed(bank, sink, i, i % 2 == 0 ? 9 : 11);
        }
        Assert.Empty(sink.Reports);
        return bank;
    }

    [Theory]
    [MemberData(nameof(LimitsInClosedForm))]
    public void Detector_ScoreAtTheLimit_IsOneHalfOnBothSides(DetectorKind kind, double upper, double lower)
    {
        var bank = AlternatingBaseline(kind);
        Assert.Equal(0.5, bank.Probe(0, kind, upper, Kit.T0), 9);
        Assert.Equal(0.5, bank.Probe(0, kind, lower, Kit.T0), 9);
        Assert.True(bank.Probe(0, kind, upper + 1e-6, Kit.T0) > 0.5);
        Assert.True(bank.Probe(0, kind, upper - 1e-6, Kit.T0) < 0.5);
    }

    [Theory]
    [MemberData(nameof(AllKinds))]
    public void Detector_Score_IsMonotoneInDeviationAndTendsToOne(DetectorKind kind)
    {
        var bank = AlternatingBaseline(kind);
        foreach (var sign in new[] { 1.0, -1.0 })
        {
            var previous = -1.0;
            for (var d = 0.0; d <= 40; d += 0.25)
            {
                var s = bank.Probe(0, kind, 10 + (sign * d), Kit.T0);
                Assert.InRange(s, 0, 1);
                Assert.True(s >= previous, $"{kind}: score fell from {previous} to {s} at deviation {sign * d}");
                previous = s;
            }
            // The EWMA clips one reading at 12 sigma, so a single reading tops out at r = 12/4.5 (score 0.877).
            var far = kind == DetectorKind.Ewma ? 0.87 : 0.999;
            Assert.True(bank.Probe(0, kind, 10 + (sign * 1e6), Kit.T0) > far);
        }
    }

    [Theory]
    [MemberData(nameof(AllKinds))]
    public void Detector_SensitivityTwo_ScoresHalfTheDeviationLikeSensitivityOne(DetectorKind kind)
    {
        var normal = AlternatingBaseline(kind, 1);
        var keen = AlternatingBaseline(kind, 2);
        foreach (var d in new[] { 0.5, 1.5, 3.0, 5.0, 8.0 })
        {
            foreach (var sign in new[] { 1.0, -1.0 })
            {
                var expected = normal.Probe(0, kind, 10 + (sign * 2 * d), Kit.T0);
                Assert.Equal(expected, keen.Probe(0, kind, 10 + (sign * d), Kit.T0), 9);
            }
        }
        // And the limit itself halves its distance from the centre.
        var lowered = AlternatingBaseline(kind, 0.5);
        Assert.True(lowered.Probe(0, kind, 10 + 5, Kit.T0) < normal.Probe(0, kind, 10 + 5, Kit.T0));
    }

    [Fact]
    public void TimeOfDay_LearnsTwoHourBucketsWithDifferentMeans()
    {
        var bank = Kit.Bank(DetectorKind.TimeOfDay);
        var sink = new RecordingSink();
        var noise = new Noise(5);
        const long hour = 3_600_000;
        // Three days; one reading a minute in hour 02 (around 10) and hour 14 (around 50).
        for (var day = 0; day < 3; day++)
        {
            for (var minute = 0; minute < 60; minute++)
            {
                var night = Kit.T0 + (day * 24 * hour) + (2 * hour) + (minute * 60_000L);
                var noon = Kit.T0 + (day * 24 * hour) + (14 * hour) + (minute * 60_000L);
                bank.OnReading(new Reading(0, night, 10 + (0.5 * noise.Next())), sink);
                bank.OnReading(new Reading(0, noon, 50 + (0.5 * noise.Next())), sink);
            }
        }
        Assert.Empty(sink.Reports);
        var snap = bank.Snapshot(0);
        Assert.Equal(10, snap.TimeOfDayMeans[2], 0.2);
        Assert.Equal(50, snap.TimeOfDayMeans[14], 0.2);
        Assert.Equal(180, snap.TimeOfDayCounts[2]);
        Assert.True(double.IsNaN(snap.TimeOfDayMeans[7]));

        var day4 = Kit.T0 + (3 * 24 * hour);
        Assert.True(bank.Probe(0, DetectorKind.TimeOfDay, 50, day4 + (2 * hour)) > 0.99, "50 at night is far off its hour");
        Assert.True(bank.Probe(0, DetectorKind.TimeOfDay, 50, day4 + (14 * hour)) < 0.2, "50 at noon is normal");
        Assert.True(bank.Probe(0, DetectorKind.TimeOfDay, 10, day4 + (14 * hour)) > 0.99, "10 at noon is far off its hour");
        // An hour never seen is still warming up: no score at all.
        Assert.Equal(0, bank.Probe(0, DetectorKind.TimeOfDay, 1e6, day4 + (7 * hour)));
    }

    [Fact]
    public void TimeOfDay_UtcOffset_ShiftsTheBucket()
    {
        var stats = Kit.Only(DetectorKind.TimeOfDay);
        stats.TimeOfDay.UtcOffset = TimeSpan.FromHours(2);
        var bank = new TagDetectorBank(Kit.Registry(), stats, Kit.NoDq());
        var sink = new RecordingSink();
        bank.OnReading(new Reading(0, Kit.T0 + (3_600_000L * 23), 1), sink); // 23:00 UTC = 01:00 local
        Assert.Equal(1, bank.Snapshot(0).TimeOfDayCounts[1]);
    }
}

/// <summary>
/// A quantised sensor that sits on one level and now and then reads the neighbouring one (SKAB's flow meter reads
/// whole units, 32 most of the time): more than half the window is one value, so the MAD and the IQR are 0. The spread
/// then falls back to at least the quantisation noise of the step, so the next level is not an anomaly while a jump of
/// several steps still is (before, the fallbacks were a fraction of one step and every step alarmed).
/// </summary>
public class QuantisedSensorTests
{
    [Theory]
    [InlineData(DetectorKind.RobustZ)]
    [InlineData(DetectorKind.Iqr)]
    public void OneStepToTheNextLevel_IsNotAnAnomaly_ButSeveralStepsAre(DetectorKind kind)
    {
        var bank = Kit.Bank(kind);
        var sink = new RecordingSink();
        for (var i = 0; i < 300; i++)
        {
            Kit.Feed(bank, sink, i, i % 20 == 5 ? 33 : i % 20 == 15 ? 31 : 32);
        }
        Assert.Empty(sink.Reports);
        Assert.True(bank.Probe(0, kind, 33) < 0.5, "one step up scored past the limit");
        Assert.True(bank.Probe(0, kind, 31) < 0.5, "one step down scored past the limit");
        Assert.True(bank.Probe(0, kind, 36) > 0.5, "four steps up did not score past the limit");
        Assert.True(bank.Probe(0, kind, 28) > 0.5, "four steps down did not score past the limit");
    }
}
