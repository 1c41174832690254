using EdgeAnomaly.Devices.Serial;

namespace EdgeAnomaly.Runtime.Sources;

/// <summary>Serial-line sensors as health entries: "degraded" while the port is not open, lines as requests.</summary>
public sealed class SerialSourceStatus(IReadOnlyList<SerialSensorReader> readers) : ILocalSourceStatus
{
    public void Collect(List<LocalDeviceHealth> into)
    {
        foreach (var reader in readers)
        {
            var s = reader.GetStatus();
            var c = s.Counters;
            into.Add(new LocalDeviceHealth(s.Name, LocalSourceKind.Serial, s.Port, !s.Open, c.Lines, 0,
                c.MalformedLines + c.OverlongLines + c.PartialLines + c.UnknownKeys));
        }
    }
}
