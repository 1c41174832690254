using System.Diagnostics;

namespace EdgeAnomaly.Bench.Modbus;

/// <summary>
/// A pty has no line speed: bytes arrive as soon as they are written. This relay stands between two pty pairs
/// (gateway end ... relay end | relay end ... simulator end) and delivers every byte no earlier than a UART at
/// <c>baud</c> with 11-bit characters would: byte n of a burst arrives (n + 1) character times after the burst
/// started, and a burst written while the previous one is still "on the wire" queues behind it. Delivery is in
/// chunks at about 1 ms granularity (thread sleep), so it is at most ~1 ms late, never early.
/// </summary>
internal sealed class UartWire : IDisposable
{
    private readonly Thread[] _threads;
    private readonly FileStream[] _streams;
    private volatile bool _stopped;

    public UartWire(string endA, string endB, int baud)
    {
        CharacterTime = TimeSpan.FromSeconds(11.0 / baud);
        var readA = Open(endA, FileAccess.Read);
        var writeA = Open(endA, FileAccess.Write);
        var readB = Open(endB, FileAccess.Read);
        var writeB = Open(endB, FileAccess.Write);
        _streams = [readA, writeA, readB, writeB];
        _threads =
        [
            new Thread(() => Pump(readA, writeB)) { IsBackground = true, Name = "uart a->b" },
            new Thread(() => Pump(readB, writeA)) { IsBackground = true, Name = "uart b->a" },
        ];
        foreach (var t in _threads)
        {
            t.Start();
        }
    }

    public TimeSpan CharacterTime { get; }

    public long BytesRelayed => Interlocked.Read(ref _bytes);

    private long _bytes;

    private static FileStream Open(string path, FileAccess access) =>
        new(path, FileMode.Open, access, FileShare.ReadWrite, bufferSize: 0);

    private void Pump(FileStream from, FileStream to)
    {
        var buffer = new byte[4096];
        var charTicks = (long)(CharacterTime.TotalSeconds * Stopwatch.Frequency);
        long wireFreeAt = 0;
        try
        {
            while (!_stopped)
            {
                var n = from.Read(buffer, 0, buffer.Length);
                if (n <= 0)
                {
                    return;
                }
                var start = Math.Max(Stopwatch.GetTimestamp(), wireFreeAt);
                var sent = 0;
                while (sent < n)
                {
                    var now = Stopwatch.GetTimestamp();
                    var due = (int)Math.Min(n, (now - start) / charTicks);
                    if (due > sent)
                    {
                        to.Write(buffer, sent, due - sent);
                        sent = due;
                        continue;
                    }
                    var nextDue = start + ((sent + 1) * charTicks);
                    var waitMs = (nextDue - now) * 1000.0 / Stopwatch.Frequency;
                    if (waitMs >= 1)
                    {
                        Thread.Sleep(1);
                    }
                    else
                    {
                        Thread.SpinWait(50);
                    }
                }
                wireFreeAt = start + (n * charTicks);
                Interlocked.Add(ref _bytes, n);
            }
        }
        catch (IOException)
        {
            // a pty closed: the benchmark is over
        }
        catch (ObjectDisposedException)
        {
        }
    }

    public void Dispose()
    {
        _stopped = true;
        foreach (var s in _streams)
        {
            s.Dispose();
        }
    }
}
