namespace EdgeAnomaly.Devices.Serial;

/// <summary>The line formats a serial sensor may speak.</summary>
public enum SerialLineFormat
{
    /// <summary><c>{"temp":21.5,"hum":40}</c> or <c>{"ts":1712345678901,"values":{"temp":21.5}}</c>, one object per line.</summary>
    Json,

    /// <summary><c>temp=21.5,hum=40</c>: comma- (or semicolon-) separated key=value pairs, one set per line.</summary>
    KeyValue,
}

/// <summary>A sensor writing readings as text lines on a serial port ("Devices:Serial:N"), e.g. an ESP32 on USB.</summary>
public sealed class SerialSensorOptions
{
    public string Name { get; set; } = "";

    /// <summary>The asset whose tags the line's keys are.</summary>
    public string Asset { get; set; } = "";

    /// <summary>Serial device, e.g. /dev/ttyUSB0 or /dev/serial/by-id/usb-Espressif-... (stable across replug).</summary>
    public string Port { get; set; } = "";

    public int BaudRate { get; set; } = 115200;

    /// <summary>None, Even or Odd.</summary>
    public string Parity { get; set; } = "None";

    public int DataBits { get; set; } = 8;

    public int StopBits { get; set; } = 1;

    /// <summary>Json or KeyValue.</summary>
    public string Format { get; set; } = nameof(SerialLineFormat.Json);

    /// <summary>Longer lines are dropped and counted; reading resumes at the next line end.</summary>
    public int MaxLineLength { get; set; } = 1024;

    /// <summary>
    /// Maps keys on the line to tags of <see cref="Asset"/>. When empty, every key is taken as a tag name of the
    /// asset and keys that are not are counted as unknown.
    /// </summary>
    public List<SerialTagOptions> Tags { get; set; } = [];

    /// <summary>
    /// Use the line's "ts" (unix ms, JSON format only) as the reading time. Off by default: a sensor without a
    /// clock source sends uptime or garbage, so the gateway stamps the time the line arrived.
    /// </summary>
    public bool UseDeviceTimestamp { get; set; }

    /// <summary>How long to wait before reopening a port that is missing or was unplugged.</summary>
    public BackoffOptions Reopen { get; set; } = BackoffOptions.Create(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(30));

    /// <summary>Every problem, each naming its key under <paramref name="key"/> (e.g. "Devices:Serial:0"); <paramref name="resolveTag"/> null skips the tag check.</summary>
    public IEnumerable<string> Validate(string key, Func<string, string, int?>? resolveTag = null) =>
        SerialSensorValidation.Validate(this, key, resolveTag);
}

/// <summary>One key of a serial sensor's lines ("Devices:Serial:N:Tags:M").</summary>
public sealed class SerialTagOptions
{
    /// <summary>The key as it appears on the line.</summary>
    public string Key { get; set; } = "";

    /// <summary>Tag name in the asset; defaults to <see cref="Key"/>.</summary>
    public string? Tag { get; set; }

    /// <summary>Reported value = value * Scale + Offset.</summary>
    public double Scale { get; set; } = 1;

    public double Offset { get; set; }
}
