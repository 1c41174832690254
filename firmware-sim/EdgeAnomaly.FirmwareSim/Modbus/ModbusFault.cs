using System.Globalization;

namespace EdgeAnomaly.FirmwareSim.Modbus;

/// <summary>What an injected fault does to one unit.</summary>
public enum ModbusFaultKind
{
    /// <summary>Answers come magnitude ms late (default 3000, beyond a typical master timeout).</summary>
    Delay,

    /// <summary>RTU: answers with a corrupted CRC. TCP: like <see cref="Corrupt"/>.</summary>
    BadCrc,

    /// <summary>TCP: answers with a wrong transaction id (magnitude 1, default) or a wrong MBAP length (2). RTU: like <see cref="BadCrc"/>.</summary>
    Corrupt,

    /// <summary>Every request gets exception code magnitude (default 4, server device failure).</summary>
    Exception,

    /// <summary>TCP: connections that address the unit are closed (a per-unit listener refuses connections). RTU: silent.</summary>
    Drop,

    /// <summary>Measurements freeze at their last values (heartbeat included); writes still work.</summary>
    Stuck,

    /// <summary>Process fault: current steps up by magnitude A (default 8; the default limit is 20 A).</summary>
    Overcurrent,

    /// <summary>Process fault: pressure steps down by magnitude bar (default 2; the default low limit is 2 bar).</summary>
    PressureDrop,

    /// <summary>Process fault: temperature ramps up linearly to +magnitude degC at the end (default 40; limit 80 degC).</summary>
    Overheat,
}

/// <summary>Which layer a fault acts on; labels carry it so a scorer can tell transport trouble from process trouble.</summary>
public enum ModbusFaultLayer
{
    Transport,
    Values,
    Process,
}

public static class ModbusFaultKinds
{
    public static string ToWire(this ModbusFaultKind kind) => kind switch
    {
        ModbusFaultKind.Delay => "delay",
        ModbusFaultKind.BadCrc => "bad-crc",
        ModbusFaultKind.Corrupt => "corrupt",
        ModbusFaultKind.Exception => "exception",
        ModbusFaultKind.Drop => "drop",
        ModbusFaultKind.Stuck => "stuck",
        ModbusFaultKind.Overcurrent => "overcurrent",
        ModbusFaultKind.PressureDrop => "pressure-drop",
        ModbusFaultKind.Overheat => "overheat",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
    };

    public static bool TryParse(string? wire, out ModbusFaultKind kind)
    {
        foreach (var candidate in Enum.GetValues<ModbusFaultKind>())
        {
            if (string.Equals(candidate.ToWire(), wire, StringComparison.OrdinalIgnoreCase))
            {
                kind = candidate;
                return true;
            }
        }
        kind = default;
        return false;
    }

    public static ModbusFaultLayer Layer(this ModbusFaultKind kind) => kind switch
    {
        ModbusFaultKind.Stuck => ModbusFaultLayer.Values,
        ModbusFaultKind.Overcurrent or ModbusFaultKind.PressureDrop or ModbusFaultKind.Overheat => ModbusFaultLayer.Process,
        _ => ModbusFaultLayer.Transport,
    };

    public static double DefaultMagnitude(this ModbusFaultKind kind) => kind switch
    {
        ModbusFaultKind.Delay => 3000,
        ModbusFaultKind.Exception => (double)ModbusExceptionCode.ServerDeviceFailure,
        ModbusFaultKind.Corrupt => 1,
        ModbusFaultKind.Overcurrent => 8,
        ModbusFaultKind.PressureDrop => 2,
        ModbusFaultKind.Overheat => 40,
        _ => 0,
    };

    /// <summary>The physical quantities (tags of <see cref="PumpRegisterMap"/>) a process fault alters; empty for other layers.</summary>
    public static IReadOnlyList<string> Tags(this ModbusFaultKind kind) => kind switch
    {
        ModbusFaultKind.Overcurrent => ["current.a"],
        ModbusFaultKind.PressureDrop => ["pressure.bar", "pressure_dev.bar"],
        ModbusFaultKind.Overheat => ["temperature.c"],
        _ => [],
    };
}

/// <summary>
/// One fault to inject on one unit: active during [Start, Start + Duration) from the simulation start.
/// <see cref="Unit"/> 0 means every unit of the simulation. <see cref="Magnitude"/> null takes the kind's default.
/// </summary>
public sealed record ModbusFaultSpec(ModbusFaultKind Kind, byte Unit, TimeSpan Start, TimeSpan Duration, double? Magnitude = null)
{
    public const byte AllUnits = 0;

    public double EffectiveMagnitude => Magnitude ?? Kind.DefaultMagnitude();

    public TimeSpan End => Start + Duration;

    /// <summary>Throws naming the problem when the fault cannot be acted out.</summary>
    public void Validate()
    {
        var text = ToString();
        if (Start < TimeSpan.Zero || Duration <= TimeSpan.Zero)
        {
            throw new ArgumentException($"fault {text}: start must be >= 0 s and duration > 0 s");
        }
        if (Unit > 247)
        {
            throw new ArgumentException($"fault {text}: unit must be 1..247 or * (all)");
        }
        var m = EffectiveMagnitude;
        switch (Kind)
        {
            case ModbusFaultKind.Delay when m is <= 0 or > 600_000:
                throw new ArgumentException($"fault {text}: delay magnitude is milliseconds, 1..600000");
            case ModbusFaultKind.Exception when m is < 1 or > 255 || m != Math.Floor(m):
                throw new ArgumentException($"fault {text}: exception magnitude is the exception code, 1..255");
            case ModbusFaultKind.Corrupt when m is not (1 or 2):
                throw new ArgumentException($"fault {text}: corrupt magnitude is 1 (wrong transaction id) or 2 (wrong length)");
            case ModbusFaultKind.Overcurrent or ModbusFaultKind.PressureDrop or ModbusFaultKind.Overheat when !double.IsFinite(m):
                throw new ArgumentException($"fault {text}: magnitude must be a finite number");
        }
    }

    /// <summary>
    /// Parses KIND:UNIT@START+DURATION[:MAGNITUDE], e.g. "overcurrent:1@30+60:8", "delay:2@10+20:3000",
    /// "exception:*@5+5:6". Times are seconds (decimals allowed); UNIT * means every unit.
    /// </summary>
    public static ModbusFaultSpec Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var usage = $"fault '{text}': expected KIND:UNIT@START+DURATION[:MAGNITUDE], e.g. overcurrent:1@30+60:8";
        var colon = text.IndexOf(':', StringComparison.Ordinal);
        var at = text.IndexOf('@', StringComparison.Ordinal);
        if (colon <= 0 || at < colon)
        {
            throw new FormatException(usage);
        }
        var kindText = text[..colon];
        if (!ModbusFaultKinds.TryParse(kindText, out var kind))
        {
            var kinds = string.Join(" | ", Enum.GetValues<ModbusFaultKind>().Select(k => k.ToWire()));
            throw new FormatException($"fault '{text}': unknown kind '{kindText}' ({kinds})");
        }
        var unitText = text[(colon + 1)..at];
        byte unit;
        if (unitText == "*")
        {
            unit = AllUnits;
        }
        else if (!byte.TryParse(unitText, NumberStyles.None, CultureInfo.InvariantCulture, out unit) || unit is < 1 or > 247)
        {
            throw new FormatException($"fault '{text}': unit '{unitText}' must be 1..247 or *");
        }
        var timing = text[(at + 1)..];
        double? magnitude = null;
        var magnitudeColon = timing.IndexOf(':', StringComparison.Ordinal);
        if (magnitudeColon >= 0)
        {
            var magnitudeText = timing[(magnitudeColon + 1)..];
            if (!double.TryParse(magnitudeText, NumberStyles.Float, CultureInfo.InvariantCulture, out var m))
            {
                throw new FormatException($"fault '{text}': magnitude '{magnitudeText}' is not a number");
            }
            magnitude = m;
            timing = timing[..magnitudeColon];
        }
        var plus = timing.IndexOf('+', StringComparison.Ordinal);
        if (plus <= 0
            || !double.TryParse(timing[..plus], NumberStyles.Float, CultureInfo.InvariantCulture, out var start)
            || !double.TryParse(timing[(plus + 1)..], NumberStyles.Float, CultureInfo.InvariantCulture, out var duration))
        {
            throw new FormatException(usage);
        }
        var spec = new ModbusFaultSpec(kind, unit, TimeSpan.FromSeconds(start), TimeSpan.FromSeconds(duration), magnitude);
        try
        {
            spec.Validate();
        }
        catch (ArgumentException ex)
        {
            throw new FormatException(ex.Message, ex);
        }
        return spec;
    }

    public override string ToString()
    {
        var unit = Unit == AllUnits ? "*" : Unit.ToString(CultureInfo.InvariantCulture);
        var s = string.Create(CultureInfo.InvariantCulture, $"{Kind.ToWire()}:{unit}@{Start.TotalSeconds}+{Duration.TotalSeconds}");
        return Magnitude is { } m ? s + ":" + m.ToString(CultureInfo.InvariantCulture) : s;
    }
}
