using EdgeAnomaly.Runtime.Hosting;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace EdgeAnomaly.Gateway.Tests.Hosting;

/// <summary>
/// How `edgeanomaly run` turns the end of its host into the exit code, with a real generic host and the gateway's own
/// StopHost behaviour: a faulted loop stops everything, and the process must then exit non-zero.
/// </summary>
public sealed class GatewayExitTests
{
    [Fact]
    public async Task LoopFailsWithCorruptDatabase_HostStops_ExitCodeIsDatabaseDamaged()
    {
        using var host = Build(_ => Task.FromException(new SqliteException("database disk image is malformed", 11)));

        var code = await GatewayRun.RunAsync(host, CancellationToken.None);

        Assert.Equal(GatewayExitCodes.DatabaseDamaged, code);
    }

    [Fact]
    public async Task LoopFailsWithDiskFullAfterAnAwait_ExitCodeIsFault()
    {
        using var host = Build(async ct =>
        {
            await Task.Yield();
            throw new SqliteException("database or disk is full", 13);
        });

        var code = await GatewayRun.RunAsync(host, CancellationToken.None);

        Assert.Equal(GatewayExitCodes.Fault, code);
    }

    [Fact]
    public async Task StoppedOnRequest_ExitCodeIsZero()
    {
        IHostApplicationLifetime? lifetime = null;
        using var host = Build(async ct =>
        {
            lifetime!.StopApplication();
            await Task.Delay(Timeout.Infinite, ct);
        });
        lifetime = host.Services.GetRequiredService<IHostApplicationLifetime>();

        var code = await GatewayRun.RunAsync(host, CancellationToken.None);

        Assert.Equal(GatewayExitCodes.Stopped, code);
    }

    [Fact]
    public async Task FirstFault_NamesTheLoop()
    {
        var failed = new LoopService("forwarder", _ => Task.FromException(new IOException("boom")));
        await failed.StartAsync(CancellationToken.None);
        // ExecuteAsync runs on its own task (.NET 10): wait for it to end.
        await ((Task)failed.ExecuteTask!).ContinueWith(_ => { }, TaskScheduler.Default);

        var fault = GatewayRun.FirstFault([failed]);

        Assert.Equal("forwarder", fault?.Name);
        Assert.IsType<IOException>(fault?.Error);
    }

    private static IHost Build(Func<CancellationToken, Task> loop)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Services.Configure<HostOptions>(o => o.BackgroundServiceExceptionBehavior = BackgroundServiceExceptionBehavior.StopHost);
        builder.Services.AddSingleton<IHostedService>(new LoopService("idle", ct => Task.Delay(Timeout.Infinite, ct)));
        builder.Services.AddSingleton<IHostedService>(new LoopService("under-test", loop));
        return builder.Build();
    }
}
