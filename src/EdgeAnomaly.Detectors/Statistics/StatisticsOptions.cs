using EdgeAnomaly.Core.Events;

namespace EdgeAnomaly.Detectors;

/// <summary>
/// Per-tag statistical detectors (section "Statistics"). Every enabled detector scores each good reading
/// against a baseline built from earlier readings only; the tag's single condition "stat:{tag}" is active
/// while at least <see cref="MinVotes"/> detectors flag. Reference: docs/detectors.md.
/// </summary>
public sealed class StatisticsOptions
{
    /// <summary>Master switch for all statistical detectors. Default true.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>
    /// How many detectors must flag the same reading for the condition to be active. Default 1: the
    /// detectors look at different things (level, spread, slow drift), so one clear finding is enough.
    /// </summary>
    public int MinVotes { get; set; } = 1;

    /// <summary>Severity of "stat:{tag}" events. Default Warning.</summary>
    public Severity Severity { get; set; } = Severity.Warning;

    /// <summary>Re-activations within this window merge into the previous event. Default 5 minutes.</summary>
    public TimeSpan Cooldown { get; set; } = TimeSpan.FromMinutes(5);

    public string MessageTemplate { get; set; } = "{asset}/{tag}: {value} outside its statistical baseline";

    /// <summary>
    /// Baseline protection: a reading flagged by any detector is kept out of every baseline, but after this
    /// many consecutive flagged readings they are admitted again, so a lasting change of level is learned
    /// instead of alarming forever. 0 admits flagged readings at once (no protection). Default 120.
    /// </summary>
    public int MaxExcludedRun { get; set; } = 120;

    /// <summary>Size of the sorted window shared by <see cref="RobustZ"/> and <see cref="Iqr"/>. Default 120 readings.</summary>
    public int MedianWindow { get; set; } = 120;

    /// <summary>
    /// Spread floors: a spread (std, robust sigma, IQR) is never taken below
    /// max(MinSpreadAbsolute, MinSpreadRelative × |centre|), so a constant signal does not divide by zero.
    /// Defaults 1e-9 and 1e-6.
    /// </summary>
    public double MinSpreadAbsolute { get; set; } = 1e-9;

    public double MinSpreadRelative { get; set; } = 1e-6;

    public ZScoreOptions ZScore { get; set; } = new();

    public RobustZOptions RobustZ { get; set; } = new();

    public IqrOptions Iqr { get; set; } = new();

    public EwmaOptions Ewma { get; set; } = new();

    public TimeOfDayOptions TimeOfDay { get; set; } = new();

    /// <summary>Every problem, each naming its key relative to this section ("ZScore:Window must be ...").</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (MinVotes < 1 || MinVotes > 5)
        {
            errors.Add($"MinVotes must be in 1..5 (was {MinVotes})");
        }
        if (!Enum.IsDefined(Severity))
        {
            errors.Add($"Severity must be info, warning or critical (was {Severity})");
        }
        if (Cooldown < TimeSpan.Zero)
        {
            errors.Add($"Cooldown must not be negative (was {Cooldown})");
        }
        if (MaxExcludedRun < 0)
        {
            errors.Add($"MaxExcludedRun must be >= 0 (was {MaxExcludedRun})");
        }
        if (MedianWindow < 5 || MedianWindow > 4096)
        {
            errors.Add($"MedianWindow must be in 5..4096 (was {MedianWindow})");
        }
        if (!(MinSpreadAbsolute >= 0) || double.IsInfinity(MinSpreadAbsolute))
        {
            errors.Add($"MinSpreadAbsolute must be a finite number >= 0 (was {MinSpreadAbsolute})");
        }
        if (!(MinSpreadRelative >= 0) || double.IsInfinity(MinSpreadRelative))
        {
            errors.Add($"MinSpreadRelative must be a finite number >= 0 (was {MinSpreadRelative})");
        }

        Positive(errors, "ZScore:Threshold", ZScore.Threshold);
        if (ZScore.Window < 2 || ZScore.Window > 100_000)
        {
            errors.Add($"ZScore:Window must be in 2..100000 (was {ZScore.Window})");
        }
        WarmupIn(errors, "ZScore:WarmupSamples", ZScore.WarmupSamples, 2, ZScore.Window, "ZScore:Window");

        Positive(errors, "RobustZ:Threshold", RobustZ.Threshold);
        WarmupIn(errors, "RobustZ:WarmupSamples", RobustZ.WarmupSamples, 3, MedianWindow, "MedianWindow");

        Positive(errors, "Iqr:K", Iqr.K);
        WarmupIn(errors, "Iqr:WarmupSamples", Iqr.WarmupSamples, 4, MedianWindow, "MedianWindow");

        if (!(Ewma.Lambda > 0 && Ewma.Lambda <= 1))
        {
            errors.Add($"Ewma:Lambda must be in (0, 1] (was {Ewma.Lambda})");
        }
        Positive(errors, "Ewma:L", Ewma.L);
        if (!(Ewma.ClipSigma >= 0) || double.IsInfinity(Ewma.ClipSigma))
        {
            errors.Add($"Ewma:ClipSigma must be a finite number >= 0 (was {Ewma.ClipSigma})");
        }
        if (Ewma.BaselineSamples < 2)
        {
            errors.Add($"Ewma:BaselineSamples must be >= 2 (was {Ewma.BaselineSamples})");
        }
        WarmupIn(errors, "Ewma:WarmupSamples", Ewma.WarmupSamples, 2, Math.Max(2, Ewma.BaselineSamples), "Ewma:BaselineSamples");

        Positive(errors, "TimeOfDay:Threshold", TimeOfDay.Threshold);
        if (TimeOfDay.WarmupSamplesPerBucket < 2)
        {
            errors.Add($"TimeOfDay:WarmupSamplesPerBucket must be >= 2 (was {TimeOfDay.WarmupSamplesPerBucket})");
        }
        if (!(TimeOfDay.MemoryDays > 0) || double.IsInfinity(TimeOfDay.MemoryDays))
        {
            errors.Add($"TimeOfDay:MemoryDays must be a finite number > 0 (was {TimeOfDay.MemoryDays})");
        }
        if (TimeOfDay.UtcOffset <= TimeSpan.FromHours(-24) || TimeOfDay.UtcOffset >= TimeSpan.FromHours(24))
        {
            errors.Add($"TimeOfDay:UtcOffset must be within (-24h, 24h) (was {TimeOfDay.UtcOffset})");
        }
        return errors;
    }

    private static void Positive(List<string> errors, string key, double value)
    {
        if (!(value > 0) || double.IsInfinity(value))
        {
            errors.Add($"{key} must be a finite number > 0 (was {value})");
        }
    }

    private static void WarmupIn(List<string> errors, string key, int value, int min, int max, string maxKey)
    {
        if (value < min || value > max)
        {
            errors.Add($"{key} must be in {min}..{maxKey} ({max}) (was {value})");
        }
    }
}

/// <summary>Rolling z-score: (x − mean) / std over the last <see cref="Window"/> admitted readings.</summary>
public sealed class ZScoreOptions
{
    public bool Enabled { get; set; } = true;

    /// <summary>Readings in the rolling window. Default 300.</summary>
    public int Window { get; set; } = 300;

    /// <summary>No flag before this many readings are in the window. Default 60.</summary>
    public int WarmupSamples { get; set; } = 60;

    /// <summary>|z| limit at sensitivity 1. Default 4.5 (about 7 false flags per million Gaussian readings).</summary>
    public double Threshold { get; set; } = 4.5;
}

/// <summary>
/// Robust z: (x − median) / (1.4826 × MAD) over the shared sorted window. Off by default (with <see cref="IqrOptions"/>):
/// on the SKAB pump data the pair tripled the false alarms of z + EWMA without a better F1, and its exact sorted window
/// is most of the per-reading cost (docs/detectors.md, "Default detectors"). Turn it on per tag (`RobustZ: true`) for
/// a continuous signal whose own outliers should not widen the limits.
/// </summary>
public sealed class RobustZOptions
{
    public bool Enabled { get; set; }

    /// <summary>Default 60 readings (half the default median window).</summary>
    public int WarmupSamples { get; set; } = 60;

    /// <summary>|robust z| limit at sensitivity 1. Default 5.5 (the MAD of a 120-reading window is itself noisy).</summary>
    public double Threshold { get; set; } = 5.5;
}

/// <summary>Tukey fences Q1 − K×IQR and Q3 + K×IQR over the shared sorted window. Off by default, as <see cref="RobustZOptions"/>.</summary>
public sealed class IqrOptions
{
    public bool Enabled { get; set; }

    /// <summary>Default 60 readings.</summary>
    public int WarmupSamples { get; set; } = 60;

    /// <summary>Fence multiplier at sensitivity 1. Default 3.5 (about 5.4 sigma from the median for Gaussian data).</summary>
    public double K { get; set; } = 3.5;
}

/// <summary>
/// EWMA control chart: Z = λx + (1−λ)Z against mean ± L·σ·sqrt(λ/(2−λ)·(1−(1−λ)^2t)), with the mean and σ
/// of the in-control baseline. Catches small sustained shifts and drifts that a per-reading limit misses.
/// </summary>
public sealed class EwmaOptions
{
    public bool Enabled { get; set; } = true;

    /// <summary>Smoothing weight of the newest reading. Default 0.2.</summary>
    public double Lambda { get; set; } = 0.2;

    /// <summary>Limit width in chart sigmas at sensitivity 1. Default 4.5.</summary>
    public double L { get; set; } = 4.5;

    /// <summary>Baseline readings before the chart starts. Default 60.</summary>
    public int WarmupSamples { get; set; } = 60;

    /// <summary>
    /// Memory of the baseline mean and variance: a running average until this many readings, then an
    /// exponential average with weight 1/BaselineSamples. Default 300.
    /// </summary>
    public int BaselineSamples { get; set; } = 300;

    /// <summary>
    /// Each reading enters the chart clipped to mean ± ClipSigma·σ, so one wild reading cannot hold the chart
    /// out of control for many readings afterwards (a 1000-sigma glitch moves the chart like a 12-sigma one,
    /// flagging it for about three readings instead of thirty). Scaled by 1/sensitivity like the limit, so
    /// sensitivity stays an exact rescaling. 0 turns clipping off. Default 12.
    /// </summary>
    public double ClipSigma { get; set; } = 12;
}

/// <summary>
/// Time-of-day profile: mean and std per hour of day, learned online, each hour with its own warm-up.
/// Off by default: it needs a day or more of history per hour bucket after every restart (baselines are not
/// persisted), its hours depend on the site's UTC offset and DST, and many machines follow shifts and
/// batches rather than the clock. Turn it on per tag where a daily pattern is real (HVAC, ambient, load).
/// </summary>
public sealed class TimeOfDayOptions
{
    public bool Enabled { get; set; }

    /// <summary>Readings an hour bucket needs before it can flag. Default 60.</summary>
    public int WarmupSamplesPerBucket { get; set; } = 60;

    /// <summary>|z| limit against the bucket at sensitivity 1. Default 4.5.</summary>
    public double Threshold { get; set; } = 4.5;

    /// <summary>
    /// How many days a bucket remembers: its averages turn exponential after MemoryDays × 3600 / interval
    /// readings (interval = the tag's expected interval, 1 s when unknown). Default 7.
    /// </summary>
    public double MemoryDays { get; set; } = 7;

    /// <summary>Site offset from UTC used to find the hour (fixed; DST is not followed). Default 0.</summary>
    public TimeSpan UtcOffset { get; set; } = TimeSpan.Zero;
}
