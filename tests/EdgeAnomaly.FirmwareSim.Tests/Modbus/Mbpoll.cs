using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;

namespace EdgeAnomaly.FirmwareSim.Tests.Modbus;

/// <summary>Runs the real Debian mbpoll (libmodbus) once and parses what it printed.</summary>
internal static partial class Mbpoll
{
    public const string Executable = "/usr/bin/mbpoll";

    public sealed record Result(int ExitCode, string Output, string Error)
    {
        /// <summary>Values by reference from lines like "[13]: \t19088743" or "[12]: \t32929 (-32607)" (first number).</summary>
        public IReadOnlyDictionary<int, string> Values
        {
            get
            {
                var values = new Dictionary<int, string>();
                foreach (Match m in ValueLine().Matches(Output))
                {
                    values[int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture)] = m.Groups[2].Value;
                }
                return values;
            }
        }

        public double Number(int reference) => Values.TryGetValue(reference, out var text)
            ? double.Parse(text, CultureInfo.InvariantCulture)
            : throw new KeyNotFoundException($"mbpoll printed no value for reference {reference}:\n{Output}\n{Error}");

        public override string ToString() => $"exit {ExitCode}\n{Output}\n{Error}";
    }

    /// <summary>mbpoll over TCP to 127.0.0.1:<paramref name="port"/>, one poll (-1); extra args before the host, values after.</summary>
    public static Task<Result> TcpAsync(int port, string[] args, params string[] writeValues) =>
        RunAsync([.. args, "-p", port.ToString(CultureInfo.InvariantCulture), "-1", "127.0.0.1", .. writeValues]);

    /// <summary>mbpoll over RTU (19200 8N1) on <paramref name="device"/>, one poll.</summary>
    public static Task<Result> RtuAsync(string device, string[] args, params string[] writeValues) =>
        RunAsync(["-m", "rtu", "-b", "19200", "-P", "none", .. args, "-1", device, .. writeValues]);

    /// <summary>
    /// mbpoll's own default response timeout is 1 s, which a test host busy with parallel tests on a 2-core CI machine
    /// can miss; reads that are meant to succeed get 5 s. Tests that expect silence pass their own short "-o".
    /// </summary>
    private const string PatientTimeoutSeconds = "5";

    public static async Task<Result> RunAsync(params string[] args)
    {
        if (Array.IndexOf(args, "-o") < 0)
        {
            args = ["-o", PatientTimeoutSeconds, .. args];
        }
        if (!File.Exists(Executable))
        {
            throw new InvalidOperationException($"{Executable} is not installed: run ./test.sh as root (it installs mbpoll) or apt-get install mbpoll");
        }
        var psi = new ProcessStartInfo(Executable, args)
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = Process.Start(psi) ?? throw new InvalidOperationException("mbpoll did not start");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        try
        {
            await process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill();
            await process.WaitForExitAsync();
            throw new TimeoutException($"mbpoll {string.Join(' ', args)} did not finish within 30 s");
        }
        return new Result(process.ExitCode, await output, await error);
    }

    [GeneratedRegex(@"^\[(\d+)\]:\s+(-?[0-9.eE+-]+|nan|inf)", RegexOptions.Multiline)]
    private static partial Regex ValueLine();
}
