namespace EdgeAnomaly.Detectors.Tests;

public class OptionsTests
{
    [Fact]
    public void Defaults_AreValid()
    {
        Assert.Empty(new StatisticsOptions().Validate());
        Assert.Empty(new DataQualityOptions().Validate());
    }

    public static TheoryData<string, Action<StatisticsOptions>> BadStatistics() => new()
    {
        { "MinVotes", o => o.MinVotes = 0 },
        { "Cooldown", o => o.Cooldown = TimeSpan.FromSeconds(-1) },
        { "MaxExcludedRun", o => o.MaxExcludedRun = -1 },
        { "MedianWindow", o => o.MedianWindow = 2 },
        { "MinSpreadRelative", o => o.MinSpreadRelative = double.NaN },
        { "ZScore:Window", o => o.ZScore.Window = 1 },
        { "ZScore:WarmupSamples", o => o.ZScore.WarmupSamples = 400 },
        { "ZScore:Threshold", o => o.ZScore.Threshold = 0 },
        { "RobustZ:WarmupSamples", o => o.RobustZ.WarmupSamples = 500 },
        { "RobustZ:Threshold", o => o.RobustZ.Threshold = double.PositiveInfinity },
        { "Iqr:K", o => o.Iqr.K = -1 },
        { "Ewma:Lambda", o => o.Ewma.Lambda = 1.5 },
        { "Ewma:L", o => o.Ewma.L = 0 },
        { "Ewma:ClipSigma", o => o.Ewma.ClipSigma = -1 },
        { "TimeOfDay:WarmupSamplesPerBucket", o => o.TimeOfDay.WarmupSamplesPerBucket = 1 },
        { "TimeOfDay:MemoryDays", o => o.TimeOfDay.MemoryDays = 0 },
        { "TimeOfDay:UtcOffset", o => o.TimeOfDay.UtcOffset = TimeSpan.FromHours(30) },
    };

    [Theory]
    [MemberData(nameof(BadStatistics))]
    public void StatisticsValidate_NamesTheBadKey(string key, Action<StatisticsOptions> spoil)
    {
        var o = new StatisticsOptions();
        spoil(o);
        var errors = o.Validate();
        Assert.NotEmpty(errors);
        Assert.Contains(errors, e => e.StartsWith(key + " ", StringComparison.Ordinal));
    }

    public static TheoryData<string, Action<DataQualityOptions>> BadDataQuality() => new()
    {
        { "Dropout:IntervalMultiplier", o => o.Dropout.IntervalMultiplier = 0.5 },
        { "Rate:Window", o => o.Rate.Window = TimeSpan.Zero },
        { "Rate:MinRatio", o => o.Rate.MinRatio = 2 },
        { "Flatline:Epsilon", o => o.Flatline.Epsilon = -0.1 },
        { "Flatline:MinRepeats", o => o.Flatline.MinRepeats = -3 },
        { "Spike:Window", o => o.Spike.Window = 3 },
        { "Spike:Threshold", o => o.Spike.Threshold = 0 },
        { "Spike:MaxWidth", o => o.Spike.MaxWidth = 0 },
    };

    [Theory]
    [MemberData(nameof(BadDataQuality))]
    public void DataQualityValidate_NamesTheBadKey(string key, Action<DataQualityOptions> spoil)
    {
        var o = new DataQualityOptions();
        spoil(o);
        var errors = o.Validate();
        Assert.NotEmpty(errors);
        Assert.Contains(errors, e => e.StartsWith(key + " ", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(-1.0)]
    [InlineData(double.NaN)]
    public void Bank_NonPositiveSensitivity_ThrowsNamingTheTag(double sensitivity)
    {
        var ex = Assert.Throws<ArgumentException>(() => new TagDetectorBank(Kit.Registry(), new StatisticsOptions(),
            new DataQualityOptions(), _ => new TagDetectorOverrides { Sensitivity = sensitivity }));
        Assert.Contains("pump1/temp", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Bank_MinVotesAboveEnabledDetectors_Throws()
    {
        var ex = Assert.Throws<ArgumentException>(() => new TagDetectorBank(Kit.Registry(), Kit.Only(DetectorKind.ZScore),
            new DataQualityOptions(), _ => new TagDetectorOverrides { MinVotes = 2 }));
        Assert.Contains("MinVotes", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Override_TurnsTimeOfDayOnForOneTag()
    {
        var bank = new TagDetectorBank(Kit.Registry(tags: 2), new StatisticsOptions(), Kit.NoDq(),
            t => t.Name == "t1" ? new TagDetectorOverrides { TimeOfDayEnabled = true } : null);
        Assert.Null(bank.Snapshot(0).Get(DetectorKind.TimeOfDay));
        Assert.NotNull(bank.Snapshot(1).Get(DetectorKind.TimeOfDay));
        Assert.Equal(2, bank.Snapshot(0).Detectors.Count);
    }

    // Robust z and IQR are off by default (docs/detectors.md, "Default detectors"); a tag can turn them on.
    [Fact]
    public void Defaults_AreZScoreAndEwma_RobustZAndIqrPerTag()
    {
        var bank = new TagDetectorBank(Kit.Registry(tags: 2), new StatisticsOptions(), Kit.NoDq(),
            t => t.Name == "t1" ? new TagDetectorOverrides { RobustZEnabled = true, IqrEnabled = true } : null);
        Assert.Equal([DetectorKind.ZScore, DetectorKind.Ewma], bank.Snapshot(0).Detectors.Select(d => d.Kind));
        Assert.Equal([DetectorKind.ZScore, DetectorKind.RobustZ, DetectorKind.Iqr, DetectorKind.Ewma], bank.Snapshot(1).Detectors.Select(d => d.Kind));
    }
}
