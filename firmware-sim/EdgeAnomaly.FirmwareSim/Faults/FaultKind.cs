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

    /// <summary>
    /// A multivariate fault: the tag stops following the asset's load as it should and responds as if the load
    /// were (1 - magnitude) of the real one (magnitude is a fraction here, not sigmas) — e.g. flow sagging at full
    /// current as an impeller clogs. Every value stays inside the tag's normal range (the tag visits it while
    /// ramping), so static limits do not see it; only the broken relation between tags does.
    /// </summary>
    Decouple,
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
        FaultKind.Decouple => "decouple",
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
            case "decouple": kind = FaultKind.Decouple; return true;
            default: kind = default; return false;
        }
    }
}
