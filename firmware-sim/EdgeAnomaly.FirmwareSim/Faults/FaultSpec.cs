namespace EdgeAnomaly.FirmwareSim.Faults;

/// <summary>
/// One fault to inject. <paramref name="Start"/> is an offset from the simulation start; <paramref name="Magnitude"/>
/// is in multiples of the tag's noise sigma (spike, drift, step; ignored for stuck and dropout).
/// <paramref name="Tag"/> = <see cref="WholeNode"/> with <see cref="FaultKind.Dropout"/> silences the asset's whole node.
/// </summary>
public sealed record FaultSpec(string Asset, string Tag, FaultKind Kind, TimeSpan Start, TimeSpan Duration, double Magnitude = 0)
{
    public const string WholeNode = "*";

    public bool IsNodeDropout => Kind == FaultKind.Dropout && Tag == WholeNode;
}
