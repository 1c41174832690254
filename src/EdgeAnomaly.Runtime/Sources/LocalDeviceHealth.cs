namespace EdgeAnomaly.Runtime.Sources;

/// <summary>
/// One local device or port as health reports it. <paramref name="Errors"/> counts every failed transaction other
/// than a timeout (exception responses, bad frames, transport errors; for serial: unparsable lines).
/// </summary>
public sealed record LocalDeviceHealth(
    string Name,
    LocalSourceKind Kind,
    string Link,
    bool Degraded,
    long Requests,
    long Timeouts,
    long Errors);

/// <summary>Something that can report the state of its devices for health (the Modbus scheduler, serial readers).</summary>
public interface ILocalSourceStatus
{
    /// <summary>Appends one entry per device; called from the health thread.</summary>
    void Collect(List<LocalDeviceHealth> into);
}
