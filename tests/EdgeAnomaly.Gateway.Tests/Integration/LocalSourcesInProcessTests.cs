using System.Collections.Concurrent;
using System.Text;
using System.Text.Json.Nodes;
using EdgeAnomaly.Core.Events;
using EdgeAnomaly.Core.Readings;
using EdgeAnomaly.Core.Tags;
using EdgeAnomaly.Devices.Gpio;
using EdgeAnomaly.Runtime.Alarm;
using EdgeAnomaly.Runtime.Configuration;
using EdgeAnomaly.Runtime.Hosting;
using EdgeAnomaly.Runtime.Pipeline;
using EdgeAnomaly.Runtime.Sources;
using EdgeAnomaly.Gateway.Tests.Modbus;
using EdgeAnomaly.Ingest;
using EdgeAnomaly.Storage;
using EdgeAnomaly.TestSupport;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using MQTTnet;
using MQTTnet.Protocol;

namespace EdgeAnomaly.Gateway.Tests.Integration;

/// <summary>Local reading batches (Modbus, serial, GPIO) take the same pipeline path as MQTT readings.</summary>
[Collection("gateway-process")]
public sealed class LocalSourcesInProcessTests : TwoBrokerTest
{
    private sealed class Observer : IEventObserver
    {
        public ConcurrentQueue<GatewayEvent> Events { get; } = new();

        public void OnCommitted(IReadOnlyList<GatewayEvent> revisions)
        {
            foreach (var e in revisions)
            {
                Events.Enqueue(e);
            }
        }
    }

    private static T Get<T>(IHost host) => (T)host.Services.GetService(typeof(T))!;

    [Fact]
    public async Task LocalBatch_RaisesTheSameRuleEventAsAnMqttReading_AndIsStoredWithItsQuality()
    {
        var config = ConfigLoader.Load(GatewayFixtureConfig.Write(Dir.Path, Local.Port, Central.Port, ["a01", "a02"]));
        var observer = new Observer();
        using var host = GatewayHost.Build(config, new GatewayHostOptions
        {
            Observer = observer,
            AlarmOutput = new DisabledAlarmOutput(),
            MinimumLogLevel = LogLevel.Warning,
        });
        await Task.Run(() => host.StartAsync());
        var ingest = Get<MqttIngestClient>(host);
        var registry = Get<TagRegistry>(host);
        var channel = Get<LocalReadingChannel>(host);
        var pipeline = Get<GatewayPipeline>(host);
        var store = Get<GatewayStore>(host);
        await Eventually.True(() => ingest.IsConnected, TimeSpan.FromSeconds(30), "the gateway subscribes to the node topics");

        // a02 over MQTT, a01 from a local poller: same rule, same kind of event.
        using var node = new MqttClientFactory().CreateMqttClient();
        await node.ConnectAsync(new MqttClientOptionsBuilder().WithTcpServer(Local.Host, Local.Port).Build());
        await node.PublishAsync(new MqttApplicationMessageBuilder().WithTopic("ea/v1/nodes/n1/readings")
            .WithPayload(Encoding.UTF8.GetBytes("""{"v":1,"asset":"a02","tag":"x","value":0.9}"""))
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build());

        Assert.True(registry.TryGetTag("a01", "x", out var x));
        Assert.True(registry.TryGetTag("a01", "y", out var y));
        var t0 = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        await channel.WriteAsync(LocalSourceKind.Modbus, [new Reading(x, t0, 0.2), new Reading(y, t0, 1)], CancellationToken.None);
        await channel.WriteAsync(LocalSourceKind.Modbus, [new Reading(x, t0 + 100, 0.9), new Reading(y, t0 + 100, 2)], CancellationToken.None);

        await Eventually.True(() => observer.Events.Any(e => e.Asset == "a01" && e.Source == "rule:x-high" && e.State == EventState.Open)
                && observer.Events.Any(e => e.Asset == "a02" && e.Source == "rule:x-high" && e.State == EventState.Open),
            TimeSpan.FromSeconds(30), "the rule fires for the local reading and for the MQTT reading");
        var local = observer.Events.First(e => e.Asset == "a01" && e.Source == "rule:x-high");
        var mqtt = observer.Events.First(e => e.Asset == "a02" && e.Source == "rule:x-high");
        Assert.Equal(mqtt.Kind, local.Kind);
        Assert.Equal(mqtt.Severity, local.Severity);
        Assert.Equal(t0 + 100, local.StartMs);

        // A device answering badly: bad quality is kept; a NaN claimed good is stored as bad; the rule closes on 0.1.
        await channel.WriteAsync(LocalSourceKind.Modbus, [new Reading(x, t0 + 200, 0.1, ReadingQuality.Uncertain), new Reading(y, t0 + 200, double.NaN)],
            CancellationToken.None);
        await Eventually.True(() => observer.Events.Any(e => e.Asset == "a01" && e.Source == "rule:x-high" && e.State == EventState.Closed),
            TimeSpan.FromSeconds(30), "an uncertain reading still drives the rules, like an MQTT reading with q=uncertain");
        await Eventually.True(() => pipeline.LocalBatchesProcessed == 3, TimeSpan.FromSeconds(30), "every batch is processed");
        Assert.Equal(6, channel.Counters.Readings(LocalSourceKind.Modbus));
        Assert.Equal(2, channel.Counters.NotGood(LocalSourceKind.Modbus));
        Assert.Equal(3, channel.Counters.Batches(LocalSourceKind.Modbus));

        await host.StopAsync();
        var ys = store.ReadReadings("a01", "y", t0 - 1, t0 + 1000);
        Assert.Equal(3, ys.Count);
        Assert.Equal(ReadingQuality.Good, ys[1].Quality);
        Assert.Equal(ReadingQuality.Bad, ys[2].Quality);
        var xs = store.ReadReadings("a01", "x", t0 - 1, t0 + 1000);
        Assert.Equal(ReadingQuality.Uncertain, xs[2].Quality);
        Assert.Equal(0.1, xs[2].Value);
    }

    /// <summary>
    /// The pipeline keeps its channel waits across wake-ups (only the one that ended is renewed). On a clock that never
    /// moves no tick ever wakes the loop, so each batch and the MQTT message below are processed only if the wait that
    /// was armed for them, possibly many wake-ups earlier, still wakes the loop.
    /// </summary>
    [Fact]
    public async Task Pipeline_OnAStoppedClock_WakesForEveryLocalBatch_AndForAnMqttMessageAfterManyLocalWakeUps()
    {
        var config = ConfigLoader.Load(GatewayFixtureConfig.Write(Dir.Path, Local.Port, Central.Port, ["a01", "a02"]));
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(DateTimeOffset.UtcNow);
        using var host = GatewayHost.Build(config, new GatewayHostOptions
        {
            Time = time,
            AlarmOutput = new DisabledAlarmOutput(),
            MinimumLogLevel = LogLevel.Warning,
        });
        await Task.Run(() => host.StartAsync());
        var ingest = Get<MqttIngestClient>(host);
        var registry = Get<TagRegistry>(host);
        var channel = Get<LocalReadingChannel>(host);
        var pipeline = Get<GatewayPipeline>(host);
        await Eventually.True(() => ingest.IsConnected, TimeSpan.FromSeconds(30), "the gateway subscribes to the node topics");
        Assert.True(registry.TryGetTag("a01", "x", out var x));
        var t0 = time.GetUtcNow().ToUnixTimeMilliseconds();

        for (var i = 1; i <= 20; i++)
        {
            await channel.WriteAsync(LocalSourceKind.Modbus, [new Reading(x, t0 + i, 0.1)], CancellationToken.None);
            await Eventually.True(() => pipeline.LocalBatchesProcessed == i, TimeSpan.FromSeconds(30), $"local batch {i} wakes the pipeline");
        }
        var before = pipeline.MessagesProcessed;

        using var node = new MqttClientFactory().CreateMqttClient();
        await node.ConnectAsync(new MqttClientOptionsBuilder().WithTcpServer(Local.Host, Local.Port).Build());
        await node.PublishAsync(new MqttApplicationMessageBuilder().WithTopic("ea/v1/nodes/n1/readings")
            .WithPayload(Encoding.UTF8.GetBytes("""{"v":1,"asset":"a02","tag":"x","value":0.2}"""))
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build());
        await Eventually.True(() => pipeline.MessagesProcessed > before, TimeSpan.FromSeconds(30), "the MQTT wait armed before the local wake-ups still wakes the pipeline");

        await channel.WriteAsync(LocalSourceKind.Modbus, [new Reading(x, t0 + 100, 0.1)], CancellationToken.None);
        await Eventually.True(() => pipeline.LocalBatchesProcessed == 21, TimeSpan.FromSeconds(30), "the local wait is renewed after the MQTT wake-up");
        await host.StopAsync();
    }

    [Fact]
    public async Task SerialSensorOnAPty_LinesBecomeReadings_AndRaiseTheRule()
    {
        await using var pty = await SocatPty.StartAsync();
        var path = GatewayFixtureConfig.Write(Dir.Path, Local.Port, Central.Port, ["a01"]);
        var json = JsonNode.Parse(await File.ReadAllTextAsync(path))!;
        json["Devices"] = new JsonObject
        {
            ["Serial"] = new JsonArray(new JsonObject
            {
                ["Name"] = "esp32-usb",
                ["Asset"] = "a01",
                ["Port"] = pty.HostEnd,
                ["BaudRate"] = 115200,
                ["Format"] = "KeyValue",
            }),
        };
        await File.WriteAllTextAsync(path, json.ToJsonString());
        var observer = new Observer();
        using var host = GatewayHost.Build(ConfigLoader.Load(path), new GatewayHostOptions
        {
            Observer = observer,
            AlarmOutput = new DisabledAlarmOutput(),
            MinimumLogLevel = LogLevel.Warning,
        });
        await Task.Run(() => host.StartAsync());
        var channel = Get<LocalReadingChannel>(host);
        var status = host.Services.GetService(typeof(IEnumerable<ILocalSourceStatus>)) as IEnumerable<ILocalSourceStatus>;
        var devices = new List<LocalDeviceHealth>();
        await Eventually.True(() =>
        {
            devices.Clear();
            foreach (var s in status!)
            {
                s.Collect(devices);
            }
            return devices.Count == 1 && !devices[0].Degraded;
        }, TimeSpan.FromSeconds(30), "the serial sensor opens its port");

        await using (var wire = new FileStream(pty.DeviceEnd, FileMode.Open, FileAccess.Write, FileShare.ReadWrite, bufferSize: 0))
        {
            // Garbage first: the reader resynchronises at the next line end.
            await wire.WriteAsync(Encoding.ASCII.GetBytes("\u0001\u0002garbage\nx=0.2,y=1\nx=0.9,y=2\n"));
            await Eventually.True(() => observer.Events.Any(e => e.Asset == "a01" && e.Source == "rule:x-high" && e.State == EventState.Open),
                TimeSpan.FromSeconds(30), "a serial line over the threshold raises the rule");
        }
        Assert.Equal(4, channel.Counters.Readings(LocalSourceKind.Serial));
        Assert.Equal(0, channel.Counters.Readings(LocalSourceKind.Modbus));
        devices.Clear();
        foreach (var s in status!)
        {
            s.Collect(devices);
        }
        Assert.Equal(LocalSourceKind.Serial, devices[0].Kind);
        Assert.True(devices[0].Errors >= 1, "the garbage line is counted");
        await host.StopAsync();
    }

    /// <summary>A GPIO chip whose single input the test switches.</summary>
    private sealed class SwitchedPins : IGpioInputPins
    {
        public volatile bool High;

        public int Opened { get; private set; }

        public void OpenInput(int chip, int pin, System.Device.Gpio.PinMode mode) => Opened++;

        public bool Read(int chip, int pin) => High;

        public void Dispose()
        {
        }
    }

    [Fact]
    public async Task GpioInput_DebouncedLevelBecomesATag_AndRaisesTheRule()
    {
        var path = GatewayFixtureConfig.Write(Dir.Path, Local.Port, Central.Port, ["a01"]);
        var json = JsonNode.Parse(await File.ReadAllTextAsync(path))!;
        json["Devices"] = new JsonObject
        {
            ["Gpio"] = new JsonArray(new JsonObject
            {
                ["Name"] = "door",
                ["Asset"] = "a01",
                ["Tag"] = "x",
                ["Pin"] = 5,
                ["Debounce"] = "00:00:00.020",
                ["PollInterval"] = "00:00:00.005",
                ["ReportInterval"] = "00:00:01",
            }),
        };
        await File.WriteAllTextAsync(path, json.ToJsonString());
        var observer = new Observer();
        var pins = new SwitchedPins();
        using var host = GatewayHost.Build(ConfigLoader.Load(path), new GatewayHostOptions
        {
            Observer = observer,
            AlarmOutput = new DisabledAlarmOutput(),
            GpioInputs = pins,
            MinimumLogLevel = LogLevel.Warning,
        });
        await Task.Run(() => host.StartAsync());
        var channel = Get<LocalReadingChannel>(host);
        await Eventually.True(() => channel.Counters.Readings(LocalSourceKind.Gpio) >= 1, TimeSpan.FromSeconds(30), "the input reports its level");
        Assert.Empty(observer.Events);

        pins.High = true;
        await Eventually.True(() => observer.Events.Any(e => e.Asset == "a01" && e.Source == "rule:x-high" && e.State == EventState.Open),
            TimeSpan.FromSeconds(30), "the input going active raises the rule on its tag");
        Assert.Equal(1, pins.Opened);
        var status = (IEnumerable<ILocalSourceStatus>)host.Services.GetService(typeof(IEnumerable<ILocalSourceStatus>))!;
        var devices = new List<LocalDeviceHealth>();
        foreach (var s in status)
        {
            s.Collect(devices);
        }
        Assert.Equal(LocalSourceKind.Gpio, Assert.Single(devices).Kind);
        Assert.True(devices[0].Requests >= 1, "the debounced change is counted");
        await host.StopAsync();
    }
}
