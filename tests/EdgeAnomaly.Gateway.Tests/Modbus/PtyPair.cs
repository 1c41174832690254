using System.Diagnostics;
using EdgeAnomaly.TestSupport;

namespace EdgeAnomaly.Gateway.Tests.Modbus;

/// <summary>
/// A virtual serial cable: two pseudo-terminals joined by a real socat (raw, no echo). The simulated slave opens
/// <see cref="DeviceEnd"/>, the gateway (master) <see cref="GatewayEnd"/>. socat is killed by PID at dispose.
/// </summary>
internal sealed class PtyPair : IAsyncDisposable
{
    private const string Socat = "/usr/bin/socat";

    private readonly Process _socat;
    private readonly TempDirectory _links = new();

    private PtyPair(Process socat, TempDirectory links)
    {
        _socat = socat;
        _links = links;
    }

    public string DeviceEnd => _links.File("device");

    public string GatewayEnd => _links.File("gateway");

    public static async Task<PtyPair> StartAsync()
    {
        Assert.True(File.Exists(Socat), $"{Socat} is missing: ./test.sh installs it when run as root (apt-get install socat)");
        var links = new TempDirectory();
        var psi = new ProcessStartInfo(Socat, [$"pty,raw,echo=0,link={links.File("device")}", $"pty,raw,echo=0,link={links.File("gateway")}"])
        {
            UseShellExecute = false,
            RedirectStandardError = true,
        };
        var socat = Process.Start(psi) ?? throw new InvalidOperationException("socat did not start");
        socat.ErrorDataReceived += static (_, _) => { };
        socat.BeginErrorReadLine();
        var pair = new PtyPair(socat, links);
        try
        {
            await Eventually.True(() => socat.HasExited || (File.Exists(pair.DeviceEnd) && File.Exists(pair.GatewayEnd)), TimeSpan.FromSeconds(30),
                "socat creates both pty links");
            Assert.False(socat.HasExited, "socat exited before creating the pty pair");
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
        if (!_socat.HasExited)
        {
            _socat.Kill();
            await _socat.WaitForExitAsync();
        }
        _socat.Dispose();
        _links.Dispose();
    }
}
