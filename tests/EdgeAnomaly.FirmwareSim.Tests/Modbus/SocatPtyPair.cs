using System.Diagnostics;
using EdgeAnomaly.TestSupport;

namespace EdgeAnomaly.FirmwareSim.Tests.Modbus;

/// <summary>
/// Two connected pseudo-terminals from a real socat (`pty,raw,echo=0` on both sides): what one end writes the
/// other reads, like the two ends of a serial cable. The slave opens <see cref="SlaveEnd"/>, the master
/// <see cref="MasterEnd"/>. socat is killed by PID at dispose.
/// </summary>
internal sealed class SocatPtyPair : IAsyncDisposable
{
    public const string Executable = "/usr/bin/socat";

    private readonly Process _process;
    private readonly TempDirectory _directory;

    private SocatPtyPair(Process process, TempDirectory directory)
    {
        _process = process;
        _directory = directory;
    }

    public string SlaveEnd => _directory.File("slave");

    public string MasterEnd => _directory.File("master");

    public static async Task<SocatPtyPair> StartAsync()
    {
        if (!File.Exists(Executable))
        {
            throw new InvalidOperationException($"{Executable} is not installed: run ./test.sh as root (it installs socat) or apt-get install socat");
        }
        var directory = new TempDirectory();
        var psi = new ProcessStartInfo(Executable,
            ["-d", "-d", $"pty,raw,echo=0,link={directory.File("slave")}", $"pty,raw,echo=0,link={directory.File("master")}"])
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
        var pair = new SocatPtyPair(process, directory);
        try
        {
            await Eventually.True(() => process.HasExited || (File.Exists(pair.SlaveEnd) && File.Exists(pair.MasterEnd)), TimeSpan.FromSeconds(30), "socat creates both pty links");
            if (process.HasExited)
            {
                throw new InvalidOperationException($"socat exited with {process.ExitCode}");
            }
        }
        catch
        {
            await pair.DisposeAsync();
            throw;
        }
        return pair;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
        _directory.Dispose();
    }
}
