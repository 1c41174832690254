using EdgeAnomaly.Core.Events;

namespace EdgeAnomaly.Detectors;

/// <summary>
/// Per-tag data-quality checks (section "DataQuality"). Their findings are EventKind.DataQuality events
/// ("dq-dropout:{tag}", "dq-rate:{tag}", "dq-flatline:{tag}", "dq-spike:{tag}"), never process anomalies.
/// </summary>
public sealed class DataQualityOptions
{
    /// <summary>Master switch for all data-quality checks. Default true.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Severity of data-quality events. Default Info.</summary>
    public Severity Severity { get; set; } = Severity.Info;

    /// <summary>Default 5 minutes.</summary>
    public TimeSpan Cooldown { get; set; } = TimeSpan.FromMinutes(5);

    public DropoutOptions Dropout { get; set; } = new();

    public RateOptions Rate { get; set; } = new();

    public FlatlineOptions Flatline { get; set; } = new();

    public SpikeOptions Spike { get; set; } = new();

    /// <summary>Every problem, each naming its key relative to this section ("Dropout:IntervalMultiplier must be ...").</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (!Enum.IsDefined(Severity))
        {
            errors.Add($"Severity must be info, warning or critical (was {Severity})");
        }
        if (Cooldown < TimeSpan.Zero)
        {
            errors.Add($"Cooldown must not be negative (was {Cooldown})");
        }
        if (Dropout.StartupGrace < TimeSpan.Zero || Dropout.StartupGrace > TimeSpan.FromDays(1))
        {
            errors.Add($"Dropout:StartupGrace must be between 0 and 1 day (was {Dropout.StartupGrace})");
        }
        if (!(Dropout.IntervalMultiplier >= 1) || double.IsInfinity(Dropout.IntervalMultiplier))
        {
            errors.Add($"Dropout:IntervalMultiplier must be a finite number >= 1 (was {Dropout.IntervalMultiplier})");
        }
        if (Rate.Window < TimeSpan.FromSeconds(1))
        {
            errors.Add($"Rate:Window must be at least 1 second (was {Rate.Window})");
        }
        if (!(Rate.MinRatio > 0 && Rate.MinRatio <= 1))
        {
            errors.Add($"Rate:MinRatio must be in (0, 1] (was {Rate.MinRatio})");
        }
        if (!(Flatline.Epsilon >= 0) || double.IsInfinity(Flatline.Epsilon))
        {
            errors.Add($"Flatline:Epsilon must be a finite number >= 0 (was {Flatline.Epsilon})");
        }
        if (Flatline.MinRepeats < 0)
        {
            errors.Add($"Flatline:MinRepeats must be >= 0 (was {Flatline.MinRepeats})");
        }
        if (Flatline.MinDuration < TimeSpan.Zero)
        {
            errors.Add($"Flatline:MinDuration must not be negative (was {Flatline.MinDuration})");
        }
        if (Flatline.MinRepeats == 0 && Flatline.MinDuration == TimeSpan.Zero)
        {
            errors.Add("Flatline:MinRepeats and Flatline:MinDuration cannot both be 0 (set Flatline:Enabled false instead)");
        }
        if (Spike.Window < 5 || Spike.Window > 1024)
        {
            errors.Add($"Spike:Window must be in 5..1024 (was {Spike.Window})");
        }
        if (!(Spike.Threshold > 0) || double.IsInfinity(Spike.Threshold))
        {
            errors.Add($"Spike:Threshold must be a finite number > 0 (was {Spike.Threshold})");
        }
        if (Spike.MaxWidth < 1 || Spike.MaxWidth > Spike.Window / 2)
        {
            errors.Add($"Spike:MaxWidth must be in 1..Spike:Window/2 (was {Spike.MaxWidth})");
        }
        return errors;
    }
}

/// <summary>No reading (of any quality) for IntervalMultiplier × the tag's expected interval, checked on each tick.</summary>
public sealed class DropoutOptions
{
    /// <summary>Tags with no expected interval (0) are never checked. Default true.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>k in "silent for k × expected interval". Default 3.</summary>
    public double IntervalMultiplier { get; set; } = 3;

    /// <summary>
    /// A tag that has not reported since the gateway started is flagged only after this long (or k × interval if
    /// longer): nodes reconnect and resend after a gateway restart, and a start-up should not open one dropout
    /// event per tag. Default 60 s.
    /// </summary>
    public TimeSpan StartupGrace { get; set; } = TimeSpan.FromSeconds(60);

    public string MessageTemplate { get; set; } = "{asset}/{tag}: no data for {value} s (limit {threshold} s)";
}

/// <summary>Received-vs-expected reading rate over tumbling windows, judged on the tick that ends a window.</summary>
public sealed class RateOptions
{
    public bool Enabled { get; set; } = true;

    /// <summary>Default 10 minutes. Tags expecting fewer than 2 readings per window are not judged.</summary>
    public TimeSpan Window { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>Flag when received / expected falls below this. Default 0.5.</summary>
    public double MinRatio { get; set; } = 0.5;

    public string MessageTemplate { get; set; } = "{asset}/{tag}: receiving {value} of the expected reading rate (minimum {threshold})";
}

/// <summary>A value stuck within Epsilon of where the run began, for MinRepeats readings or MinDuration.</summary>
public sealed class FlatlineOptions
{
    public bool Enabled { get; set; } = true;

    /// <summary>Largest change still counted as "unchanged". Default 0 (bit-identical values).</summary>
    public double Epsilon { get; set; }

    /// <summary>Repeats after the first reading of the run; 0 = not used. Default 60.</summary>
    public int MinRepeats { get; set; } = 60;

    /// <summary>Run duration by reading timestamps; zero = not used. Default zero.</summary>
    public TimeSpan MinDuration { get; set; } = TimeSpan.Zero;

    public string MessageTemplate { get; set; } = "{asset}/{tag}: value stuck at {value}";
}

/// <summary>
/// An isolated excursion: at most MaxWidth consecutive readings beyond median ± Threshold × 1.4826 × MAD
/// of the previous Window readings, followed by a return inside the limit. Longer excursions are level
/// changes, left to the statistical detectors.
/// </summary>
public sealed class SpikeOptions
{
    public bool Enabled { get; set; } = true;

    /// <summary>
    /// Default 31 readings. The MAD of fewer readings is itself too noisy: with 15 readings and limit 6 plain Gaussian
    /// noise confirmed ~1,400 spikes per million readings (80 false events a minute over 1,000 tags at 1 Hz).
    /// </summary>
    public int Window { get; set; } = 31;

    /// <summary>Robust-z limit. Default 8 (with the 31-reading window: ~5 per million on Gaussian noise; a glitch is far beyond it).</summary>
    public double Threshold { get; set; } = 8;

    /// <summary>Longest excursion still called a spike. Default 2 readings.</summary>
    public int MaxWidth { get; set; } = 2;

    public string MessageTemplate { get; set; } = "{asset}/{tag}: spike to {value} (limit {threshold})";
}
