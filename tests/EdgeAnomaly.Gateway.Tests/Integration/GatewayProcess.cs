using System.Diagnostics;
using System.Text;

namespace EdgeAnomaly.Gateway.Tests.Integration;

/// <summary>The real `edgeanomaly run` as a child process, so tests can SIGKILL it.</summary>
internal sealed class GatewayProcess : IAsyncDisposable
{
    private readonly string _configPath;
    private readonly StringBuilder _output = new();
    private Process? _process;

    public GatewayProcess(string configPath) => _configPath = configPath;

    public static string Assembly => Path.Combine(AppContext.BaseDirectory, "edgeanomaly.dll");

    public bool IsRunning => _process is { HasExited: false };

    public int Starts { get; private set; }

    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    public void Start()
    {
        var psi = new ProcessStartInfo("dotnet", [Assembly, "run", "--config", _configPath])
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        psi.Environment["DOTNET_gcServer"] = "0";
        var p = Process.Start(psi) ?? throw new InvalidOperationException("gateway did not start");
        p.OutputDataReceived += (_, e) => Append(e.Data);
        p.ErrorDataReceived += (_, e) => Append(e.Data);
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
        _process = p;
        Starts++;
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }
        lock (_output)
        {
            if (_output.Length < 2_000_000)
            {
                _output.AppendLine(line);
            }
        }
    }

    /// <summary>The exit code once the process has exited by itself (or was stopped), else null.</summary>
    public int? ExitCode => _process is { HasExited: true } p ? p.ExitCode : null;

    /// <summary>Waits until the process exits by itself; false if it is still running after <paramref name="timeout"/>.</summary>
    public async Task<bool> WaitForExitAsync(TimeSpan timeout)
    {
        if (_process is not { } p)
        {
            return true;
        }
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await p.WaitForExitAsync(cts.Token).ConfigureAwait(false);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    /// <summary>SIGKILL: no shutdown code runs, exactly like a power cut for the process.</summary>
    public async Task KillAsync()
    {
        if (_process is { HasExited: false } p)
        {
            p.Kill(entireProcessTree: true);
            await p.WaitForExitAsync().ConfigureAwait(false);
        }
    }

    /// <summary>SIGTERM, as systemd stops the service; waits for a clean exit.</summary>
    public async Task StopAsync()
    {
        if (_process is { HasExited: false } p)
        {
            using (var term = Process.Start("kill", ["-TERM", p.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
            {
                await term!.WaitForExitAsync().ConfigureAwait(false);
            }
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            await p.WaitForExitAsync(cts.Token).ConfigureAwait(false);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await KillAsync().ConfigureAwait(false);
        _process?.Dispose();
    }
}
