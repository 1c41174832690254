using EdgeAnomaly.Detectors;
using EdgeAnomaly.Devices;
using EdgeAnomaly.Runtime.Alarm;
using EdgeAnomaly.Runtime.Models;
using EdgeAnomaly.Ingest;
using EdgeAnomaly.Storage;
using EdgeAnomaly.Uplink;

namespace EdgeAnomaly.Runtime.Configuration;

/// <summary>
/// The whole configuration file (configs/edgeanomaly.json), one typed section per component.
/// Reference with defaults: docs/configuration.md.
/// </summary>
public sealed class GatewayConfig
{
    public GatewaySection Gateway { get; set; } = new();

    /// <summary>The broker the ESP32 nodes publish to (usually mosquitto on the gateway itself).</summary>
    public MqttIngestOptions LocalBroker { get; set; } = new();

    public IngestOptions Ingest { get; set; } = new();

    /// <summary>The central broker events, health and state are sent to.</summary>
    public UplinkOptions Central { get; set; } = new();

    public StoreOptions Store { get; set; } = new();

    public RulesSection Rules { get; set; } = new();

    public StatisticsOptions Statistics { get; set; } = new();

    public DataQualityOptions DataQuality { get; set; } = new();

    public AlarmOptions Alarm { get; set; } = new();

    public List<AssetConfig> Assets { get; set; } = [];

    /// <summary>
    /// Field devices the gateway polls or reads itself (Modbus TCP/RTU, serial-line sensors, GPIO inputs); their
    /// readings enter the same pipeline as MQTT readings. Every tag a device reads must be declared under
    /// <see cref="Assets"/> (docs/devices.md).
    /// </summary>
    public DevicesOptions Devices { get; set; } = new();

    /// <summary>On-gateway anomaly models per asset: bundles, self-training, scoring options (docs/configuration.md, "Models").</summary>
    public ModelsSection Models { get; set; } = new();
}

public sealed class GatewaySection
{
    /// <summary>Unique gateway id; part of topics and event ids. [A-Za-z0-9_-], 1..64 characters.</summary>
    public string Id { get; set; } = "gateway-01";

    /// <summary>State folder (database); systemd's StateDirectory sets /var/lib/edgeanomaly.</summary>
    public string DataDir { get; set; } = "data";
}

public sealed class RulesSection
{
    /// <summary>Rules file (YAML), relative to the config file's folder. Empty: no rules.</summary>
    public string Path { get; set; } = "rules.yaml";

    /// <summary>An open event whose cause is not re-confirmed this long after a restart or reload is closed.</summary>
    public TimeSpan OrphanGrace { get; set; } = TimeSpan.FromSeconds(60);
}

public sealed class AssetConfig
{
    public string Name { get; set; } = "";

    public string Type { get; set; } = "";

    public List<TagConfig> Tags { get; set; } = [];
}

public sealed class TagConfig
{
    public string Name { get; set; } = "";

    public string Unit { get; set; } = "";

    /// <summary>Expected seconds between readings (drives the dropout check); 0 = no expectation.</summary>
    public double IntervalSeconds { get; set; }

    /// <summary>Statistical sensitivity multiplier: 2 is twice as sensitive, 0.5 half.</summary>
    public double Sensitivity { get; set; } = 1;

    /// <summary>Turns the statistical detectors off for this tag (a setpoint, a counter).</summary>
    public bool Statistics { get; set; } = true;

    /// <summary>Robust z for this tag: true / false override Statistics:RobustZ:Enabled (off by default); null follows it.</summary>
    public bool? RobustZ { get; set; }

    /// <summary>IQR fences for this tag: true / false override Statistics:Iqr:Enabled (off by default); null follows it.</summary>
    public bool? Iqr { get; set; }

    /// <summary>Turns every data-quality check (dropout, rate, flatline, spike) off for this tag.</summary>
    public bool DataQuality { get; set; } = true;

    /// <summary>Turns the flatline check off: the tag is legitimately constant (a setpoint, a mode, a status word).</summary>
    public bool Flatline { get; set; } = true;

    /// <summary>Turns the spike check off: the tag legitimately jumps (a counter, a word of a wider register).</summary>
    public bool Spike { get; set; } = true;
}
