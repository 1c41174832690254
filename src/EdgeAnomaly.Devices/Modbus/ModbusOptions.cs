namespace EdgeAnomaly.Devices.Modbus;

/// <summary>
/// One Modbus slave (section "Devices:Modbus:N"): how to reach it, how to poll it and its register map. Exactly
/// one of <see cref="Tcp"/>, <see cref="Rtu"/> and <see cref="RtuOverTcp"/> is set.
/// </summary>
public sealed class ModbusDeviceOptions
{
    /// <summary>Unique device name, used in logs, status and as the readings' source ("modbus:NAME").</summary>
    public string Name { get; set; } = "";

    /// <summary>The asset (section "Assets") whose tags this device's tags are.</summary>
    public string Asset { get; set; } = "";

    /// <summary>Modbus TCP endpoint "host:port" (port defaults to 502).</summary>
    public string? Tcp { get; set; }

    /// <summary>Modbus RTU on a serial port; devices on the same port share the bus and must agree on its settings.</summary>
    public RtuOptions? Rtu { get; set; }

    /// <summary>RTU frames over a TCP socket "host:port" (serial device servers in transparent mode).</summary>
    public string? RtuOverTcp { get; set; }

    /// <summary>Unit id (slave address): 1..247 on serial lines, 0..255 over TCP.</summary>
    public int UnitId { get; set; } = 1;

    /// <summary>Default byte order of multi-register values: ABCD, CDAB, BADC or DCBA.</summary>
    public string ByteOrder { get; set; } = "ABCD";

    /// <summary>0: tag addresses are protocol addresses; 1: they are one-based as in many device manuals.</summary>
    public int AddressBase { get; set; }

    /// <summary>How long one transaction may take. Devices sharing a link share the largest of their timeouts.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Extra attempts for a request that timed out or came back corrupt, within the same cycle.</summary>
    public int Retries { get; set; } = 2;

    /// <summary>Unmapped registers a request may read across to join two tags (0 = only adjacent registers).</summary>
    public int MaxRegisterGap { get; set; } = 10;

    /// <summary>Unmapped coils / discrete inputs a request may read across to join two tags.</summary>
    public int MaxBitGap { get; set; } = 64;

    /// <summary>Registers per read request (some devices accept fewer than the protocol's 125).</summary>
    public int MaxRegistersPerRequest { get; set; } = 125;

    /// <summary>Coils / discrete inputs per read request (protocol limit 2000).</summary>
    public int MaxBitsPerRequest { get; set; } = 2000;

    /// <summary>Consecutive failed cycles (no answer to any request of the cycle) before the device is degraded.</summary>
    public int FailuresBeforeDegraded { get; set; } = 3;

    /// <summary>How often a degraded device is tried again (instead of every cycle).</summary>
    public BackoffOptions DegradedRetry { get; set; } = new();

    public List<ModbusTagOptions> Tags { get; set; } = [];

    /// <summary>
    /// Every problem of this device and its tags, each naming its key under <paramref name="key"/> (e.g.
    /// "Devices:Modbus:2"). <paramref name="pollGroups"/>: the declared groups (see
    /// <see cref="DevicesOptions.PollGroupIntervals"/>); <paramref name="resolveTag"/>: null skips the tag check.
    /// Cross-device checks (names, shared ports) are <see cref="DevicesOptions.Validate"/>'s.
    /// </summary>
    public IReadOnlyList<string> Validate(string key, IReadOnlyDictionary<string, TimeSpan> pollGroups, Func<string, string, int?>? resolveTag = null)
    {
        var errors = new List<string>();
        ModbusMapCompiler.Compile(this, key, pollGroups, resolveTag, errors);
        return errors;
    }
}

/// <summary>Serial line settings of an RTU device ("Devices:Modbus:N:Rtu").</summary>
public sealed class RtuOptions
{
    /// <summary>Serial device, e.g. /dev/ttyUSB0 or /dev/serial/by-id/... .</summary>
    public string Port { get; set; } = "";

    public int BaudRate { get; set; } = 19200;

    /// <summary>None, Even or Odd. Even is the Modbus serial-line default; many devices ship with None.</summary>
    public string Parity { get; set; } = "Even";

    /// <summary>1 or 2.</summary>
    public int StopBits { get; set; } = 1;

    /// <summary>7 or 8 (RTU is specified with 8).</summary>
    public int DataBits { get; set; } = 8;
}

/// <summary>One tag of a device's register map ("Devices:Modbus:N:Tags:M").</summary>
public sealed class ModbusTagOptions
{
    /// <summary>Tag name within the device's asset.</summary>
    public string Name { get; set; } = "";

    /// <summary>coil, discrete, input or holding; may be omitted when <see cref="Address"/> is a Modicon reference (40001).</summary>
    public string? Table { get; set; }

    /// <summary>
    /// Register or bit address: a number ("17", "0x11") in the device's AddressBase, or with no Table a
    /// Modicon reference ("40001" = holding register 0, "30010" = input register 9).
    /// </summary>
    public string Address { get; set; } = "";

    /// <summary>bool (coil/discrete), int16, uint16 (default on registers), int32, uint32, int64, uint64, float32, float64, bit, string.</summary>
    public string? Type { get; set; }

    /// <summary>For type bit: which bit of the register, 0 = least significant .. 15.</summary>
    public int? Bit { get; set; }

    /// <summary>For type string: number of registers (two characters each).</summary>
    public int? Length { get; set; }

    /// <summary>Overrides the device's byte order for this tag.</summary>
    public string? ByteOrder { get; set; }

    /// <summary>Reported value = raw * Scale + Offset.</summary>
    public double Scale { get; set; } = 1;

    public double Offset { get; set; }

    /// <summary>Engineering unit, for documentation; the asset's tag declaration is authoritative.</summary>
    public string Unit { get; set; } = "";

    /// <summary>Name of a poll group in "Devices:PollGroups" ("default" = 1 s unless declared).</summary>
    public string PollGroup { get; set; } = PollGroupOptions.DefaultName;
}

/// <summary>A poll group ("Devices:PollGroups:N"): tags in it are read every <see cref="Interval"/>.</summary>
public sealed class PollGroupOptions
{
    public const string DefaultName = "default";

    public string Name { get; set; } = "";

    public TimeSpan Interval { get; set; } = TimeSpan.FromSeconds(1);
}

/// <summary>
/// Settings of one shared RTU bus ("Devices:ModbusBuses:N"): <see cref="Port"/> is the serial device of the RTU
/// devices on it, or the "host:port" of RTU-over-TCP devices.
/// </summary>
public sealed class ModbusBusOptions
{
    public string Port { get; set; } = "";

    /// <summary>Silence the master keeps between the end of one frame and the start of the next on this bus.</summary>
    public TimeSpan MinimumFrameGap { get; set; } = DefaultMinimumFrameGap;

    public static readonly TimeSpan DefaultMinimumFrameGap = TimeSpan.FromMilliseconds(20);
}
