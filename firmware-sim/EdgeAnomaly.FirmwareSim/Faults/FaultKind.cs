namespace EdgeAnomaly.FirmwareSim.Faults;

/// <summary>What an injected fault does to a tag (or, for a whole-node dropout, to a node).</summary>
public enum FaultKind
{
    /// <summary>One sample displaced by magnitude * sigma.</summary>
    Spike,

    /// <summary>Offset growing linearly from 0 to magnitude * sigma over the duration, gone afterwards.</summary>
    Drift,

    /// <summary>The sensor repeats the last value it had before the fault.</summary>
    Stuck,

    /// <summary>No readings: for one tag, or (tag "*") the whole node goes silent.</summary>
    Dropout,

    /// <summary>Level shifted by magnitude * sigma for the duration.</summary>
    Step,
}

public static class FaultKinds
{
    public static string ToWire(this FaultKind kind) => kind switch
    {
        FaultKind.Spike => "spike",
        FaultKind.Drift => "drift",
        FaultKind.Stuck => "stuck",
        FaultKind.Dropout => "dropout",
        FaultKind.Step => "step",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
    };

    public static bool TryParse(string? wire, out FaultKind kind)
    {
        switch (wire)
        {
            case "spike": kind = FaultKind.Spike; return true;
            case "drift": kind = FaultKind.Drift; return true;
            case "stuck": kind = FaultKind.Stuck; return true;
            case "dropout": kind = FaultKind.Dropout; return true;
            case "step": kind = FaultKind.Step; return true;
            default: kind = default; return false;
        }
    }
}
