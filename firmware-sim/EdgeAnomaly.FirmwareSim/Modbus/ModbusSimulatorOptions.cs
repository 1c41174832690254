namespace EdgeAnomaly.FirmwareSim.Modbus;

/// <summary>What one simulator process simulates: the units (each a pump), their signals and the faults.</summary>
public sealed class ModbusSimulatorOptions
{
    /// <summary>Unit ids served (1..247), each a pump with the map of <see cref="PumpRegisterMap"/>.</summary>
    public IReadOnlyList<byte> Units { get; init; } = [1];

    public long Seed { get; init; } = 1;

    /// <summary>Values constant (<see cref="PumpReadings.Frozen"/>) so tests compare exactly; process faults still apply.</summary>
    public bool Freeze { get; init; }

    public PumpDuty Duty { get; init; } = PumpDuty.Continuous;

    /// <summary>Simulated time step of the model; values change at most this often.</summary>
    public int TickMs { get; init; } = 100;

    /// <summary>Faults scheduled from the simulation start.</summary>
    public IReadOnlyList<ModbusFaultSpec> Faults { get; init; } = [];

    /// <summary>Throws naming the bad setting.</summary>
    public void Validate()
    {
        if (Units.Count == 0)
        {
            throw new ArgumentException("units: at least one unit id is needed");
        }
        var seen = new HashSet<byte>();
        foreach (var unit in Units)
        {
            if (unit is < 1 or > 247)
            {
                throw new ArgumentException($"units: unit id {unit} is outside 1..247");
            }
            if (!seen.Add(unit))
            {
                throw new ArgumentException($"units: unit id {unit} appears twice");
            }
        }
        if (TickMs is < 10 or > 10_000)
        {
            throw new ArgumentException($"tick: {TickMs} ms is outside 10..10000");
        }
        foreach (var fault in Faults)
        {
            fault.Validate();
            if (fault.Unit != ModbusFaultSpec.AllUnits && !seen.Contains(fault.Unit))
            {
                throw new ArgumentException($"fault {fault}: unit {fault.Unit} is not simulated (units: {string.Join(',', Units)})");
            }
        }
    }

    /// <summary>Parses "1,2,3", "1-10" or a mix ("1-3,10"); order kept, duplicates rejected by <see cref="Validate"/>.</summary>
    public static IReadOnlyList<byte> ParseUnits(string text)
    {
        var units = new List<byte>();
        foreach (var part in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var dash = part.IndexOf('-', StringComparison.Ordinal);
            if (dash > 0)
            {
                var first = ParseUnit(part[..dash], text);
                var last = ParseUnit(part[(dash + 1)..], text);
                if (last < first)
                {
                    throw new FormatException($"units '{text}': range {part} runs backwards");
                }
                for (var u = first; u <= last; u++)
                {
                    units.Add((byte)u);
                }
            }
            else
            {
                units.Add((byte)ParseUnit(part, text));
            }
        }
        if (units.Count == 0)
        {
            throw new FormatException($"units '{text}': no unit id");
        }
        return units;
    }

    private static int ParseUnit(string part, string text) =>
        int.TryParse(part, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var u) && u is >= 1 and <= 247
            ? u
            : throw new FormatException($"units '{text}': '{part}' is not a unit id 1..247");
}
