using EdgeAnomaly.Core.Events;

namespace EdgeAnomaly.Detectors;

/// <summary>
/// Per-tag adjustments on top of the section options; a null switch keeps the section's setting.
/// </summary>
public sealed class TagDetectorOverrides
{
    /// <summary>
    /// Divides every statistical limit's distance from its baseline centre: 2 is twice as sensitive
    /// (a deviation half as large scores the same), 0.5 half as sensitive. Must be finite and &gt; 0. Default 1.
    /// </summary>
    public double Sensitivity { get; set; } = 1;

    public bool? StatisticsEnabled { get; set; }

    public bool? ZScoreEnabled { get; set; }

    public bool? RobustZEnabled { get; set; }

    public bool? IqrEnabled { get; set; }

    public bool? EwmaEnabled { get; set; }

    public bool? TimeOfDayEnabled { get; set; }

    public int? MinVotes { get; set; }

    public Severity? StatisticsSeverity { get; set; }

    public bool? DataQualityEnabled { get; set; }

    public bool? DropoutEnabled { get; set; }

    public bool? RateEnabled { get; set; }

    /// <summary>Turn off for tags that are legitimately constant (setpoints, modes).</summary>
    public bool? FlatlineEnabled { get; set; }

    public double? FlatlineEpsilon { get; set; }

    public bool? SpikeEnabled { get; set; }
}
