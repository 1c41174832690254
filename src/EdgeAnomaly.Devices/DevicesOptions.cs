using EdgeAnomaly.Devices.Gpio;
using EdgeAnomaly.Devices.Modbus;
using EdgeAnomaly.Devices.Serial;

namespace EdgeAnomaly.Devices;

/// <summary>
/// Every field device source of the gateway (configuration section "Devices"): Modbus slaves with their register
/// maps and poll groups, serial-line sensors and GPIO inputs. Bound from JSON; <see cref="Validate"/> names the key
/// of every problem.
/// </summary>
public sealed class DevicesOptions
{
    public const string Section = "Devices";

    /// <summary>Poll groups; "default" (1 s) exists unless declared otherwise.</summary>
    public List<PollGroupOptions> PollGroups { get; set; } = [];

    /// <summary>Per-bus settings of shared RTU lines (minimum frame gap).</summary>
    public List<ModbusBusOptions> ModbusBuses { get; set; } = [];

    public List<ModbusDeviceOptions> Modbus { get; set; } = [];

    public List<SerialSensorOptions> Serial { get; set; } = [];

    public List<GpioInputOptions> Gpio { get; set; } = [];

    /// <summary>Every problem, each naming its key; empty when the options are usable.</summary>
    /// <param name="resolveTag">Tag id of (asset, tag) or null when the tag is not declared; null skips that check.</param>
    /// <param name="section">Path of this section in the configuration, for the messages.</param>
    public IReadOnlyList<string> Validate(Func<string, string, int?>? resolveTag = null, string section = Section)
    {
        var errors = new List<string>();
        CompileModbus(resolveTag, errors, section);
        ValidateSerial(resolveTag, errors, section);
        ValidateGpio(resolveTag, errors, section);
        CheckOneSourcePerTag(errors, section);
        return errors;
    }

    /// <summary>Poll group intervals by name, including the implicit "default".</summary>
    public Dictionary<string, TimeSpan> PollGroupIntervals(List<string>? errors = null, string section = Section)
    {
        var groups = new Dictionary<string, TimeSpan>(StringComparer.Ordinal);
        for (var i = 0; i < PollGroups.Count; i++)
        {
            var key = $"{section}:PollGroups:{i}";
            var g = PollGroups[i];
            if (string.IsNullOrWhiteSpace(g.Name))
            {
                errors?.Add($"{key}:Name is missing");
                continue;
            }
            if (g.Interval < TimeSpan.FromMilliseconds(10) || g.Interval > TimeSpan.FromDays(1))
            {
                errors?.Add($"{key}:Interval must be 00:00:00.010..1.00:00:00 (got {g.Interval})");
            }
            if (!groups.TryAdd(g.Name, g.Interval))
            {
                errors?.Add($"{key}:Name '{g.Name}' is declared twice");
            }
        }
        groups.TryAdd(PollGroupOptions.DefaultName, TimeSpan.FromSeconds(1));
        return groups;
    }

    /// <summary>
    /// Compiles every Modbus device (register map, link, plan). Devices sharing a link get one link spec: the
    /// largest of their timeouts and the bus's minimum frame gap. Returns only devices without errors.
    /// </summary>
    public List<CompiledModbusDevice> CompileModbus(Func<string, string, int?>? resolveTag, List<string> errors, string section = Section)
    {
        var groups = PollGroupIntervals(errors, section);
        var gaps = new Dictionary<string, TimeSpan>(StringComparer.Ordinal);
        var busKeys = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < ModbusBuses.Count; i++)
        {
            var key = $"{section}:ModbusBuses:{i}";
            var bus = ModbusBuses[i];
            if (string.IsNullOrWhiteSpace(bus.Port))
            {
                errors.Add($"{key}:Port is missing (the serial port, or host:port for RTU over TCP)");
                continue;
            }
            if (bus.MinimumFrameGap < TimeSpan.Zero || bus.MinimumFrameGap > TimeSpan.FromSeconds(1))
            {
                errors.Add($"{key}:MinimumFrameGap must be 00:00:00..00:00:01 (got {bus.MinimumFrameGap})");
            }
            if (!gaps.TryAdd(bus.Port.Trim(), bus.MinimumFrameGap))
            {
                errors.Add($"{key}:Port '{bus.Port}' is declared twice");
            }
            busKeys[bus.Port.Trim()] = key;
        }

        var devices = new List<CompiledModbusDevice>();
        var names = new Dictionary<string, int>(StringComparer.Ordinal);
        var firstOnLink = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < Modbus.Count; i++)
        {
            var key = $"{section}:Modbus:{i}";
            var options = Modbus[i];
            if (options is null)
            {
                errors.Add($"{key} is empty");
                continue;
            }
            if (!string.IsNullOrWhiteSpace(options.Name) && !names.TryAdd(options.Name, i))
            {
                errors.Add($"{key}:Name '{options.Name}' is already used by {section}:Modbus:{names[options.Name]}");
            }
            var device = ModbusMapCompiler.Compile(options, key, groups, resolveTag, errors);
            if (device is null)
            {
                continue;
            }
            var link = device.Link;
            if (link.Kind == ModbusLinkKind.Rtu && firstOnLink.TryGetValue(link.Key, out var other))
            {
                var o = Modbus[other].Rtu!;
                var r = options.Rtu!;
                if (o.BaudRate != r.BaudRate || !string.Equals(o.Parity, r.Parity, StringComparison.OrdinalIgnoreCase) ||
                    o.StopBits != r.StopBits || o.DataBits != r.DataBits)
                {
                    errors.Add($"{key}:Rtu settings ({r.BaudRate} {r.Parity} {r.DataBits}/{r.StopBits}) differ from {section}:Modbus:{other} on the same port {link.SerialPort} ({o.BaudRate} {o.Parity} {o.DataBits}/{o.StopBits})");
                    continue;
                }
            }
            firstOnLink.TryAdd(link.Key, i);
            devices.Add(device);
        }

        // one spec per link: the largest timeout of its devices, the bus's frame gap
        var timeouts = new Dictionary<string, TimeSpan>(StringComparer.Ordinal);
        foreach (var d in devices)
        {
            timeouts[d.Link.Key] = timeouts.TryGetValue(d.Link.Key, out var t) && t > d.Link.Timeout ? t : d.Link.Timeout;
        }
        var usedBuses = new HashSet<string>(StringComparer.Ordinal);
        foreach (var d in devices)
        {
            var busName = d.Link.Kind switch
            {
                ModbusLinkKind.Rtu => d.Link.SerialPort,
                ModbusLinkKind.RtuOverTcp => $"{d.Link.Host}:{d.Link.Port}",
                _ => null,
            };
            var gap = d.Link.MinimumFrameGap;
            if (busName is not null && gaps.TryGetValue(busName, out var configured))
            {
                gap = configured;
                usedBuses.Add(busName);
            }
            d.Link = d.Link with { Timeout = timeouts[d.Link.Key], MinimumFrameGap = gap };
        }
        foreach (var (port, key) in busKeys)
        {
            if (!usedBuses.Contains(port) && gaps.ContainsKey(port))
            {
                errors.Add($"{key}:Port '{port}' is not the Rtu:Port or RtuOverTcp endpoint of any Modbus device");
            }
        }
        return devices;
    }

    private void ValidateSerial(Func<string, string, int?>? resolveTag, List<string> errors, string section)
    {
        var names = new Dictionary<string, int>(StringComparer.Ordinal);
        var ports = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var m in Modbus)
        {
            if (m?.Rtu?.Port is { Length: > 0 } p)
            {
                ports.TryAdd(p.Trim(), "a Modbus RTU bus");
            }
        }
        for (var i = 0; i < Serial.Count; i++)
        {
            var key = $"{section}:Serial:{i}";
            var s = Serial[i];
            if (s is null)
            {
                errors.Add($"{key} is empty");
                continue;
            }
            if (!string.IsNullOrWhiteSpace(s.Name) && !names.TryAdd(s.Name, i))
            {
                errors.Add($"{key}:Name '{s.Name}' is already used by {section}:Serial:{names[s.Name]}");
            }
            if (!string.IsNullOrWhiteSpace(s.Port) && !ports.TryAdd(s.Port.Trim(), key))
            {
                errors.Add($"{key}:Port '{s.Port}' is already used by {ports[s.Port.Trim()]}");
            }
            errors.AddRange(SerialSensorValidation.Validate(s, key, resolveTag));
        }
    }

    private void ValidateGpio(Func<string, string, int?>? resolveTag, List<string> errors, string section)
    {
        var names = new Dictionary<string, int>(StringComparer.Ordinal);
        var pins = new Dictionary<(int, int), int>();
        for (var i = 0; i < Gpio.Count; i++)
        {
            var key = $"{section}:Gpio:{i}";
            var g = Gpio[i];
            if (g is null)
            {
                errors.Add($"{key} is empty");
                continue;
            }
            if (!string.IsNullOrWhiteSpace(g.Name) && !names.TryAdd(g.Name, i))
            {
                errors.Add($"{key}:Name '{g.Name}' is already used by {section}:Gpio:{names[g.Name]}");
            }
            if (!pins.TryAdd((g.Chip, g.Pin), i))
            {
                errors.Add($"{key}:Pin {g.Pin} on chip {g.Chip} is already read by {section}:Gpio:{pins[(g.Chip, g.Pin)]}");
            }
            errors.AddRange(GpioInputValidation.Validate(g, key, resolveTag));
        }
    }

    /// <summary>Two sources writing one tag would interleave unrelated values; each (asset, tag) has one source.</summary>
    private void CheckOneSourcePerTag(List<string> errors, string section)
    {
        var owners = new Dictionary<(string, string), string>();
        void Claim(string asset, string tag, string key)
        {
            if (string.IsNullOrWhiteSpace(asset) || string.IsNullOrWhiteSpace(tag))
            {
                return;
            }
            if (!owners.TryAdd((asset, tag), key))
            {
                errors.Add($"{key} reads '{asset}/{tag}', which {owners[(asset, tag)]} already reads: a tag has one source");
            }
        }
        for (var i = 0; i < Modbus.Count; i++)
        {
            var d = Modbus[i];
            for (var j = 0; d is not null && j < d.Tags.Count; j++)
            {
                if (d.Tags[j] is { } t)
                {
                    Claim(d.Asset, t.Name, $"{section}:Modbus:{i}:Tags:{j}");
                }
            }
        }
        for (var i = 0; i < Serial.Count; i++)
        {
            var s = Serial[i];
            for (var j = 0; s is not null && j < s.Tags.Count; j++)
            {
                if (s.Tags[j] is { } t)
                {
                    Claim(s.Asset, SerialSensorValidation.TagOf(t), $"{section}:Serial:{i}:Tags:{j}");
                }
            }
        }
        for (var i = 0; i < Gpio.Count; i++)
        {
            if (Gpio[i] is { } g)
            {
                Claim(g.Asset, g.ResolvedTag(), $"{section}:Gpio:{i}");
            }
        }
    }

    /// <summary>
    /// Every (asset, tag, unit) the device sections read, so the gateway wiring can declare tags that the Assets
    /// section does not list yet (serial sensors without a Tags mapping are not included: their keys are
    /// only known at run time).
    /// </summary>
    public IEnumerable<(string Asset, string Tag, string Unit)> DeclaredTags()
    {
        foreach (var d in Modbus)
        {
            foreach (var t in d.Tags)
            {
                yield return (d.Asset, t.Name, t.Unit ?? "");
            }
        }
        foreach (var s in Serial)
        {
            foreach (var t in s.Tags)
            {
                yield return (s.Asset, SerialSensorValidation.TagOf(t), "");
            }
        }
        foreach (var g in Gpio)
        {
            yield return (g.Asset, g.ResolvedTag(), "");
        }
    }
}
