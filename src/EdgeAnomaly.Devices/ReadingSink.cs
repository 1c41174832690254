using EdgeAnomaly.Core.Readings;

namespace EdgeAnomaly.Devices;

/// <summary>
/// The readings of one poll (a Modbus poll group of one device, one serial line, one GPIO change).
/// <see cref="Readings"/> is a buffer the producer reuses as soon as <see cref="IReadingSink.WriteAsync"/>
/// completes: a sink that keeps readings must copy them.
/// </summary>
public readonly record struct ReadingBatch(string Source, ReadOnlyMemory<Reading> Readings);

/// <summary>
/// Where device readings go (the gateway wiring writes them into the pipeline's bounded input). Called
/// concurrently from the loops of different links and readers, so implementations must be thread-safe;
/// awaiting back-pressures the poller that produced the batch.
/// </summary>
public interface IReadingSink
{
    ValueTask WriteAsync(ReadingBatch batch, CancellationToken ct);
}
