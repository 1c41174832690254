using EdgeAnomaly.FirmwareSim.BadInput;
using EdgeAnomaly.FirmwareSim.Contract;

namespace EdgeAnomaly.FirmwareSim.Generation;

/// <summary>Options of the pure generator. Defaults: seed 1, batches of up to 10 readings flushed at least every simulated second.</summary>
public sealed record SimulatorOptions
{
    /// <summary>Simulated unix time of the first tick (ms). Rounded down to a tick.</summary>
    public required long StartMs { get; init; }

    public long Seed { get; init; } = 1;

    /// <summary>Readings per message, 1..1000. 1 sends the single-reading payload form.</summary>
    public int BatchSize { get; init; } = 10;

    /// <summary>A node sends a partial batch once its oldest buffered reading is this old (simulated ms).</summary>
    public int BatchWindowMs { get; init; } = 1000;

    /// <summary>Share (0..1) of good messages followed by one bad message; 0 disables bad input.</summary>
    public double BadInputShare { get; init; }

    /// <summary>Kinds of bad input to draw from (uniformly).</summary>
    public IReadOnlyList<BadInputKind> BadInputKinds { get; init; } = BadInput.BadInputKinds.All;

    /// <summary>How far ahead a <see cref="BadInputKind.FutureTimestamp"/> reading is dated; must beat any clock lead of the run.</summary>
    public TimeSpan FutureOffset { get; init; } = TimeSpan.FromDays(2);

    /// <summary>A node coming back from a whole-node dropout has rebooted: its seq starts again at 1.</summary>
    public bool RebootAfterNodeDropout { get; init; }

    public void Validate()
    {
        if (BatchSize is < 1 or > MqttContract.MaxReadingsPerMessage)
        {
            throw new ArgumentOutOfRangeException(nameof(BatchSize), BatchSize, $"batch size must be 1..{MqttContract.MaxReadingsPerMessage}");
        }
        if (BatchWindowMs < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(BatchWindowMs), BatchWindowMs, "batch window must be >= 0");
        }
        if (BadInputShare is < 0 or > 1 || double.IsNaN(BadInputShare))
        {
            throw new ArgumentOutOfRangeException(nameof(BadInputShare), BadInputShare, "bad input share must be 0..1");
        }
        if (BadInputShare > 0 && BadInputKinds.Count == 0)
        {
            throw new ArgumentException("bad input share > 0 needs at least one bad input kind", nameof(BadInputKinds));
        }
    }
}
