using System.Threading.Channels;
using EdgeAnomaly.Core.Readings;

namespace EdgeAnomaly.Runtime.Sources;

/// <summary>
/// The bounded queue from local pollers (Modbus, serial, GPIO) to the pipeline. Full-queue policy: the writer
/// waits (back-pressure — a Modbus poll cycle simply runs late, which its scheduler sees and reports); nothing is
/// dropped while the gateway runs. Each wait is counted (<see cref="LocalSourceCounters.QueueFullWaits"/>); a batch
/// still waiting when the gateway stops is counted as abandoned.
/// </summary>
public sealed class LocalReadingChannel
{
    /// <summary>Batches, not readings: at 100 devices polled per second this is over 10 s of slack.</summary>
    public const int DefaultCapacity = 1024;

    private readonly Channel<LocalReadingBatch> _channel;

    public LocalReadingChannel(LocalSourceCounters counters, int capacity = DefaultCapacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        Counters = counters;
        Capacity = capacity;
        _channel = Channel.CreateBounded<LocalReadingBatch>(new BoundedChannelOptions(capacity)
        {
            FullMode = BoundedChannelFullMode.Wait,
            SingleReader = true,
            SingleWriter = false,
            AllowSynchronousContinuations = false,
        });
    }

    public LocalSourceCounters Counters { get; }

    public int Capacity { get; }

    public ChannelReader<LocalReadingBatch> Reader => _channel.Reader;

    /// <summary>Batches waiting for the pipeline.</summary>
    public int Pending => _channel.Reader.Count;

    /// <summary>Copies the readings and enqueues them; waits while the queue is full.</summary>
    public ValueTask WriteAsync(LocalSourceKind kind, ReadOnlySpan<Reading> readings, CancellationToken ct)
    {
        if (readings.IsEmpty)
        {
            return ValueTask.CompletedTask;
        }
        return WriteAsync(LocalReadingBatch.Copy(kind, readings), ct);
    }

    /// <summary>Enqueues a batch (ownership passes to the channel); waits while the queue is full.</summary>
    public ValueTask WriteAsync(LocalReadingBatch batch, CancellationToken ct)
    {
        if (_channel.Writer.TryWrite(batch))
        {
            return ValueTask.CompletedTask;
        }
        Counters.AddQueueFullWait(batch.Kind);
        return WaitAndWriteAsync(batch, ct);
    }

    private async ValueTask WaitAndWriteAsync(LocalReadingBatch batch, CancellationToken ct)
    {
        try
        {
            await _channel.Writer.WriteAsync(batch, ct).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            Counters.AddAbandoned(batch.Kind);
            batch.Return();
            throw;
        }
    }
}
