namespace EdgeAnomaly.Devices.Gpio;

/// <summary>A digital input reported as a tag with value 0 or 1 ("Devices:Gpio:N").</summary>
public sealed class GpioInputOptions
{
    public string Name { get; set; } = "";

    public string Asset { get; set; } = "";

    /// <summary>Tag name in the asset; defaults to <see cref="Name"/>.</summary>
    public string? Tag { get; set; }

    /// <summary>GPIO line number (BCM numbering on a Raspberry Pi).</summary>
    public int Pin { get; set; }

    /// <summary>GPIO chip number (/dev/gpiochipN), as for the alarm output.</summary>
    public int Chip { get; set; }

    /// <summary>Report 1 when the pin is low (inputs pulled up and switched to ground).</summary>
    public bool ActiveLow { get; set; }

    /// <summary>None, Up or Down: the internal bias resistor, where the board has one.</summary>
    public string Pull { get; set; } = "None";

    /// <summary>A new level is reported only after it has been stable this long (contact bounce). 0 = no debouncing.</summary>
    public TimeSpan Debounce { get; set; } = TimeSpan.FromMilliseconds(20);

    /// <summary>How often the pin is sampled.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromMilliseconds(5);

    /// <summary>The current level is also reported this often without a change, so dropout checks see a live input. 0 = changes only.</summary>
    public TimeSpan ReportInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>The tag name used.</summary>
    public string ResolvedTag() => string.IsNullOrWhiteSpace(Tag) ? Name : Tag;

    /// <summary>Every problem, each naming its key under <paramref name="key"/> (e.g. "Devices:Gpio:0"); <paramref name="resolveTag"/> null skips the tag check.</summary>
    public IEnumerable<string> Validate(string key, Func<string, string, int?>? resolveTag = null) =>
        GpioInputValidation.Validate(this, key, resolveTag);
}
