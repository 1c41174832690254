using System.Text;
using EdgeAnomaly.Devices.Serial;
using EdgeAnomaly.Devices.Tests.Modbus;
using EdgeAnomaly.TestSupport;
using Microsoft.Extensions.Logging.Abstractions;

namespace EdgeAnomaly.Devices.Tests.Serial;

/// <summary>The reader on a real serial line: one end of a socat pty pair, the test writing into the other.</summary>
public sealed class SerialSensorReaderTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    private static int? Resolve(string asset, string tag) => asset == "node" ? tag switch { "temp" => 7, "hum" => 8, _ => null } : null;

    private static SerialSensorOptions Options(string port, string format) => new()
    {
        Name = "esp",
        Asset = "node",
        Port = port,
        Format = format,
        MaxLineLength = 64,
        Reopen = BackoffOptions.Create(TimeSpan.FromMilliseconds(100), TimeSpan.FromMilliseconds(400)),
    };

    /// <summary>Writes the line (again and again, in case the reader has not opened the port yet) until the condition holds.</summary>
    private static async Task WriteUntil(SocatPty pty, string line, Func<bool> condition, string because)
    {
        var deadline = DateTime.UtcNow + Deadline;
        await using var peer = pty.OpenDeviceEnd();
        var bytes = Encoding.ASCII.GetBytes(line);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"not within {Deadline}: {because}");
            }
            await peer.WriteAsync(bytes);
            await peer.FlushAsync();
            await Task.Delay(100);
        }
    }

    [Fact]
    public async Task Reader_ReadsLines_ResyncsAfterGarbage_AndResumesAfterUnplugReplug()
    {
        await using var pty = await SocatPty.StartAsync();
        var sink = new RecordingSink();
        var reader = new SerialSensorReader(Options(pty.HostEnd, "KeyValue"), Resolve, sink, TimeProvider.System, NullLogger.Instance);
        using var cts = new CancellationTokenSource();
        var run = Task.Run(() => reader.RunAsync(cts.Token));
        try
        {
            await WriteUntil(pty, "temp=21.5,hum=40\n", () => sink.ReadingsOf("serial:esp").Any(r => r.TagId == 8 && r.Value == 40),
                "the first line arrives as readings");
            Assert.True(reader.GetStatus().Open);

            // garbage without a line end longer than the maximum, a cut line, then good lines again
            await using (var peer = pty.OpenDeviceEnd())
            {
                await peer.WriteAsync(Encoding.ASCII.GetBytes(new string('#', 200)));
                await peer.WriteAsync("\n1.5,hum=41\n\u0001\u0002\n"u8.ToArray());
                await peer.FlushAsync();
            }
            await WriteUntil(pty, "temp=22\r\n", () => sink.ReadingsOf("serial:esp").Any(r => r.TagId == 7 && r.Value == 22),
                "reading resumes at the next line");
            Assert.True(reader.Counters.OverlongLines >= 1);
            Assert.True(reader.Counters.MalformedLines >= 2);
            Assert.DoesNotContain(sink.ReadingsOf("serial:esp"), r => r.Value == 41);

            // unplug: socat dies, its ptys vanish; the reader notices and retries on backoff
            await pty.KillAsync();
            await Eventually.True(() => !reader.GetStatus().Open && reader.Counters.PortErrors >= 2, Deadline,
                "the reader notices the unplug and keeps retrying");

            // replug on the same path
            await pty.RestartAsync();
            await WriteUntil(pty, "{\"temp\":1}\ntemp=23\n", () => sink.ReadingsOf("serial:esp").Any(r => r.TagId == 7 && r.Value == 23),
                "reading resumes after the port comes back");
            Assert.True(reader.Counters.Opens >= 2);
            Assert.All(sink.ReadingsOf("serial:esp"), r => Assert.Equal(Core.Readings.ReadingQuality.Good, r.Quality));
        }
        finally
        {
            cts.Cancel();
            await run.WaitAsync(Deadline);
        }
        Assert.True(run.IsCompletedSuccessfully);
    }

    [Fact]
    public async Task Reader_MissingPort_RetriesWithoutThrowing_AndStopsWhenCancelled()
    {
        using var dir = new TempDirectory();
        var reader = new SerialSensorReader(Options(dir.File("ttyNOPE"), "Json"), Resolve, new RecordingSink(), TimeProvider.System, NullLogger.Instance);
        using var cts = new CancellationTokenSource();
        var run = Task.Run(() => reader.RunAsync(cts.Token));
        await Eventually.True(() => reader.Counters.PortErrors >= 3, Deadline, "open failures are counted and retried");
        cts.Cancel();
        await run.WaitAsync(Deadline);
        Assert.True(run.IsCompletedSuccessfully);
        Assert.Equal(0, reader.Counters.Opens);
    }
}
