using System.Buffers;
using EdgeAnomaly.Core.Readings;

namespace EdgeAnomaly.Runtime.Sources;

/// <summary>Where a local reading came from; each kind has its own counters in health.</summary>
public enum LocalSourceKind : byte
{
    Modbus = 0,
    Serial = 1,
    Gpio = 2,
}

public static class LocalSourceKinds
{
    public const int Count = 3;

    public static string ToWire(this LocalSourceKind kind) => kind switch
    {
        LocalSourceKind.Modbus => "modbus",
        LocalSourceKind.Serial => "serial",
        LocalSourceKind.Gpio => "gpio",
        _ => "unknown",
    };
}

/// <summary>
/// Readings of one poll (one Modbus request group, one serial line, one GPIO edge) on their way to the pipeline.
/// The readings sit in an array rented from <see cref="ArrayPool{T}.Shared"/>; the pipeline returns it after
/// processing (<see cref="Return"/>), so a steady poll cycle allocates nothing per batch.
/// Tag ids are already resolved against the gateway's <see cref="Core.Tags.TagRegistry"/>.
/// </summary>
public readonly struct LocalReadingBatch
{
    private LocalReadingBatch(LocalSourceKind kind, Reading[] buffer, int count)
    {
        Kind = kind;
        Buffer = buffer;
        Count = count;
    }

    public LocalSourceKind Kind { get; }

    /// <summary>Rented; only the first <see cref="Count"/> entries are readings.</summary>
    public Reading[] Buffer { get; }

    public int Count { get; }

    /// <summary>The readings; the pipeline may rewrite them in place (quality of non-finite values).</summary>
    public Span<Reading> Readings => Buffer.AsSpan(0, Count);

    /// <summary>Copies <paramref name="readings"/> into a rented array.</summary>
    public static LocalReadingBatch Copy(LocalSourceKind kind, ReadOnlySpan<Reading> readings)
    {
        var buffer = ArrayPool<Reading>.Shared.Rent(Math.Max(1, readings.Length));
        readings.CopyTo(buffer);
        return new LocalReadingBatch(kind, buffer, readings.Length);
    }

    public void Return()
    {
        if (Buffer is not null)
        {
            ArrayPool<Reading>.Shared.Return(Buffer);
        }
    }
}
