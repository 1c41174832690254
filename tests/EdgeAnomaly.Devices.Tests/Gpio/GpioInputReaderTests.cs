using System.Device.Gpio;
using EdgeAnomaly.Core.Readings;
using EdgeAnomaly.Devices.Gpio;
using EdgeAnomaly.Devices.Tests.Modbus;
using EdgeAnomaly.TestSupport;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace EdgeAnomaly.Devices.Tests.Gpio;

public sealed class GpioInputReaderTests
{
    private const long StartMs = 1_700_000_000_000;

    private sealed class ScriptedPins(FakeTimeProvider time) : IGpioInputPins
    {
        private long _reads;

        public Dictionary<int, Func<long, bool>> Levels { get; } = [];

        public HashSet<int> Broken { get; } = [];

        public Dictionary<int, PinMode> Opened { get; } = [];

        public long Reads => Interlocked.Read(ref _reads);

        public void OpenInput(int chip, int pin, PinMode mode)
        {
            if (!Levels.ContainsKey(pin))
            {
                throw new InvalidOperationException($"pin {pin} is not available");
            }
            Opened[pin] = mode;
        }

        public bool Read(int chip, int pin)
        {
            Interlocked.Increment(ref _reads);
            if (Broken.Contains(pin))
            {
                throw new IOException("read failed");
            }
            return Levels[pin](time.GetUtcNow().ToUnixTimeMilliseconds() - StartMs);
        }

        public void Dispose()
        {
        }
    }

    private static int? Resolve(string asset, string tag) => asset == "press" ? tag switch { "door" => 1, "estop" => 2, _ => null } : null;

    private static GpioInputOptions Input(string name, int pin, bool activeLow = false, int reportSeconds = 0) => new()
    {
        Name = name,
        Asset = "press",
        Pin = pin,
        ActiveLow = activeLow,
        Pull = activeLow ? "Up" : "None",
        Debounce = TimeSpan.FromMilliseconds(20),
        PollInterval = TimeSpan.FromMilliseconds(5),
        ReportInterval = TimeSpan.FromSeconds(reportSeconds),
    };

    /// <summary>Advances fake time one poll interval at a time, waiting until the reader has sampled each tick.</summary>
    private static async Task Run(FakeTimeProvider time, ScriptedPins pins, Task reader, int ms, int pinsPerTick)
    {
        for (var t = 0; t < ms; t += 5)
        {
            var reads = pins.Reads;
            time.Advance(TimeSpan.FromMilliseconds(5));
            await Eventually.True(() => pins.Reads >= reads + pinsPerTick || reader.IsCompleted, TimeSpan.FromSeconds(30), "the reader samples every tick");
        }
    }

    [Fact]
    public async Task BouncingContact_ReportsOnceDebounced_ActiveLowInverted_HeartbeatEveryReportInterval()
    {
        var time = new FakeTimeProvider(DateTimeOffset.FromUnixTimeMilliseconds(StartMs));
        var pins = new ScriptedPins(time);
        // door: low (open) until 100 ms, then bounces 100..130, then high for good
        pins.Levels[17] = ms => ms >= 100 && (ms >= 130 || (ms / 5) % 2 == 0);
        // estop: active-low, pulled up (high = not pressed) throughout
        pins.Levels[27] = _ => true;
        var sink = new RecordingSink();
        var reader = new GpioInputReader([Input("door", 17, reportSeconds: 1), Input("estop", 27, activeLow: true)], Resolve, sink, time, NullLogger.Instance, pins);
        using var cts = new CancellationTokenSource();
        var run = Task.Run(() => reader.RunAsync(cts.Token));
        await Eventually.True(() => pins.Reads >= 2, TimeSpan.FromSeconds(30), "first samples at start");
        await Run(time, pins, run, 1200, 2);
        cts.Cancel();
        await run.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(PinMode.InputPullUp, pins.Opened[27]);
        var door = sink.ReadingsOf("gpio").Where(r => r.TagId == 1).Select(r => (r.TimestampMs - StartMs, r.Value)).ToList();
        // 0 once stable (20 ms), 1 once the bouncing is over for 20 ms (130 + 20), then the 1 s heartbeat
        Assert.Equal([(20L, 0.0), (150L, 1.0), (1150L, 1.0)], door);
        var estop = sink.ReadingsOf("gpio").Where(r => r.TagId == 2).Select(r => (r.TimestampMs - StartMs, r.Value)).ToList();
        Assert.Equal([(20L, 0.0)], estop); // high on an active-low input = inactive; no heartbeat configured
        Assert.All(sink.ReadingsOf("gpio"), r => Assert.Equal(ReadingQuality.Good, r.Quality));
        var status = reader.GetStatus();
        Assert.Equal((true, (bool?)true, 2L), (status[0].Enabled, status[0].Level, status[0].Changes));
    }

    [Fact]
    public async Task PinThatFailsToOpenOrRead_IsCountedAndTheOthersKeepWorking()
    {
        var time = new FakeTimeProvider(DateTimeOffset.FromUnixTimeMilliseconds(StartMs));
        var pins = new ScriptedPins(time);
        pins.Levels[17] = _ => true;
        pins.Levels[27] = _ => true;
        pins.Broken.Add(27);
        var options = new[] { Input("door", 17), Input("estop", 27), Input("ghost", 99) };
        options[2].Tag = "door"; // ghost's tag does not matter: pin 99 cannot be opened
        options[2].Asset = "press";
        var sink = new RecordingSink();
        var reader = new GpioInputReader(options, Resolve, sink, time, NullLogger.Instance, pins);
        using var cts = new CancellationTokenSource();
        var run = Task.Run(() => reader.RunAsync(cts.Token));
        await Eventually.True(() => pins.Reads >= 2, TimeSpan.FromSeconds(30), "first samples at start");
        await Run(time, pins, run, 50, 2);
        cts.Cancel();
        await run.WaitAsync(TimeSpan.FromSeconds(30));
        var status = reader.GetStatus();
        Assert.False(status[2].Enabled);
        Assert.True(status[1].ReadErrors >= 10);
        Assert.Equal([(20L, 1.0)], sink.ReadingsOf("gpio").Select(r => (r.TimestampMs - StartMs, r.Value)).ToList());
    }

    [Fact]
    public async Task NoGpioOnThisMachine_DisabledAndReturns()
    {
        if (GpioControllerPins.Unavailable(63) is null)
        {
            return; // a machine with 64 GPIO chips: nothing to show here
        }
        var options = Input("door", 17);
        options.Chip = 63;
        var reader = new GpioInputReader([options], Resolve, new RecordingSink(), TimeProvider.System, NullLogger.Instance);
        await reader.RunAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30));
        Assert.False(reader.GetStatus()[0].Enabled);
    }

    [Fact]
    public void InvalidOptions_NameTheKey()
    {
        var options = Input("door", 17);
        options.Debounce = TimeSpan.FromSeconds(-1);
        var ex = Assert.Throws<DevicesConfigException>(() => new GpioInputReader([options], Resolve, new RecordingSink(), TimeProvider.System, NullLogger.Instance));
        Assert.StartsWith("Devices:Gpio:0:Debounce must be", Assert.Single(ex.Errors), StringComparison.Ordinal);
    }
}
