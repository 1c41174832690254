using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace EdgeAnomaly.TestSupport;

/// <summary>
/// The real `edgeanomaly run --config PATH` as a child process, so tests and benchmarks can SIGTERM or SIGKILL it:
/// the framework-dependent edgeanomaly.dll built next to the calling assembly (its project references the daemon),
/// or a published binary. Its stdout and stderr are kept, capped, for failure messages.
/// </summary>
public sealed class GatewayProcess : IAsyncDisposable
{
    private readonly string _configPath;
    private readonly string? _executable;
    private readonly int _outputLimit;
    private readonly StringBuilder _output = new();
    private Process? _process;

    /// <param name="configPath">The config file `run --config` is given.</param>
    /// <param name="executable">A published `edgeanomaly` binary; null runs <see cref="Assembly"/> under `dotnet`.</param>
    /// <param name="outputLimit">Characters of output kept; later lines are dropped.</param>
    public GatewayProcess(string configPath, string? executable = null, int outputLimit = 2_000_000)
    {
        _configPath = configPath;
        _executable = executable;
        _outputLimit = outputLimit;
    }

    /// <summary>The daemon's assembly, copied next to every test or benchmark assembly that references its project.</summary>
    public static string Assembly => Path.Combine(AppContext.BaseDirectory, "edgeanomaly.dll");

    /// <summary>
    /// Variables set for the child on each <see cref="Start"/>, over the inherited environment. Workstation GC is set
    /// as the systemd unit sets it (the runtimeconfig says the same; the variable keeps a machine-wide setting out).
    /// </summary>
    public IDictionary<string, string> Environment { get; } = new Dictionary<string, string>(StringComparer.Ordinal) { ["DOTNET_gcServer"] = "0" };

    /// <summary>What is started: `dotnet edgeanomaly.dll` or the published binary's path.</summary>
    public string Command => _executable ?? "dotnet edgeanomaly.dll";

    public bool IsRunning => _process is { HasExited: false };

    public bool HasExited => _process is { HasExited: true };

    public int Pid => _process?.Id ?? throw new InvalidOperationException("not started");

    /// <summary>How many times <see cref="Start"/> was called (restarts after a kill count).</summary>
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

    /// <summary>The exit code once the process has exited by itself (or was stopped), else null.</summary>
    public int? ExitCode => _process is { HasExited: true } p ? p.ExitCode : null;

    public void Start()
    {
        var psi = _executable is null
            ? new ProcessStartInfo("dotnet", [Assembly, "run", "--config", _configPath])
            : new ProcessStartInfo(_executable, ["run", "--config", _configPath]);
        psi.UseShellExecute = false;
        psi.RedirectStandardOutput = true;
        psi.RedirectStandardError = true;
        foreach (var (key, value) in Environment)
        {
            psi.Environment[key] = value;
        }
        var p = Process.Start(psi) ?? throw new InvalidOperationException("the gateway did not start");
        p.OutputDataReceived += (_, e) => Append(e.Data);
        p.ErrorDataReceived += (_, e) => Append(e.Data);
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
        _process?.Dispose();
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
            if (_output.Length < _outputLimit)
            {
                _output.AppendLine(line);
            }
        }
    }

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

    /// <summary>
    /// SIGTERM, as systemd stops the service; waits 30 s (the unit's TimeoutStopSec) for a clean exit, else throws
    /// <see cref="OperationCanceledException"/>: a test that stops the gateway requires it to stop.
    /// </summary>
    public async Task StopAsync()
    {
        if (_process is { HasExited: false } p)
        {
            using (var term = Process.Start("kill", ["-TERM", p.Id.ToString(CultureInfo.InvariantCulture)]))
            {
                await term!.WaitForExitAsync().ConfigureAwait(false);
            }
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            await p.WaitForExitAsync(cts.Token).ConfigureAwait(false);
        }
    }

    /// <summary>SIGTERM, then SIGKILL if it has not exited within 30 s, as systemd does at TimeoutStopSec.</summary>
    public async Task StopOrKillAsync()
    {
        try
        {
            await StopAsync().ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            await KillAsync().ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Runs `edgeanomaly ARGS` (a one-shot verb, or `run` that is expected to refuse to start) to its exit; null if it
    /// is still running after <paramref name="timeout"/>, after killing it.
    /// </summary>
    public static async Task<(int ExitCode, string Stdout, string Stderr)?> RunToExitAsync(TimeSpan timeout, params string[] args)
    {
        var psi = new ProcessStartInfo("dotnet", [Assembly, .. args])
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = Process.Start(psi) ?? throw new InvalidOperationException("edgeanomaly did not start");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cts.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync().ConfigureAwait(false);
            return null;
        }
        return (process.ExitCode, await stdout.ConfigureAwait(false), await stderr.ConfigureAwait(false));
    }

    public async ValueTask DisposeAsync()
    {
        await KillAsync().ConfigureAwait(false);
        _process?.Dispose();
    }
}
