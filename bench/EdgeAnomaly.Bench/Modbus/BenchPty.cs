using System.Diagnostics;

namespace EdgeAnomaly.Bench.Modbus;

/// <summary>Two pseudo-terminals joined by socat (raw, no echo): a virtual serial cable. socat is killed at dispose.</summary>
internal sealed class BenchPty : IAsyncDisposable
{
    private readonly Process _socat;
    private readonly string _dir;

    private BenchPty(Process socat, string dir)
    {
        _socat = socat;
        _dir = dir;
    }

    public string EndA => Path.Combine(_dir, "a");

    public string EndB => Path.Combine(_dir, "b");

    public static async Task<BenchPty> StartAsync()
    {
        var dir = Path.Combine(Path.GetTempPath(), "ea-pty-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(dir);
        var psi = new ProcessStartInfo("/usr/bin/socat", [$"pty,raw,echo=0,link={Path.Combine(dir, "a")}", $"pty,raw,echo=0,link={Path.Combine(dir, "b")}"])
        {
            UseShellExecute = false,
            RedirectStandardError = true,
        };
        var socat = Process.Start(psi) ?? throw new InvalidOperationException("socat did not start (apt-get install socat)");
        socat.ErrorDataReceived += static (_, _) => { };
        socat.BeginErrorReadLine();
        var pty = new BenchPty(socat, dir);
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!(File.Exists(pty.EndA) && File.Exists(pty.EndB)))
        {
            if (socat.HasExited || DateTime.UtcNow > deadline)
            {
                await pty.DisposeAsync();
                throw new InvalidOperationException("socat did not create the pty pair");
            }
            await Task.Delay(20);
        }
        return pty;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_socat.HasExited)
        {
            _socat.Kill();
            await _socat.WaitForExitAsync();
        }
        _socat.Dispose();
        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
