using EdgeAnomaly.Core.Readings;
using EdgeAnomaly.Devices.Modbus;
using EdgeAnomaly.Modbus;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace EdgeAnomaly.Devices.Tests.Modbus;

/// <summary>
/// The scheduler on fake time with scripted masters. Tests are synchronous and run without a synchronization
/// context, so every continuation runs inline inside <see cref="FakeTimeProvider.Advance"/>: the loops are parked
/// on their next timer whenever the test looks.
/// </summary>
public sealed class ModbusPollSchedulerTests
{
    private const long StartMs = 1_700_000_000_000;

    private sealed class Harness : IDisposable
    {
        private readonly CancellationTokenSource _cts = new();
        private readonly Dictionary<(string, string), int> _tagIds = [];

        public Harness(DevicesOptions options)
        {
            SynchronizationContext.SetSynchronizationContext(null);
            Masters = new ScriptedMasterFactory(Time);
            Scheduler = ModbusPollScheduler.Create(options, Resolve, Masters, Sink, Time, NullLogger.Instance, () => 0);
        }

        /// <summary>Starts the loops; the first cycles run before this returns.</summary>
        public void Start() => Run = Scheduler.RunAsync(_cts.Token);

        public FakeTimeProvider Time { get; } = new(DateTimeOffset.FromUnixTimeMilliseconds(StartMs));

        public ScriptedMasterFactory Masters { get; }

        public RecordingSink Sink { get; } = new();

        public ModbusPollScheduler Scheduler { get; }

        public Task Run { get; private set; } = Task.CompletedTask;

        public int TagId(string asset, string tag) => _tagIds[(asset, tag)];

        private int? Resolve(string asset, string tag)
        {
            if (!_tagIds.TryGetValue((asset, tag), out var id))
            {
                id = _tagIds.Count;
                _tagIds[(asset, tag)] = id;
            }
            return id;
        }

        public ScriptedMaster Master(string key) => Masters.Masters[key];

        /// <summary>Advances fake time in small steps so each timer fires at (or within a step of) its due time.</summary>
        public void Advance(TimeSpan total)
        {
            var step = TimeSpan.FromMilliseconds(10);
            for (var t = TimeSpan.Zero; t < total; t += step)
            {
                Time.Advance(step);
            }
            Assert.False(Run.IsFaulted, Run.Exception?.ToString());
        }

        public ModbusDeviceStatus Status(string device) => Scheduler.GetStatus().Devices.Single(d => d.Name == device);

        public void Dispose()
        {
            _cts.Cancel();
            Assert.True(Run.Wait(TimeSpan.FromSeconds(10)), "the loops end when cancelled");
            Scheduler.DisposeAsync().AsTask().Wait();
            _cts.Dispose();
        }
    }

    private static ModbusDeviceOptions Device(string name, string? tcp = null, string? rtuPort = null, int unit = 1, params ModbusTagOptions[] tags) => new()
    {
        Name = name,
        Asset = name,
        Tcp = tcp,
        Rtu = rtuPort is null ? null : new RtuOptions { Port = rtuPort, BaudRate = 19200 },
        UnitId = unit,
        Tags = [.. tags],
    };

    private static ModbusTagOptions Tag(string name, int address, string type = "uint16", string group = "default", string table = "holding") =>
        new() { Name = name, Table = table, Address = address.ToString(System.Globalization.CultureInfo.InvariantCulture), Type = type, PollGroup = group };

    private static long[] Offsets(IEnumerable<ScriptedMaster.Call> calls) => calls.Select(c => c.AtMs - StartMs).ToArray();

    [Fact]
    public void SlowDevice_KeepsItsCadenceWithoutDrift()
    {
        var options = new DevicesOptions { Modbus = [Device("d", tcp: "plc", tags: Tag("t", 0))] };
        using var h = new Harness(options);
        h.Master("tcp:plc:502").Latency = TimeSpan.FromMilliseconds(300);
        h.Start();
        h.Advance(TimeSpan.FromSeconds(10));
        Assert.Equal(Enumerable.Range(0, 11).Select(k => k * 1000L), Offsets(h.Master("tcp:plc:502").Calls));
        var readings = h.Sink.ReadingsOf("modbus:d");
        Assert.Equal(Enumerable.Range(0, 10).Select(k => StartMs + k * 1000L + 300), readings.Select(r => r.TimestampMs));
        Assert.All(readings, r => Assert.Equal(ReadingQuality.Good, r.Quality));
        Assert.All(readings, r => Assert.Equal(1000.0, r.Value)); // unit 1, address 0
        Assert.Equal(0, h.Status("d").SkippedTicks);
    }

    [Fact]
    public void CycleLongerThanInterval_RunsOnceForTheLatestTickAndCountsTheSkipped()
    {
        var options = new DevicesOptions { Modbus = [Device("d", tcp: "plc", tags: Tag("t", 0))] };
        using var h = new Harness(options);
        h.Master("tcp:plc:502").Latency = TimeSpan.FromMilliseconds(2500);
        h.Start();
        h.Advance(TimeSpan.FromSeconds(10));
        Assert.Equal(new long[] { 0, 2500, 5000, 7500, 10000 }, Offsets(h.Master("tcp:plc:502").Calls));
        Assert.Equal(1 + 2 + 1 + 2, h.Status("d").SkippedTicks);
    }

    [Fact]
    public void PollGroups_EachOnItsOwnGrid()
    {
        var options = new DevicesOptions
        {
            PollGroups = [new() { Name = "fast", Interval = TimeSpan.FromMilliseconds(250) }, new() { Name = "slow", Interval = TimeSpan.FromSeconds(1) }],
            Modbus = [Device("d", tcp: "plc", tags: [Tag("a", 0, group: "fast"), Tag("b", 100, group: "slow")])],
        };
        using var h = new Harness(options);
        h.Start();
        h.Advance(TimeSpan.FromSeconds(2));
        var calls = h.Master("tcp:plc:502").Calls;
        Assert.Equal(Enumerable.Range(0, 9).Select(k => k * 250L), Offsets(calls.Where(c => c.Address == 0)));
        Assert.Equal(new long[] { 0, 1000, 2000 }, Offsets(calls.Where(c => c.Address == 100)));
    }

    [Fact]
    public void CoalescedRequest_DecodesEveryTypeWithScaleAndOffset()
    {
        var options = new DevicesOptions
        {
            Modbus =
            [
                Device("d", tcp: "plc", tags:
                [
                    new ModbusTagOptions { Name = "flow", Table = "holding", Address = "0", Type = "float32", Scale = 2 },
                    new ModbusTagOptions { Name = "level", Table = "holding", Address = "2", Type = "uint16", Scale = 0.1, Offset = 1 },
                    new ModbusTagOptions { Name = "alarm", Table = "holding", Address = "2", Type = "bit", Bit = 3 },
                    new ModbusTagOptions { Name = "temp", Table = "holding", Address = "4", Type = "int16" },
                    new ModbusTagOptions { Name = "fw", Table = "holding", Address = "6", Type = "string", Length = 2 },
                    new ModbusTagOptions { Name = "running", Table = "coil", Address = "9" },
                ]),
            ],
        };
        using var h = new Harness(options);
        var master = h.Master("tcp:plc:502");
        master.Register = (_, table, address) => (table, address) switch
        {
            (ModbusTable.HoldingRegister, 0) => 0x4148, // 12.5f
            (ModbusTable.HoldingRegister, 1) => 0x0000,
            (ModbusTable.HoldingRegister, 2) => 0x000A,
            (ModbusTable.HoldingRegister, 4) => 0xFFF6, // -10
            (ModbusTable.HoldingRegister, 6) => 0x312E, // "1."
            (ModbusTable.HoldingRegister, 7) => 0x3500, // "5"
            (ModbusTable.Coil, 9) => 1,
            _ => 0,
        };
        h.Start();
        h.Advance(TimeSpan.FromMilliseconds(500));
        Assert.Equal(2, master.Calls.Count); // holding 0..7 in one request (gaps 3 and 5 <= 10), coil 9 in another
        var values = h.Sink.ReadingsOf("modbus:d").ToDictionary(r => r.TagId, r => r.Value);
        Assert.Equal(25.0, values[h.TagId("d", "flow")]);
        Assert.Equal(2.0, values[h.TagId("d", "level")], 9);
        Assert.Equal(1.0, values[h.TagId("d", "alarm")]);
        Assert.Equal(-10.0, values[h.TagId("d", "temp")]);
        Assert.Equal(1.5, values[h.TagId("d", "fw")]);
        Assert.Equal(1.0, values[h.TagId("d", "running")]);
    }

    [Fact]
    public void NotANumber_IsReportedBadWithTheLastGoodValueAndCounted()
    {
        var options = new DevicesOptions { Modbus = [Device("d", tcp: "plc", tags: Tag("f", 0, "float32"))] };
        using var h = new Harness(options);
        var master = h.Master("tcp:plc:502");
        master.Register = (_, _, address) => address == 0 ? (ushort)0x4148 : (ushort)0;
        h.Start();
        h.Advance(TimeSpan.FromMilliseconds(500));
        master.Register = (_, _, _) => 0xFFFF; // NaN, the usual "no value" pattern
        h.Advance(TimeSpan.FromSeconds(1));
        var readings = h.Sink.ReadingsOf("modbus:d");
        Assert.Equal(2, readings.Count);
        Assert.Equal(new Reading(0, StartMs + 1000, 12.5, ReadingQuality.Bad), readings[1]);
        Assert.Equal(1, h.Status("d").DecodeErrors);
        Assert.Equal(DeviceState.Ok, h.Status("d").State);
    }

    [Fact]
    public void NoAnswerThenAnswer_RetriedWithinTheCycle()
    {
        var options = new DevicesOptions { Modbus = [Device("d", tcp: "plc", tags: Tag("t", 0))] };
        using var h = new Harness(options);
        var master = h.Master("tcp:plc:502");
        master.NextFaults[1] = new Queue<ScriptedFault>([ScriptedFault.NoAnswer, ScriptedFault.CorruptFrame]);
        h.Start();
        h.Advance(TimeSpan.FromMilliseconds(1500));
        // attempt 1 times out at 1000, attempt 2 gets a corrupt answer at once, attempt 3 succeeds; then tick 1
        // (due at 1000) runs right away, late but not skipped
        Assert.Equal(new long[] { 0, 1000, 1000, 1000 }, Offsets(master.Calls));
        var readings = h.Sink.ReadingsOf("modbus:d");
        Assert.Equal(2, readings.Count);
        Assert.All(readings, r => Assert.Equal((StartMs + 1000, ReadingQuality.Good), (r.TimestampMs, r.Quality)));
        var status = h.Status("d");
        Assert.Equal((4L, 2L, 1L, 1L, 0L, 0L), (status.Requests, status.Responses, status.Timeouts, status.FrameErrors, status.FailedCycles, status.SkippedTicks));
    }

    [Fact]
    public void SlaveException_TagsBadNotRetriedDeviceStaysOk()
    {
        var options = new DevicesOptions { Modbus = [Device("d", tcp: "plc", tags: Tag("t", 0))] };
        using var h = new Harness(options);
        var master = h.Master("tcp:plc:502");
        h.Start();
        h.Advance(TimeSpan.FromMilliseconds(500));
        master.Faults[1] = ScriptedFault.SlaveException;
        h.Advance(TimeSpan.FromSeconds(5));
        Assert.Equal(6, master.Calls.Count); // one per cycle: an exception answer is final
        var readings = h.Sink.ReadingsOf("modbus:d");
        Assert.Equal(ReadingQuality.Good, readings[0].Quality);
        Assert.All(readings.Skip(1), r => Assert.Equal((1000.0, ReadingQuality.Bad), (r.Value, r.Quality)));
        var status = h.Status("d");
        Assert.Equal((DeviceState.Ok, 5L, 0L), (status.State, status.SlaveExceptions, status.FailedCycles));
    }

    [Fact]
    public void BusyAnswer_IsRetried()
    {
        var options = new DevicesOptions { Modbus = [Device("d", tcp: "plc", tags: Tag("t", 0))] };
        using var h = new Harness(options);
        var master = h.Master("tcp:plc:502");
        master.NextFaults[1] = new Queue<ScriptedFault>([ScriptedFault.Busy]);
        h.Start();
        h.Advance(TimeSpan.FromMilliseconds(500));
        Assert.Equal(2, master.Calls.Count);
        Assert.Equal(ReadingQuality.Good, Assert.Single(h.Sink.ReadingsOf("modbus:d")).Quality);
    }

    [Fact]
    public void SilentDevice_RestOfTheCycleIsSkipped()
    {
        var options = new DevicesOptions { Modbus = [Device("d", tcp: "plc", tags: [Tag("a", 0), Tag("b", 500), Tag("c", 1000)])] };
        options.Modbus[0].Retries = 0;
        using var h = new Harness(options);
        var master = h.Master("tcp:plc:502");
        master.Faults[1] = ScriptedFault.NoAnswer;
        h.Start();
        h.Advance(TimeSpan.FromMilliseconds(2500));
        Assert.Equal(new long[] { 0, 1000, 2000 }, Offsets(master.Calls)); // one timed-out request per cycle, not three
        Assert.Empty(h.Sink.ReadingsOf("modbus:d")); // nothing known yet: no made-up values
        Assert.Equal(2, h.Status("d").FailedCycles); // the third ends at 3000
    }

    [Fact]
    public void DeadUnitOnASharedBus_DegradesRetriesOnBackoffAndRecovers_WhileTheOtherUnitKeepsItsCadence()
    {
        var options = new DevicesOptions
        {
            Modbus = [Device("u1", rtuPort: "/dev/ttyS1", unit: 1, tags: Tag("t", 0)), Device("u2", rtuPort: "/dev/ttyS1", unit: 2, tags: [Tag("t", 0), Tag("s", 1, group: "slow")])],
            PollGroups = [new() { Name = "slow", Interval = TimeSpan.FromSeconds(5) }],
        };
        foreach (var d in options.Modbus)
        {
            d.Timeout = TimeSpan.FromMilliseconds(200);
            d.DegradedRetry = BackoffOptions.Create(TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(20), jitter: 0);
        }
        using var h = new Harness(options);
        var bus = h.Master("rtu:/dev/ttyS1");
        Assert.Single(h.Masters.Masters); // one master for the bus
        h.Start();
        h.Advance(TimeSpan.FromMilliseconds(500));
        bus.Faults[2] = ScriptedFault.NoAnswer;
        // cycles at 1000, 2000, 3000 each take 3 x 200 ms of timeouts; degraded at 3600, next try at 3600 + 5000
        h.Advance(TimeSpan.FromMilliseconds(3600));
        Assert.Equal(DeviceState.Degraded, h.Status("u2").State);
        Assert.Equal(StartMs + 3600, h.Status("u2").DegradedSince!.Value.ToUnixTimeMilliseconds());
        // first try at the tick after 8600 (9000): one attempt, fails; the next waits 10 s (until 19200)
        h.Advance(TimeSpan.FromMilliseconds(8400));
        bus.Faults[2] = ScriptedFault.None;
        h.Advance(TimeSpan.FromMilliseconds(8400)); // 20900
        var u2 = Offsets(bus.CallsFor(2));
        // both groups at 0; three attempts per failed cycle; nothing while degraded (the slow group's ticks at 5000,
        // 10000, 15000 included) but the try at 9000; both groups again at 20000
        Assert.Equal(new long[] { 0, 0, 1000, 1000, 1000, 2000, 2000, 2000, 3000, 3000, 3000, 9000, 20000, 20000 },
            u2.Select(t => t - (t % 1000)).ToArray()); // call start rounded to its cycle
        Assert.Equal(DeviceState.Ok, h.Status("u2").State);
        Assert.Equal(1, h.Status("u2").DegradedEntries);
        // the other unit on the bus: every second on the dot, never two transactions at once
        Assert.Equal(Enumerable.Range(0, 21).Select(k => k * 1000L), Offsets(bus.CallsFor(1)));
        Assert.Equal(1, bus.MaxInFlight);
        Assert.Equal((DeviceState.Ok, 0L), (h.Status("u1").State, h.Status("u1").FailedCycles));

        // u2's tags: good at 0, bad (last good value) after each failed cycle and on entering degraded, good again at 20000
        var t = h.TagId("u2", "t");
        var s = h.TagId("u2", "s");
        var readings = h.Sink.ReadingsOf("modbus:u2");
        var tReadings = readings.Where(r => r.TagId == t).Select(r => (r.TimestampMs - StartMs, r.Quality)).ToArray();
        Assert.Equal(ReadingQuality.Good, tReadings[0].Quality);
        Assert.Equal(new[] { ReadingQuality.Bad, ReadingQuality.Bad, ReadingQuality.Bad, ReadingQuality.Bad }, tReadings[1..5].Select(x => x.Quality));
        Assert.Equal(ReadingQuality.Good, tReadings[5].Quality);
        Assert.True(tReadings[5].Item1 >= 20000);
        var sBad = readings.Where(r => r.TagId == s && r.Quality == ReadingQuality.Bad).ToList();
        Assert.Equal(StartMs + 3600, sBad[0].TimestampMs); // the slow group's tag goes bad when the device is degraded
        Assert.Equal(2001.0, sBad[0].Value);
    }

    [Fact]
    public void DevicesOnDifferentLinks_PollConcurrently_SameEndpointSharesOneMaster()
    {
        var options = new DevicesOptions
        {
            Modbus = [Device("a", tcp: "plc-a", tags: Tag("t", 0)), Device("b", tcp: "plc-b", tags: Tag("t", 0)), Device("c", tcp: "plc-b", unit: 2, tags: Tag("t", 0))],
        };
        using var h = new Harness(options);
        h.Master("tcp:plc-a:502").Latency = TimeSpan.FromMilliseconds(600);
        h.Master("tcp:plc-b:502").Latency = TimeSpan.FromMilliseconds(300);
        h.Start();
        h.Advance(TimeSpan.FromMilliseconds(1500));
        Assert.Equal(2, h.Masters.Masters.Count);
        Assert.Equal(new long[] { 0, 1000 }, Offsets(h.Master("tcp:plc-a:502").Calls));
        Assert.Equal(new long[] { 0, 300, 1000, 1300 }, Offsets(h.Master("tcp:plc-b:502").Calls));
        Assert.Equal(1, h.Master("tcp:plc-b:502").MaxInFlight);
        var status = h.Scheduler.GetStatus();
        Assert.Equal(new[] { "b", "c" }, status.Links.Single(l => l.Link == "tcp:plc-b:502").Devices);
        Assert.Equal(3, h.Scheduler.RequestsPerCycle);
    }

    [Fact]
    public void Stop_EndsTheLoopsAndDisposesTheMasters()
    {
        var options = new DevicesOptions { Modbus = [Device("d", tcp: "plc", tags: Tag("t", 0))] };
        var h = new Harness(options);
        h.Master("tcp:plc:502").Latency = TimeSpan.FromSeconds(5); // parked inside a transaction
        h.Start();
        h.Advance(TimeSpan.FromMilliseconds(100));
        h.Dispose();
        Assert.True(h.Run.IsCompletedSuccessfully);
        Assert.True(h.Master("tcp:plc:502").Disposed);
    }

    [Fact]
    public void Create_InvalidOptions_ThrowsWithEveryKey()
    {
        var options = new DevicesOptions { Modbus = [Device("d", tcp: "plc", tags: Tag("t", 0, "float"))] };
        var ex = Assert.Throws<DevicesConfigException>(() => ModbusPollScheduler.Create(options, (_, _) => 1,
            new ScriptedMasterFactory(TimeProvider.System), new RecordingSink(), TimeProvider.System, NullLogger.Instance));
        Assert.StartsWith("Devices:Modbus:0:Tags:0:Type 'float'", Assert.Single(ex.Errors), StringComparison.Ordinal);
    }
}
