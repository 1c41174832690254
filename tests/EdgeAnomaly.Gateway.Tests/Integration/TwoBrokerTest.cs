using EdgeAnomaly.TestSupport;

namespace EdgeAnomaly.Gateway.Tests.Integration;

/// <summary>
/// Base of the gateway integration tests: a local broker (nodes publish there) and a central broker (uplink), both
/// real mosquitto on free loopback ports, plus a scratch folder; all stopped and removed after each test.
/// </summary>
public abstract class TwoBrokerTest : IAsyncLifetime
{
    protected TempDirectory Dir { get; } = new();

    protected MosquittoBroker Local { get; private set; } = null!;

    protected MosquittoBroker Central { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Local = await MosquittoBroker.StartAsync();
        Central = await MosquittoBroker.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await Local.DisposeAsync();
        await Central.DisposeAsync();
        Dir.Dispose();
    }
}
