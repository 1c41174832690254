using System.Diagnostics;
using System.Text;

namespace EdgeAnomaly.Bench.Modbus;

/// <summary>The real `edgeanomaly-sim modbus` process (its dll path is given by bench/run-modbus.sh).</summary>
internal sealed class SimProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _log = new();
    private readonly TaskCompletionSource<string> _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private SimProcess(Process process) => _process = process;

    public int Pid => _process.Id;

    /// <summary>The "listening tcp=... rtu=... units=..." line.</summary>
    public string ReadyLine { get; private set; } = "";

    public string Log
    {
        get
        {
            lock (_log)
            {
                return _log.ToString();
            }
        }
    }

    public static async Task<SimProcess> StartAsync(string simDll, IEnumerable<string> args)
    {
        if (!File.Exists(simDll))
        {
            throw new FileNotFoundException($"firmware-sim CLI not found at '{simDll}' (bench/run-modbus.sh builds it)");
        }
        var psi = new ProcessStartInfo("dotnet", [simDll, "modbus", .. args])
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        psi.Environment["DOTNET_gcServer"] = "0";
        var sim = new SimProcess(Process.Start(psi) ?? throw new InvalidOperationException("the simulator did not start"));
        sim._process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is { } line)
            {
                sim.Append(line);
                if (line.StartsWith("listening ", StringComparison.Ordinal))
                {
                    sim._ready.TrySetResult(line);
                }
            }
        };
        sim._process.ErrorDataReceived += (_, e) => sim.Append(e.Data);
        sim._process.BeginOutputReadLine();
        sim._process.BeginErrorReadLine();
        try
        {
            sim.ReadyLine = await sim._ready.Task.WaitAsync(TimeSpan.FromSeconds(60));
        }
        catch (TimeoutException)
        {
            await sim.DisposeAsync();
            throw new InvalidOperationException("the simulator did not report 'listening' within 60 s:\n" + sim.Log);
        }
        return sim;
    }

    /// <summary>Per-unit TCP endpoints from the ready line of --tcp-per-unit: unit id to port.</summary>
    public Dictionary<int, int> PerUnitPorts()
    {
        var ports = new Dictionary<int, int>();
        var tcp = ReadyLine.Split(' ').First(p => p.StartsWith("tcp=", StringComparison.Ordinal))[4..];
        foreach (var entry in tcp.Split(','))
        {
            // 127.0.0.1:40123/7
            var slash = entry.LastIndexOf('/');
            var colon = entry.LastIndexOf(':', slash);
            ports[int.Parse(entry[(slash + 1)..], System.Globalization.CultureInfo.InvariantCulture)] =
                int.Parse(entry[(colon + 1)..slash], System.Globalization.CultureInfo.InvariantCulture);
        }
        return ports;
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }
        lock (_log)
        {
            if (_log.Length < 1_000_000)
            {
                _log.AppendLine(line);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
    }
}
