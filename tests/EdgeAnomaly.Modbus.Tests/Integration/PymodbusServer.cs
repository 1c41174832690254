using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;

namespace EdgeAnomaly.Modbus.Tests.Integration;

/// <summary>
/// A real pymodbus server (Debian python3-pymodbus, /usr/bin/python3) serving a <see cref="RegisterImage"/> over
/// Modbus TCP, RTU over TCP (free ports it picks itself) and, optionally, RTU on one end of a socat pty pair whose
/// other end is <see cref="SerialDevice"/>. Processes are ours and killed by PID on dispose.
/// </summary>
internal sealed class PymodbusServer : IAsyncDisposable
{
    public const string Python = "/usr/bin/python3";
    private static readonly TimeSpan StartDeadline = TimeSpan.FromSeconds(30);

    private readonly string _directory;
    private readonly StringBuilder _log = new();
    private Process? _python;
    private Process? _socat;

    private PymodbusServer(string directory) => _directory = directory;

    public int TcpPort { get; private set; }

    public int RtuOverTcpPort { get; private set; }

    /// <summary>The master's end of the pty pair (the server holds the other end).</summary>
    public string SerialDevice => Path.Combine(_directory, "master-end");

    private string ServerDevice => Path.Combine(_directory, "server-end");

    public static async Task<PymodbusServer> StartAsync(RegisterImage image, bool serial)
    {
        RequireInstalled();
        var dir = Path.Combine(Path.GetTempPath(), "ea-pymodbus-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(dir);
        var server = new PymodbusServer(dir);
        try
        {
            var imagePath = Path.Combine(dir, "image.json");
            await File.WriteAllTextAsync(imagePath, image.ToJson());
            if (serial)
            {
                await server.StartSocatAsync();
            }
            await server.StartPythonAsync(imagePath, serial);
            return server;
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    /// <summary>The serial link disappears (as an unplugged USB adapter): socat ends and both pty ends vanish.</summary>
    public async Task UnplugSerialAsync()
    {
        await StopAsync(_socat, term: true);
        _socat = null;
        File.Delete(SerialDevice);
        File.Delete(ServerDevice);
    }

    /// <summary>The serial link is back under the same names; pymodbus reconnects to its end by itself.</summary>
    public Task ReplugSerialAsync() => StartSocatAsync();

    public string Log()
    {
        lock (_log)
        {
            return _log.ToString();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync(_python, term: false);
        await StopAsync(_socat, term: true);
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private static void RequireInstalled()
    {
        if (!File.Exists(Python))
        {
            throw new InvalidOperationException($"{Python} is missing: run ./test.sh as root (it installs python3-pymodbus)");
        }
    }

    private async Task StartSocatAsync()
    {
        foreach (var link in new[] { SerialDevice, ServerDevice })
        {
            File.Delete(link);
        }
        _socat = Start("socat", ["-d", "-d", $"pty,raw,echo=0,link={SerialDevice}", $"pty,raw,echo=0,link={ServerDevice}"], null);
        var deadline = DateTime.UtcNow + StartDeadline;
        while (!(File.Exists(SerialDevice) && File.Exists(ServerDevice)))
        {
            if (_socat.HasExited || DateTime.UtcNow > deadline)
            {
                throw new InvalidOperationException($"socat did not create its pty pair: {Log()}");
            }
            await Task.Delay(20);
        }
    }

    private async Task StartPythonAsync(string imagePath, bool serial)
    {
        var script = Path.Combine(AppContext.BaseDirectory, "Integration", "pymodbus_server.py");
        List<string> args = [script, "--image", imagePath];
        if (serial)
        {
            args.AddRange(["--serial", ServerDevice]);
        }
        var ready = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        _python = Start(Python, args, line =>
        {
            if (line.StartsWith("ready ", StringComparison.Ordinal))
            {
                ready.TrySetResult(line);
            }
        });
        _python.EnableRaisingEvents = true;
        _python.Exited += (_, _) => ready.TrySetException(new InvalidOperationException($"pymodbus server exited: {Log()}"));
        string readyLine;
        try
        {
            readyLine = await ready.Task.WaitAsync(StartDeadline);
        }
        catch (TimeoutException)
        {
            throw new InvalidOperationException($"pymodbus server not ready within {StartDeadline}: {Log()}");
        }
        foreach (var part in readyLine.Split(' '))
        {
            if (part.StartsWith("tcp=", StringComparison.Ordinal))
            {
                TcpPort = int.Parse(part[4..], CultureInfo.InvariantCulture);
            }
            else if (part.StartsWith("rtutcp=", StringComparison.Ordinal))
            {
                RtuOverTcpPort = int.Parse(part[7..], CultureInfo.InvariantCulture);
            }
        }
    }

    private Process Start(string file, IEnumerable<string> args, Action<string>? onLine)
    {
        var psi = new ProcessStartInfo(file, args)
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        var process = Process.Start(psi) ?? throw new InvalidOperationException($"{file} did not start");
        process.OutputDataReceived += (_, e) => Record(e.Data, onLine);
        process.ErrorDataReceived += (_, e) => Record(e.Data, null);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    private void Record(string? line, Action<string>? onLine)
    {
        if (line is null)
        {
            return;
        }
        lock (_log)
        {
            if (_log.Length < 64_000)
            {
                _log.AppendLine(line);
            }
        }
        onLine?.Invoke(line);
    }

    private static async Task StopAsync(Process? process, bool term)
    {
        if (process is null)
        {
            return;
        }
        using (process)
        {
            if (process.HasExited)
            {
                return;
            }
            if (term)
            {
                // SIGTERM lets socat remove its links.
                using var kill = Process.Start("kill", ["-TERM", process.Id.ToString(CultureInfo.InvariantCulture)]);
                await kill!.WaitForExitAsync();
            }
            else
            {
                process.Kill();
            }
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            try
            {
                await process.WaitForExitAsync(cts.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill();
                await process.WaitForExitAsync();
            }
        }
    }
}

/// <summary>
/// What the server holds: per unit, seeded random holding / input registers (1000 each) and coils / discrete
/// inputs (8000 each), plus typed values that the Python side encodes with struct.pack into holding registers.
/// </summary>
internal sealed class RegisterImage
{
    public const int Registers = 1000;
    public const int Bits = 8000;

    public Dictionary<byte, UnitImage> Units { get; } = [];

    public List<TypedValue> Typed { get; } = [];

    public static RegisterImage Create(int seed, params byte[] units)
    {
        var random = new Random(seed);
        var image = new RegisterImage();
        foreach (var unit in units)
        {
            var u = new UnitImage(new ushort[Registers], new ushort[Registers], new bool[Bits], new bool[Bits]);
            for (var i = 0; i < Registers; i++)
            {
                u.Holding[i] = (ushort)random.Next(0, 65536);
                u.Input[i] = (ushort)random.Next(0, 65536);
            }
            for (var i = 0; i < Bits; i++)
            {
                u.Coils[i] = random.Next(2) == 1;
                u.Discretes[i] = random.Next(2) == 1;
            }
            image.Units[unit] = u;
        }
        return image;
    }

    public string ToJson()
    {
        var units = new Dictionary<string, object>();
        foreach (var (unit, u) in Units)
        {
            units[unit.ToString(CultureInfo.InvariantCulture)] = new Dictionary<string, object>
            {
                ["holding"] = u.Holding,
                ["input"] = u.Input,
                ["coils"] = u.Coils,
                ["discretes"] = u.Discretes,
            };
        }
        var typed = Typed.Select(t => new Dictionary<string, object>
        {
            ["unit"] = t.Unit,
            ["address"] = t.Address,
            ["type"] = t.Type.ToString().ToLowerInvariant(),
            ["order"] = t.Order.ToString(),
            ["value"] = t.Value,
            ["registers"] = t.Registers,
        }).ToList();
        return JsonSerializer.Serialize(new Dictionary<string, object> { ["units"] = units, ["typed"] = typed });
    }
}

internal sealed record UnitImage(ushort[] Holding, ushort[] Input, bool[] Coils, bool[] Discretes);

/// <summary>A value the Python side encodes: <paramref name="Value"/> is its exact text (64-bit integers stay exact).</summary>
internal sealed record TypedValue(byte Unit, ushort Address, ModbusDataType Type, ByteOrder Order, string Value, int Registers);
