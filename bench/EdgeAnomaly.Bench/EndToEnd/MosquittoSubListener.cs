using System.Security.Cryptography.X509Certificates;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using EdgeAnomaly.TestSupport;
using MQTTnet;

namespace EdgeAnomaly.Bench.EndToEnd;

/// <summary>
/// The central subscriber as Debian's `mosquitto_sub` (C, libmosquitto) in its own process: it stamps each message
/// itself (`%U`, Unix time with nanoseconds) when its callback runs, so the bench's own .NET process, which parses
/// the lines later, cannot slow the drain it measures the way an MQTTnet subscriber acking inside its handler can.
/// </summary>
internal sealed class MosquittoSubListener : IAsyncDisposable
{
    public const string Executable = "/usr/bin/mosquitto_sub";
    private const string ProbeTopic = "ea/v1/gateways/bench-probe/events/ready";

    private readonly List<(double Unix, string Line)> _lines = [];
    private Process? _process;
    private int _events;

    public int EventCount => Volatile.Read(ref _events);

    public int? Pid => _process is { HasExited: false } p ? p.Id : null;

    /// <summary>
    /// Starts mosquitto_sub on the filter (QoS 1, MQTT 5) and returns once a probe publish came back through it;
    /// with <paramref name="caFile"/> both connect with TLS and trust that CA.
    /// </summary>
    public async Task StartAsync(int port, string topicFilter, string? caFile = null)
    {
        List<string> args = ["-h", "127.0.0.1", "-p", port.ToString(CultureInfo.InvariantCulture), "-t", topicFilter, "-q", "1", "-V", "mqttv5",
             "-i", "bench-mosquitto-sub-" + Guid.NewGuid().ToString("N")[..6], "-F", "%U %t %p"];
        if (caFile is not null)
        {
            args.AddRange(["--cafile", caFile]);
        }
        var psi = new ProcessStartInfo(Executable, args)
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        _process = Process.Start(psi) ?? throw new InvalidOperationException("mosquitto_sub did not start");
        _process.OutputDataReceived += (_, e) => OnLine(e.Data);
        _process.ErrorDataReceived += static (_, _) => { };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();

        // mosquitto_sub has no "subscribed" signal: publish probes until one arrives through it.
        using var probe = new MqttClientFactory().CreateMqttClient();
        var probeOptions = new MqttClientOptionsBuilder().WithTcpServer("127.0.0.1", port).WithStreamProvider(EdgeAnomaly.Mqtt.KernelTunedTcp.Instance).WithClientId("bench-probe");
        if (caFile is not null)
        {
            var trust = new X509Certificate2Collection();
            trust.ImportFromPemFile(caFile);
            probeOptions = probeOptions.WithTlsOptions(tls => tls.UseTls().WithTargetHost("127.0.0.1").WithTrustChain(trust));
        }
        await probe.ConnectAsync(probeOptions.Build());
        var deadline = Stopwatch.GetTimestamp() + (10 * Stopwatch.Frequency);
        while (!Probed)
        {
            if (_process.HasExited || Stopwatch.GetTimestamp() > deadline)
            {
                throw new InvalidOperationException("mosquitto_sub did not receive the probe");
            }
            await probe.PublishAsync(new MqttApplicationMessageBuilder().WithTopic(ProbeTopic).WithPayload("{}").Build());
            await Task.Delay(20);
        }
        await probe.DisconnectAsync();
    }

    private bool Probed
    {
        get
        {
            lock (_lines)
            {
                return _lines.Exists(l => l.Line.StartsWith(ProbeTopic, StringComparison.Ordinal));
            }
        }
    }

    private void OnLine(string? line)
    {
        if (line is null)
        {
            return;
        }
        var space = line.IndexOf(' ', StringComparison.Ordinal);
        if (space <= 0 || !double.TryParse(line.AsSpan(0, space), NumberStyles.Float, CultureInfo.InvariantCulture, out var unix))
        {
            return;
        }
        var rest = line[(space + 1)..];
        lock (_lines)
        {
            _lines.Add((unix, rest));
        }
        if (!rest.StartsWith(ProbeTopic, StringComparison.Ordinal))
        {
            Interlocked.Increment(ref _events);
        }
    }

    /// <summary>The event revisions received, stamped by mosquitto_sub and mapped onto the Stopwatch clock via one anchor.</summary>
    public List<EventArrival> Events(long anchorTicks, double anchorUnix)
    {
        List<(double Unix, string Line)> lines;
        lock (_lines)
        {
            lines = [.. _lines];
        }
        var events = new List<EventArrival>(lines.Count);
        foreach (var (unix, line) in lines)
        {
            if (line.StartsWith(ProbeTopic, StringComparison.Ordinal))
            {
                continue;
            }
            var space = line.IndexOf(' ', StringComparison.Ordinal);
            using var doc = JsonDocument.Parse(line[(space + 1)..]);
            var r = doc.RootElement;
            var ticks = anchorTicks + (long)((unix - anchorUnix) * Stopwatch.Frequency);
            events.Add(new EventArrival(ticks, r.GetProperty("asset").GetString()!, r.GetProperty("source").GetString()!,
                r.GetProperty("rev").GetInt32(), r.GetProperty("start_ms").GetInt64()));
        }
        return events;
    }

    public async ValueTask DisposeAsync()
    {
        if (_process is { HasExited: false } p)
        {
            p.Kill();
            await p.WaitForExitAsync();
        }
        _process?.Dispose();
    }
}
