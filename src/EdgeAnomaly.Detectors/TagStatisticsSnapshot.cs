namespace EdgeAnomaly.Detectors;

/// <summary>One detector's latest evaluation; Score 0 and Flag false while warming up.</summary>
/// <param name="Statistic">z, robust z, the value (IQR), the EWMA, or the hour-bucket z.</param>
/// <param name="Centre">Mean, median, or hour mean the reading was compared with.</param>
/// <param name="Spread">Std, robust sigma, IQR, or in-control sigma.</param>
/// <param name="Limit">The limit on the reading's side in value units, after sensitivity.</param>
public sealed record DetectorSnapshot(
    DetectorKind Kind,
    bool WarmedUp,
    long Samples,
    int WarmupSamples,
    bool Evaluated,
    double Score,
    bool Flag,
    double Statistic,
    double Centre,
    double Spread,
    double Limit);

/// <summary>Introspection of one tag's detectors and checks (allocates; not for the hot path).</summary>
public sealed record TagStatisticsSnapshot
{
    public required int TagId { get; init; }

    /// <summary>"asset/tag".</summary>
    public required string Key { get; init; }

    public required bool StatisticsEnabled { get; init; }

    public required double Sensitivity { get; init; }

    public required int MinVotes { get; init; }

    /// <summary>Whether "stat:{tag}" is active after the latest reading.</summary>
    public required bool StatisticsActive { get; init; }

    public required int Votes { get; init; }

    /// <summary>Max of the enabled detectors' scores on the latest reading.</summary>
    public required double Score { get; init; }

    /// <summary>Consecutive flagged readings kept out of the baselines.</summary>
    public required int ExcludedRun { get; init; }

    /// <summary>Readings admitted to the baselines so far.</summary>
    public required long Admitted { get; init; }

    /// <summary>Enabled detectors only, in <see cref="DetectorKind"/> order.</summary>
    public required IReadOnlyList<DetectorSnapshot> Detectors { get; init; }

    /// <summary>Hour-of-day bucket means (NaN when empty); empty when the profile is off for the tag.</summary>
    public required IReadOnlyList<double> TimeOfDayMeans { get; init; }

    public required IReadOnlyList<double> TimeOfDayStds { get; init; }

    public required IReadOnlyList<long> TimeOfDayCounts { get; init; }

    public required bool DropoutActive { get; init; }

    public required bool RateActive { get; init; }

    /// <summary>Received / expected readings in the last judged rate window; NaN before one.</summary>
    public required double LastRateRatio { get; init; }

    public required bool FlatlineActive { get; init; }

    public required int FlatlineRepeats { get; init; }

    public required bool SpikeActive { get; init; }

    public required long SpikesConfirmed { get; init; }

    /// <summary>The enabled detector of that kind, or null.</summary>
    public DetectorSnapshot? Get(DetectorKind kind)
    {
        foreach (var d in Detectors)
        {
            if (d.Kind == kind)
            {
                return d;
            }
        }
        return null;
    }
}
