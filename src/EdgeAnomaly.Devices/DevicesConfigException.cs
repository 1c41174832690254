namespace EdgeAnomaly.Devices;

/// <summary>The device options did not validate; every message names its key.</summary>
public sealed class DevicesConfigException(IReadOnlyList<string> errors)
    : ArgumentException("invalid device configuration: " + string.Join("; ", errors))
{
    public IReadOnlyList<string> Errors { get; } = errors;
}
