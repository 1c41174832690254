using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace EdgeAnomaly.TestSupport;

/// <summary>A TLS listener (server certificate and key as PEM) and, optionally, password authentication.</summary>
public sealed record MosquittoSecurity(TestCertificates Certificates, IReadOnlyDictionary<string, string>? Users = null);

/// <summary>
/// A real Debian mosquitto on a free loopback port, started from a config file written for it and
/// stopped by PID. Persistence is on (in its own folder) so a stop/start keeps queued QoS 1 messages
/// for persistent sessions, as a production broker would.
/// </summary>
public sealed class MosquittoBroker : IAsyncDisposable
{
    public const string Executable = "/usr/sbin/mosquitto";
    public const string PasswordTool = "/usr/bin/mosquitto_passwd";

    private readonly string _directory;
    private Process? _process;

    private readonly MosquittoSecurity? _security;
    private readonly string? _shippedConfig;
    private readonly List<int> _extraPorts = [];

    private MosquittoBroker(string directory, int port, MosquittoSecurity? security, string? shippedConfig = null)
    {
        _directory = directory;
        Port = port;
        _security = security;
        _shippedConfig = shippedConfig;
    }

    public int Port { get; }

    /// <summary>Ports of a shipped config's second, third... listener, in file order.</summary>
    public IReadOnlyList<int> ExtraPorts => _extraPorts;

    public string Host => "127.0.0.1";

    public int? Pid => _process is { HasExited: false } p ? p.Id : null;

    public static bool IsInstalled => File.Exists(Executable);

    /// <summary>Starts a broker; throws with the broker's log if it does not accept connections in time.</summary>
    public static async Task<MosquittoBroker> StartAsync(int? port = null, MosquittoSecurity? security = null)
    {
        if (!IsInstalled)
        {
            throw new InvalidOperationException($"{Executable} is not installed: run ./test.sh (it installs mosquitto) or apt-get install mosquitto");
        }
        var dir = Path.Combine(Path.GetTempPath(), "ea-mosquitto-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(dir);
        var broker = new MosquittoBroker(dir, port ?? FreeTcpPort(), security);
        if (security?.Users is { Count: > 0 } users)
        {
            await broker.WritePasswordFileAsync(users).ConfigureAwait(false);
        }
        await broker.StartAsync().ConfigureAwait(false);
        return broker;
    }

    /// <summary>
    /// Starts a broker from a config file as shipped for a gateway (e.g. configs/mosquitto-local.conf): its
    /// port-only `listener` lines move to a free loopback port, its `password_file` to one holding
    /// <paramref name="users"/>; every other setting (queue limits, Nagle, authentication) is the file's own.
    /// Persistence and logging go to the test's folder, as Debian's main mosquitto.conf would set them.
    /// </summary>
    public static async Task<MosquittoBroker> StartFromShippedConfigAsync(string path, IReadOnlyDictionary<string, string> users)
    {
        if (!IsInstalled)
        {
            throw new InvalidOperationException($"{Executable} is not installed: run ./test.sh (it installs mosquitto) or apt-get install mosquitto");
        }
        var dir = Path.Combine(Path.GetTempPath(), "ea-mosquitto-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(dir);
        var broker = new MosquittoBroker(dir, FreeTcpPort(), null, await File.ReadAllTextAsync(path).ConfigureAwait(false));
        await broker.WritePasswordFileAsync(users).ConfigureAwait(false);
        await broker.StartAsync().ConfigureAwait(false);
        return broker;
    }

    private string ShippedLines()
    {
        var lines = new List<string>();
        foreach (var raw in _shippedConfig!.Split('\n'))
        {
            var line = raw.TrimEnd('\r');
            var words = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (words.Length == 2 && words[0] == "listener")
            {
                // The first listener takes Port, any further one a port of its own (kept across restarts).
                var listener = lines.FindAll(l => l.StartsWith("listener ", StringComparison.Ordinal)).Count;
                while (_extraPorts.Count < listener)
                {
                    _extraPorts.Add(FreeTcpPort());
                }
                line = $"listener {(listener == 0 ? Port : _extraPorts[listener - 1])} 127.0.0.1";
            }
            else if (words.Length == 2 && words[0] == "password_file")
            {
                line = $"password_file {PasswordFile}";
            }
            lines.Add(line);
        }
        return string.Join('\n', lines);
    }

    private string DefaultLines() => $"""
        listener {Port} 127.0.0.1
        {SecurityLines()}
        max_queued_messages 0
        max_inflight_messages 0
        message_size_limit 0
        """;

    /// <summary>(Re)starts the broker process on the same port with the same persistence folder.</summary>
    public async Task StartAsync()
    {
        if (_process is { HasExited: false })
        {
            return;
        }
        var conf = Path.Combine(_directory, "mosquitto.conf");
        await File.WriteAllTextAsync(conf, $"""
            {(_shippedConfig is null ? DefaultLines() : ShippedLines())}
            # Run as root, mosquitto would switch to the mosquitto user, which cannot write this test's
            # folder: no persistence and no log. Stay as the invoking user.
            user {Environment.UserName}
            persistence true
            persistence_location {_directory}/
            autosave_interval 1
            log_dest file {_directory}/mosquitto.log
            log_type error
            log_type warning
            log_type notice

            """).ConfigureAwait(false);
        var psi = new ProcessStartInfo(Executable, ["-c", conf])
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        _process = Process.Start(psi) ?? throw new InvalidOperationException("mosquitto did not start");
        _process.OutputDataReceived += static (_, _) => { };
        _process.ErrorDataReceived += static (_, _) => { };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"mosquitto exited with {_process.ExitCode}: {Log()}");
            }
            try
            {
                using var probe = new TcpClient();
                await probe.ConnectAsync(IPAddress.Loopback, Port).ConfigureAwait(false);
                return;
            }
            catch (SocketException)
            {
                await Task.Delay(20).ConfigureAwait(false);
            }
        }
        throw new InvalidOperationException($"mosquitto did not listen on {Port}: {Log()}");
    }

    private string PasswordFile => Path.Combine(_directory, "passwd");

    private string SecurityLines()
    {
        if (_security is null)
        {
            return "allow_anonymous true";
        }
        var c = _security.Certificates;
        var lines = $"certfile {c.CertFile}\nkeyfile {c.KeyFile}\ncafile {c.CaFile}\ntls_version tlsv1.2\n";
        return lines + (_security.Users is { Count: > 0 } ? $"allow_anonymous false\npassword_file {PasswordFile}" : "allow_anonymous true");
    }

    /// <summary>Hashes the users' passwords with the broker's own tool (mosquitto_passwd -b).</summary>
    private async Task WritePasswordFileAsync(IReadOnlyDictionary<string, string> users)
    {
        await File.WriteAllTextAsync(PasswordFile, "").ConfigureAwait(false);
        foreach (var (user, password) in users)
        {
            var psi = new ProcessStartInfo(PasswordTool, ["-b", PasswordFile, user, password])
            {
                UseShellExecute = false,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            };
            using var tool = Process.Start(psi) ?? throw new InvalidOperationException($"{PasswordTool} did not start");
            var error = await tool.StandardError.ReadToEndAsync().ConfigureAwait(false);
            await tool.WaitForExitAsync().ConfigureAwait(false);
            if (tool.ExitCode != 0)
            {
                throw new InvalidOperationException($"{PasswordTool} exited with {tool.ExitCode}: {error}");
            }
        }
    }

    /// <summary>Stops the broker by PID (SIGTERM, then SIGKILL) and waits for it to exit.</summary>
    public async Task StopAsync(bool kill = false)
    {
        var p = _process;
        if (p is null || p.HasExited)
        {
            return;
        }
        if (kill)
        {
            p.Kill();
        }
        else
        {
            using var term = Process.Start("kill", ["-TERM", p.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
            await term!.WaitForExitAsync().ConfigureAwait(false);
        }
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        try
        {
            await p.WaitForExitAsync(cts.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            p.Kill();
            await p.WaitForExitAsync().ConfigureAwait(false);
        }
    }

    public string Log()
    {
        var path = Path.Combine(_directory, "mosquitto.log");
        return File.Exists(path) ? File.ReadAllText(path) : "(no log)";
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync(kill: true).ConfigureAwait(false);
        _process?.Dispose();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    public static int FreeTcpPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}
