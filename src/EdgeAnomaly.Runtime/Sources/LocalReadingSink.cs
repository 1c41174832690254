using EdgeAnomaly.Devices;

namespace EdgeAnomaly.Runtime.Sources;

/// <summary>
/// What the device loops write to: copies each batch into the pipeline's local channel (the producer reuses its
/// buffer once the write completes) and waits while the channel is full. The kind comes from the batch's source
/// ("modbus:NAME", "serial:NAME", "gpio").
/// </summary>
public sealed class LocalReadingSink(LocalReadingChannel channel) : IReadingSink
{
    public ValueTask WriteAsync(ReadingBatch batch, CancellationToken ct) =>
        channel.WriteAsync(KindOf(batch.Source), batch.Readings.Span, ct);

    /// <summary>"serial" / "serial:NAME" and "gpio" / "gpio:NAME"; everything else is a Modbus poll.</summary>
    public static LocalSourceKind KindOf(string source) =>
        IsKind(source, "serial") ? LocalSourceKind.Serial
        : IsKind(source, "gpio") ? LocalSourceKind.Gpio
        : LocalSourceKind.Modbus;

    private static bool IsKind(string source, string kind) =>
        source.StartsWith(kind, StringComparison.Ordinal) && (source.Length == kind.Length || source[kind.Length] == ':');
}
