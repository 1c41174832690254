using EdgeAnomaly.Core.Readings;

namespace EdgeAnomaly.Ingest;

/// <summary>
/// A growable array of readings the pipeline owns and reuses between messages, so decoding does not
/// allocate once it has grown to the largest batch seen. Not thread-safe.
/// </summary>
public sealed class ReadingBuffer
{
    private Reading[] _items;

    public ReadingBuffer(int initialCapacity = 1024)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(initialCapacity, 1);
        _items = new Reading[initialCapacity];
    }

    public int Count { get; private set; }

    public int Capacity => _items.Length;

    public ref readonly Reading this[int index]
    {
        get
        {
            ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual((uint)index, (uint)Count, nameof(index));
            return ref _items[index];
        }
    }

    public ReadOnlySpan<Reading> AsSpan() => _items.AsSpan(0, Count);

    public void Add(in Reading reading)
    {
        if (Count == _items.Length)
        {
            Array.Resize(ref _items, _items.Length * 2);
        }
        _items[Count++] = reading;
    }

    public void Clear() => Count = 0;
}
