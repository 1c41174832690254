using EdgeAnomaly.Core.Events;
using EdgeAnomaly.Core.Readings;

namespace EdgeAnomaly.Detectors.Tests.DataQuality;

public class DataQualityTests
{
    private static TagDetectorBank Bank(Action<DataQualityOptions>? configure = null, double interval = 1)
    {
        var dq = new DataQualityOptions();
        configure?.Invoke(dq);
        return new TagDetectorBank(Kit.Registry(interval), Kit.NoStats(), dq);
    }

    private static Reading At(long ms, double value, ReadingQuality q = ReadingQuality.Good) => new(0, Kit.T0 + ms, value, q);

    [Fact]
    public void Sources_AreDataQualityKindInfoSeverityWithDocumentedKeys()
    {
        var bank = Bank();
        var sources = bank.Sources(0);
        Assert.Equal(new[] { "dq-dropout:temp", "dq-rate:temp", "dq-flatline:temp", "dq-spike:temp" }, sources.Select(s => s.Key));
        Assert.All(sources, s =>
        {
            Assert.Equal(EventKind.DataQuality, s.Kind);
            Assert.Equal(Severity.Info, s.Severity);
            Assert.Equal(TimeSpan.FromMinutes(5), s.Cooldown);
        });
    }

    [Fact]
    public void Dropout_TagWithoutExpectedInterval_IsNeverChecked()
    {
        var bank = Bank(interval: 0);
        Assert.DoesNotContain(bank.Sources(0), s => s.Key.StartsWith("dq-dropout", StringComparison.Ordinal));
        Assert.DoesNotContain(bank.Sources(0), s => s.Key.StartsWith("dq-rate", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(1.0, 3.0, ReadingQuality.Good)]
    [InlineData(2.0, 3.0, ReadingQuality.Good)]
    [InlineData(1.0, 5.0, ReadingQuality.Good)]
    [InlineData(1.0, 3.0, ReadingQuality.Bad)] // bad readings still prove the link is alive
    public void Dropout_FlagsOnTickAfterKTimesIntervalThenClearsWhenDataResumes(double interval, double k, ReadingQuality quality)
    {
        var bank = Bank(dq => dq.Dropout.IntervalMultiplier = k, interval);
        var sink = new RecordingSink();
        var step = (long)(interval * 1000);
        long t = 0;
        for (var i = 0; i < 10; i++, t += step)
        {
            bank.OnReading(At(t, 10 + i, quality), sink);
            bank.OnTick(Kit.T0 + t + 10, sink);
        }
        var lastReading = t - step;
        Assert.Empty(sink.For("dq-dropout"));
        // Silence: tick every 250 ms.
        long firstActiveAt = -1;
        for (var now = lastReading + 250; now <= lastReading + (long)(k * step) + 2000; now += 250)
        {
            bank.OnTick(Kit.T0 + now, sink);
            if (firstActiveAt < 0 && sink.ActiveCount("dq-dropout") > 0)
            {
                firstActiveAt = now;
            }
        }
        var limitMs = (long)(k * step);
        Assert.InRange(firstActiveAt - lastReading, limitMs + 1, limitMs + 250);
        var reports = sink.For("dq-dropout");
        Assert.True(reports.Count >= 4, "reported on every tick while silent");
        Assert.All(reports, r => Assert.True(r.Active));
        Assert.Equal(EventKind.DataQuality, reports[0].Source.Kind);
        Assert.Equal(k * interval, reports[0].Sample.Threshold);
        Assert.InRange(reports[0].Sample.Score, 0.5, 0.6);
        Assert.True(reports[^1].Sample.Value > reports[0].Sample.Value, "the silence grows");
        Assert.True(bank.Snapshot(0).DropoutActive);

        bank.OnReading(At(lastReading + limitMs + 5000, 1, quality), sink);
        var after = sink.For("dq-dropout");
        Assert.False(after[^1].Active);
        Assert.Single(after, r => !r.Active);
        Assert.False(bank.Snapshot(0).DropoutActive);
        bank.OnTick(Kit.T0 + lastReading + limitMs + 5100, sink);
        Assert.Equal(after.Count, sink.For("dq-dropout").Count);
    }

    [Fact]
    public void Dropout_TagThatNeverReports_IsFlaggedAfterTheStartupGraceCountingFromTheFirstTick()
    {
        var bank = Bank();
        var sink = new RecordingSink();
        bank.OnTick(Kit.T0, sink);
        bank.OnTick(Kit.T0 + 3001, sink);
        bank.OnTick(Kit.T0 + 60_000, sink);
        Assert.Empty(sink.Reports);
        bank.OnTick(Kit.T0 + 60_001, sink);
        Assert.Equal(1, sink.ActiveCount("dq-dropout"));
    }

    [Fact]
    public void Dropout_TagThatReportedOnce_UsesTheIntervalLimitNotTheGrace()
    {
        var bank = Bank();
        var sink = new RecordingSink();
        bank.OnTick(Kit.T0, sink);
        bank.OnReading(At(0, 1), sink);
        bank.OnTick(Kit.T0 + 1000, sink);
        bank.OnTick(Kit.T0 + 3000, sink);
        Assert.Empty(sink.Reports);
        bank.OnTick(Kit.T0 + 3001, sink);
        Assert.Equal(1, sink.ActiveCount("dq-dropout"));
    }

    [Fact]
    public void Dropout_DeviceClockFarAhead_CannotHideSilence()
    {
        var bank = Bank();
        var sink = new RecordingSink();
        bank.OnTick(Kit.T0, sink);
        bank.OnReading(At(3_600_000, 1), sink); // device says an hour later
        bank.OnTick(Kit.T0 + 1000, sink);
        bank.OnTick(Kit.T0 + 4000, sink);
        Assert.Empty(sink.Reports);
        bank.OnTick(Kit.T0 + 4001, sink);
        Assert.Equal(1, sink.ActiveCount("dq-dropout"));
    }

    [Fact]
    public void Rate_ReceivingAQuarterOfTheExpectedReadings_IsFlaggedAtWindowEndAndClearsOnFullRate()
    {
        var bank = Bank(dq =>
        {
            dq.Rate.Window = TimeSpan.FromSeconds(60);
            dq.Dropout.IntervalMultiplier = 10;
        });
        var sink = new RecordingSink();
        bank.OnTick(Kit.T0, sink);
        for (long s = 1; s <= 60; s++)
        {
            if (s % 4 == 0)
            {
                bank.OnReading(At(s * 1000, s), sink);
            }
            bank.OnTick(Kit.T0 + (s * 1000), sink);
        }
        var rate = Assert.Single(sink.For("dq-rate"));
        Assert.True(rate.Active);
        Assert.Equal(0.25, rate.Sample.Value, 9);
        Assert.Equal(0.5, rate.Sample.Threshold);
        Assert.Equal(0.8, rate.Sample.Score, 9); // deficit ratio 2 → 0.8
        Assert.Empty(sink.For("dq-dropout"));

        for (long s = 61; s <= 120; s++)
        {
            bank.OnReading(At(s * 1000, s), sink);
            bank.OnTick(Kit.T0 + (s * 1000), sink);
        }
        var reports = sink.For("dq-rate");
        Assert.Equal(2, reports.Count);
        Assert.False(reports[1].Active);
        Assert.Equal(1.0, bank.Snapshot(0).LastRateRatio, 9);
    }

    [Theory]
    [InlineData(5, 0.0, 0.0)]
    [InlineData(10, 0.0, 0.0)]
    [InlineData(5, 0.01, 0.004)]  // jitter inside epsilon still counts as flat
    public void Flatline_IsFlaggedAtTheNthRepeatAndClearsWhenTheValueMoves(int repeats, double epsilon, double jitter)
    {
        var bank = Bank(dq =>
        {
            dq.Flatline.MinRepeats = repeats;
            dq.Flatline.Epsilon = epsilon;
        });
        var sink = new RecordingSink();
        bank.OnReading(At(0, 7), sink); // the run's first reading
        for (var i = 1; i < repeats; i++)
        {
            bank.OnReading(At(i * 1000L, 7 + (i % 2 == 0 ? jitter : -jitter)), sink);
        }
        Assert.Empty(sink.For("dq-flatline"));
        bank.OnReading(At(repeats * 1000L, 7), sink);
        var first = Assert.Single(sink.For("dq-flatline"));
        Assert.True(first.Active);
        Assert.Equal(0.5, first.Sample.Score, 9);
        Assert.Equal(EventKind.DataQuality, first.Source.Kind);
        bank.OnReading(At((repeats + 1) * 1000L, 7), sink);
        Assert.Equal(2, sink.ActiveCount("dq-flatline"));
        bank.OnReading(At((repeats + 2) * 1000L, 8), sink);
        var last = sink.For("dq-flatline")[^1];
        Assert.False(last.Active);
        Assert.False(bank.Snapshot(0).FlatlineActive);
    }

    [Fact]
    public void Flatline_ByDuration_IsFlaggedWhenTheRunLastsLongEnough()
    {
        var bank = Bank(dq =>
        {
            dq.Flatline.MinRepeats = 0;
            dq.Flatline.MinDuration = TimeSpan.FromMinutes(10);
        });
        var sink = new RecordingSink();
        bank.OnReading(At(0, 3), sink);
        bank.OnReading(At(300_000, 3), sink);
        bank.OnReading(At(599_999, 3), sink);
        Assert.Empty(sink.Reports);
        bank.OnReading(At(600_000, 3), sink);
        Assert.Equal(1, sink.ActiveCount("dq-flatline"));
    }

    [Fact]
    public void Flatline_SlowCreepLargerThanEpsilonOverTheRun_IsNotFlat()
    {
        var bank = Bank(dq =>
        {
            dq.Flatline.MinRepeats = 5;
            dq.Flatline.Epsilon = 0.01;
        });
        var sink = new RecordingSink();
        for (var i = 0; i < 100; i++)
        {
            bank.OnReading(At(i * 1000L, 5 + (0.004 * i)), sink); // each step < epsilon, but the value moves
        }
        Assert.Empty(sink.For("dq-flatline"));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void Spike_IsolatedExcursion_IsReportedOnReturnWithItsValueAndCleared(int width)
    {
        var bank = Bank();
        var sink = new RecordingSink();
        var noise = new Noise(9);
        var i = 0;
        for (; i < 40; i++)
        {
            bank.OnReading(At(i * 1000L, 20 + (0.2 * noise.Next())), sink);
        }
        var spikeTs = i * 1000L;
        for (var w = 0; w < width; w++, i++)
        {
            bank.OnReading(At(i * 1000L, w == 0 ? 35 : 30), sink);
        }
        Assert.Empty(sink.For("dq-spike"));
        bank.OnReading(At(i++ * 1000L, 20), sink);
        var spike = Assert.Single(sink.For("dq-spike"));
        Assert.True(spike.Active);
        Assert.Equal(35, spike.Sample.Value);
        Assert.Equal(Kit.T0 + spikeTs, spike.Sample.TimestampMs);
        Assert.InRange(spike.Sample.Threshold, 20.5, 30);
        Assert.True(spike.Sample.Score > 0.9);
        Assert.Equal(EventKind.DataQuality, spike.Source.Kind);
        bank.OnReading(At(i * 1000L, 20), sink);
        Assert.False(sink.For("dq-spike")[^1].Active);
        Assert.Equal(1, bank.Snapshot(0).SpikesConfirmed);
    }

    [Fact]
    public void Spike_StepChangeWiderThanMaxWidth_IsNotASpike()
    {
        var bank = Bank();
        var sink = new RecordingSink();
        var noise = new Noise(10);
        for (var i = 0; i < 200; i++)
        {
            bank.OnReading(At(i * 1000L, (i < 40 ? 20 : 35) + (0.2 * noise.Next())), sink);
        }
        Assert.Empty(sink.For("dq-spike"));
    }

    [Fact]
    public void Spike_QuantisedSignalFlippingBetweenTwoLevels_IsNotCalledSpiky()
    {
        var bank = Bank();
        var sink = new RecordingSink();
        for (var i = 0; i < 300; i++)
        {
            bank.OnReading(At(i * 1000L, i % 5 == 0 ? 21 : 20), sink); // MAD is 0 here: the fallback spread applies
        }
        Assert.Empty(sink.For("dq-spike"));
    }

    [Fact]
    public void DataQuality_NeverReportsAsStatistic()
    {
        var bank = new TagDetectorBank(Kit.Registry(), new StatisticsOptions(), new DataQualityOptions());
        var sink = new RecordingSink();
        for (var i = 0; i < 100; i++)
        {
            bank.OnReading(At(i * 1000L, 5), sink); // a flat line: DQ finding, statistics stay quiet
        }
        Assert.NotEmpty(sink.Reports);
        Assert.All(sink.Reports, r => Assert.Equal(EventKind.DataQuality, r.Source.Kind));
    }
}
