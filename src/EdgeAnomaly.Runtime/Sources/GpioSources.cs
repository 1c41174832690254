using EdgeAnomaly.Devices.Gpio;

namespace EdgeAnomaly.Runtime.Sources;

/// <summary>GPIO inputs as health entries: "degraded" while an input cannot be read, debounced changes as requests.</summary>
public sealed class GpioSourceStatus(GpioInputReader reader) : ILocalSourceStatus
{
    public void Collect(List<LocalDeviceHealth> into)
    {
        foreach (var s in reader.GetStatus())
        {
            into.Add(new LocalDeviceHealth(s.Name, LocalSourceKind.Gpio, FormattableString.Invariant($"pin {s.Pin}"), !s.Enabled, s.Changes, 0, s.ReadErrors));
        }
    }
}
