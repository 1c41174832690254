using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace EdgeAnomaly.TestSupport;

/// <summary>Keeps every formatted log line (level, message, exception) for assertions on what an operator would read.</summary>
public sealed class ListLogger<T> : ILogger<T>
{
    private readonly ConcurrentQueue<string> _lines = new();

    public IReadOnlyCollection<string> Lines => _lines;

    public int Count(Func<string, bool> predicate)
    {
        ArgumentNullException.ThrowIfNull(predicate);
        var n = 0;
        foreach (var line in _lines)
        {
            if (predicate(line)) { n++; }
        }
        return n;
    }

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        ArgumentNullException.ThrowIfNull(formatter);
        _lines.Enqueue($"{logLevel}: {formatter(state, exception)} {exception}");
    }

    public override string ToString() => string.Join("\n", _lines);
}
