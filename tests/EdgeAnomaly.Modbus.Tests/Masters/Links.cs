using Microsoft.Extensions.Time.Testing;

namespace EdgeAnomaly.Modbus.Tests.Masters;

/// <summary>Opens a fresh scripted stream each time the master (re)opens its link, wired to a shared slave.</summary>
internal sealed class Links
{
    private readonly Func<ScriptedStream, Func<byte[], byte[]?>> _responder;

    public Links(Func<ScriptedStream, Func<byte[], byte[]?>> responder) => _responder = responder;

    public List<ScriptedStream> Opened { get; } = [];

    public ScriptedStream Current => Opened[^1];

    /// <summary>When set, opening fails with this exception (a refused connection, a missing port).</summary>
    public Exception? OpenFailure { get; set; }

    public ValueTask<Stream> OpenAsync(CancellationToken ct)
    {
        if (OpenFailure is { } e)
        {
            return ValueTask.FromException<Stream>(e);
        }
        var stream = new ScriptedStream();
        stream.Respond = _responder(stream);
        lock (Opened)
        {
            Opened.Add(stream);
        }
        return ValueTask.FromResult<Stream>(stream);
    }

    public static ModbusLinkOptions Options(int timeoutMs = 5000, int gapMs = 0) => new()
    {
        Timeout = TimeSpan.FromMilliseconds(timeoutMs),
        MinimumFrameGap = TimeSpan.FromMilliseconds(gapMs),
        BroadcastTurnaround = TimeSpan.FromMilliseconds(100),
    };
}

internal static class FakeTime
{
    /// <summary>
    /// Completes <paramref name="task"/> by moving fake time forward in small steps while it runs (the master's
    /// waits are on the fake clock; the scripted peer answers in real time, at once).
    /// </summary>
    public static async Task<T> Drive<T>(this FakeTimeProvider time, Task<T> task, int stepMs = 1)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!task.IsCompleted)
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException("the master did not finish within 30 s of real time");
            }
            time.Advance(TimeSpan.FromMilliseconds(stepMs));
            await Task.Delay(1);
        }
        return await task;
    }

    public static async Task Drive(this FakeTimeProvider time, Task task, int stepMs = 1) =>
        await time.Drive(Wrap(task), stepMs);

    private static async Task<bool> Wrap(Task task)
    {
        await task;
        return true;
    }

    /// <summary>Waits in real time (30 s at most) until the condition holds.</summary>
    public static async Task Until(Func<bool> condition, string because)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException(because);
            }
            await Task.Delay(2);
        }
    }
}
