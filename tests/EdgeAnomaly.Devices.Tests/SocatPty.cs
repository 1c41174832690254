using System.Diagnostics;
using EdgeAnomaly.TestSupport;

namespace EdgeAnomaly.Devices.Tests;

/// <summary>
/// Two linked pseudo-terminals from a real socat (raw, no echo): bytes written to one end are read from the other,
/// like the ends of a serial cable. Can be killed and started again on the same paths (unplug / replug).
/// </summary>
internal sealed class SocatPty : IDisposable
{
    public const string Executable = "/usr/bin/socat";

    private readonly TempDirectory _directory = new();
    private Process? _process;

    public SocatPty()
    {
        if (!File.Exists(Executable))
        {
            throw new InvalidOperationException($"{Executable} is not installed: run ./test.sh as root (it installs socat) or apt-get install socat");
        }
    }

    /// <summary>The end the code under test opens.</summary>
    public string DeviceEnd => _directory.File("device");

    /// <summary>The end the test writes to or reads from.</summary>
    public string PeerEnd => _directory.File("peer");

    public async Task StartAsync()
    {
        var psi = new ProcessStartInfo(Executable, ["-d", "-d", $"pty,raw,echo=0,link={DeviceEnd}", $"pty,raw,echo=0,link={PeerEnd}"])
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
        await Eventually.True(() => process.HasExited || (File.Exists(DeviceEnd) && File.Exists(PeerEnd)), TimeSpan.FromSeconds(30), "socat creates both pty links");
        if (process.HasExited)
        {
            throw new InvalidOperationException($"socat exited with {process.ExitCode}");
        }
    }

    /// <summary>Kills socat (the cable is pulled) and waits until its links are gone.</summary>
    public async Task KillAsync()
    {
        if (_process is { HasExited: false } p)
        {
            p.Kill();
            await p.WaitForExitAsync();
        }
        _process?.Dispose();
        _process = null;
        // socat removes its links on a clean exit only; after a kill they dangle
        File.Delete(DeviceEnd);
        File.Delete(PeerEnd);
    }

    public FileStream OpenPeer() => new(PeerEnd, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite, 1, FileOptions.None);

    public void Dispose()
    {
        if (_process is { HasExited: false } p)
        {
            p.Kill();
            p.WaitForExit(10_000);
        }
        _process?.Dispose();
        _directory.Dispose();
    }
}
