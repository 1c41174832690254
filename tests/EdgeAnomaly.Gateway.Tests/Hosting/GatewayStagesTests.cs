using EdgeAnomaly.Gateway.Tests.Integration;
using EdgeAnomaly.Runtime.Alarm;
using EdgeAnomaly.Runtime.Configuration;
using EdgeAnomaly.Runtime.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace EdgeAnomaly.Gateway.Tests.Hosting;

/// <summary>
/// The gateway stops in one declared order, not in whatever order services happened to be registered: sources and
/// ingest before the pipeline (which drains what they wrote), the pipeline before the forwarder and the uplink, and the
/// uplink last (it publishes the retained offline state).
/// </summary>
[Collection("gateway-process")]
public sealed class GatewayStagesTests : TwoBrokerTest
{
    [Fact]
    public async Task GatewayHost_Stops_IngestThenPipelineThenForwarderThenUplinkLast()
    {
        var config = ConfigLoader.Load(GatewayFixtureConfig.Write(Dir.Path, Local.Port, Central.Port, ["a01"]));
        using var host = GatewayHost.Build(config, new GatewayHostOptions
        {
            AlarmOutput = new DisabledAlarmOutput(),
            MinimumLogLevel = LogLevel.Warning,
        });
        await Task.Run(() => host.StartAsync());
        await host.StopAsync();

        var stopped = host.Services.GetRequiredService<GatewayStages>().Stopped;
        int At(string stage)
        {
            var index = stopped.ToList().IndexOf(stage);
            Assert.True(index >= 0, $"{stage} stopped ({string.Join(", ", stopped)})");
            return index;
        }
        Assert.True(At("ingest") < At("pipeline"), string.Join(", ", stopped));
        Assert.True(At("pipeline") < At("forwarder"), string.Join(", ", stopped));
        Assert.True(At("pipeline") < At("uplink"), string.Join(", ", stopped));
        Assert.True(At("forwarder") < At("uplink"), string.Join(", ", stopped));
        Assert.Equal("uplink", stopped[^1]);
    }

    [Fact]
    public async Task Stages_StartInReverse_StopInDeclaredOrder_AndAFailedStopDoesNotSkipTheRest()
    {
        var calls = new List<string>();
        var stages = new GatewayStages(
        [
            new("source", new Recording("source", calls)),
            new("pipeline", new Recording("pipeline", calls, failStop: true)),
            new("uplink", new Recording("uplink", calls)),
        ], new Lifetime(), NullLogger<GatewayStages>.Instance);

        await stages.StartAsync(CancellationToken.None);
        await Assert.ThrowsAsync<AggregateException>(() => stages.StopAsync(CancellationToken.None));

        Assert.Equal(["start uplink", "start pipeline", "start source", "stop source", "stop pipeline", "stop uplink"], calls);
        Assert.Equal(["source", "pipeline", "uplink"], stages.Stopped);
    }

    [Fact]
    public async Task Stages_ALoopFaults_StopsTheHost_AndRunNamesTheStage()
    {
        var lifetime = new Lifetime();
        var stages = new GatewayStages([new("forwarder", new Faulting())], lifetime, NullLogger<GatewayStages>.Instance);

        await stages.StartAsync(CancellationToken.None);

        await lifetime.Stopping.Task.WaitAsync(TimeSpan.FromSeconds(10));
        var fault = GatewayRun.FirstFault([stages]);
        Assert.Equal("forwarder", fault?.Name);
        Assert.IsType<IOException>(fault?.Error);
    }

    private sealed class Recording(string name, List<string> calls, bool failStop = false) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken)
        {
            calls.Add("start " + name);
            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken)
        {
            calls.Add("stop " + name);
            return failStop ? Task.FromException(new IOException("stop failed")) : Task.CompletedTask;
        }
    }

    private sealed class Faulting : BackgroundService
    {
        protected override async Task ExecuteAsync(CancellationToken stoppingToken)
        {
            await Task.Yield();
            throw new IOException("boom");
        }
    }

    private sealed class Lifetime : IHostApplicationLifetime
    {
        public TaskCompletionSource Stopping { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public CancellationToken ApplicationStarted => CancellationToken.None;

        public CancellationToken ApplicationStopping => CancellationToken.None;

        public CancellationToken ApplicationStopped => CancellationToken.None;

        public void StopApplication() => Stopping.TrySetResult();
    }
}
