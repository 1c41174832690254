using System.Diagnostics;

namespace EdgeAnomaly.TestSupport;

/// <summary>
/// A virtual serial cable: two pseudo-terminals joined by a real socat (raw, no echo), so what one end writes the
/// other reads. The simulated device (a Modbus slave, a sensor the test plays) uses <see cref="DeviceEnd"/>; the code
/// under test (the gateway, a Modbus master, the serial reader) opens <see cref="HostEnd"/>. Can be killed and started
/// again on the same paths (unplug / replug); socat is killed by PID at dispose.
/// </summary>
public sealed class SocatPty : IAsyncDisposable
{
    public const string Executable = "/usr/bin/socat";

    private readonly TempDirectory _links = new();
    private Process? _process;

    private SocatPty()
    {
    }

    /// <summary>The end the simulated device opens (or the test writes to as the device).</summary>
    public string DeviceEnd => _links.File("device");

    /// <summary>The end the code under test opens.</summary>
    public string HostEnd => _links.File("host");

    /// <summary>Starts socat and waits until both pty links exist.</summary>
    public static async Task<SocatPty> StartAsync()
    {
        var pty = new SocatPty();
        try
        {
            await pty.RestartAsync().ConfigureAwait(false);
        }
        catch
        {
            await pty.DisposeAsync().ConfigureAwait(false);
            throw;
        }
        return pty;
    }

    /// <summary>Starts socat again on the same paths after <see cref="KillAsync"/> (the cable is plugged back in).</summary>
    public async Task RestartAsync()
    {
        if (!File.Exists(Executable))
        {
            throw new InvalidOperationException($"{Executable} is not installed: run ./test.sh as root (it installs socat) or apt-get install socat");
        }
        var psi = new ProcessStartInfo(Executable, ["-d", "-d", $"pty,raw,echo=0,link={DeviceEnd}", $"pty,raw,echo=0,link={HostEnd}"])
        {
            UseShellExecute = false,
            RedirectStandardError = true,
            RedirectStandardOutput = true,
        };
        var process = Process.Start(psi) ?? throw new InvalidOperationException("socat did not start");
        process.ErrorDataReceived += static (_, _) => { };
        process.OutputDataReceived += static (_, _) => { };
        process.BeginErrorReadLine();
        process.BeginOutputReadLine();
        _process = process;
        await Eventually.True(() => process.HasExited || (File.Exists(DeviceEnd) && File.Exists(HostEnd)), TimeSpan.FromSeconds(30),
            "socat creates both pty links").ConfigureAwait(false);
        if (process.HasExited)
        {
            throw new InvalidOperationException($"socat exited with {process.ExitCode} before creating the pty pair");
        }
    }

    /// <summary>Kills socat (the cable is pulled) and waits until its links are gone.</summary>
    public async Task KillAsync()
    {
        if (_process is { HasExited: false } p)
        {
            p.Kill();
            await p.WaitForExitAsync().ConfigureAwait(false);
        }
        _process?.Dispose();
        _process = null;
        // socat removes its links on a clean exit only; after a kill they dangle
        File.Delete(DeviceEnd);
        File.Delete(HostEnd);
    }

    /// <summary>The device's end as an unbuffered stream, for a test that plays the device.</summary>
    public FileStream OpenDeviceEnd() => new(DeviceEnd, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite, 1, FileOptions.None);

    public async ValueTask DisposeAsync()
    {
        if (_process is { HasExited: false } p)
        {
            p.Kill();
            await p.WaitForExitAsync().ConfigureAwait(false);
        }
        _process?.Dispose();
        _links.Dispose();
    }

}
