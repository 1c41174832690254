using EdgeAnomaly.Core.Readings;
using EdgeAnomaly.Devices.Modbus;
using EdgeAnomaly.Devices.Tests.Modbus;
using EdgeAnomaly.TestSupport;
using Microsoft.Extensions.Logging.Abstractions;

namespace EdgeAnomaly.Devices.Tests.Integration;

/// <summary>
/// The scheduler with the real masters (EdgeAnomaly.Modbus) against the firmware-sim pump slave: over Modbus TCP
/// on loopback, and over RTU through a socat pty pair with several unit ids on one line.
/// </summary>
[Collection("modbus-sim")]
public sealed class ModbusSimIntegrationTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    private sealed class Rig : IAsyncDisposable
    {
        private readonly CancellationTokenSource _cts = new();
        private readonly Dictionary<(string, string), int> _ids = [];
        private readonly List<string> _names = [];
        private bool _disposed;

        public Rig(DevicesOptions options)
        {
            Scheduler = ModbusPollScheduler.Create(options, Resolve, new ModbusMasterFactory(TimeProvider.System), Sink, TimeProvider.System, NullLogger.Instance);
            Run = Task.Run(() => Scheduler.RunAsync(_cts.Token));
        }

        public RecordingSink Sink { get; } = new();

        public ModbusPollScheduler Scheduler { get; }

        public Task Run { get; }

        public string TagName(int id) => _names[id];

        private int? Resolve(string asset, string tag)
        {
            if (!_ids.TryGetValue((asset, tag), out var id))
            {
                id = _ids.Count;
                _ids[(asset, tag)] = id;
                _names.Add(tag);
            }
            return id;
        }

        public ModbusDeviceStatus Status(string name) => Scheduler.GetStatus().Devices.Single(d => d.Name == name);

        public async ValueTask DisposeAsync()
        {
            if (_disposed)
            {
                return;
            }
            _disposed = true;
            await _cts.CancelAsync();
            await Run.WaitAsync(Deadline);
            await Scheduler.DisposeAsync();
            _cts.Dispose();
        }
    }

    private static ModbusDeviceOptions Pump(string name, byte unit, string? tcp = null, string? rtu = null, List<ModbusTagOptions>? tags = null)
    {
        var device = new ModbusDeviceOptions
        {
            Name = name,
            Asset = name,
            Tcp = tcp,
            Rtu = rtu is null ? null : new RtuOptions { Port = rtu, BaudRate = 19200, Parity = "None" },
            UnitId = unit,
            Timeout = TimeSpan.FromSeconds(2), // generous: a loaded CI machine must not turn into a timeout here
            Tags = tags ?? PumpSim.Map(unit).Tags,
        };
        return device;
    }

    /// <summary>Every batch of the device holds every tag, good, with the unit's frozen value.</summary>
    private static void AssertEveryCycleComplete(Rig rig, string device, byte unit, int minimumCycles)
    {
        var expected = PumpSim.Map(unit).Expected;
        var batches = rig.Sink.Batches.Where(b => b.Source == "modbus:" + device).ToList();
        Assert.True(batches.Count >= minimumCycles, $"{device}: {batches.Count} cycles, expected at least {minimumCycles}");
        foreach (var (_, readings) in batches)
        {
            Assert.Equal(expected.Count, readings.Length);
            foreach (var r in readings)
            {
                var name = rig.TagName(r.TagId);
                Assert.Equal(ReadingQuality.Good, r.Quality);
                Assert.True(Math.Abs(expected[name] - r.Value) <= 1e-9 * Math.Max(1, Math.Abs(expected[name])),
                    $"{device} {name}: read {r.Value}, the slave holds {expected[name]}");
            }
        }
    }

    [Fact]
    public async Task Tcp_EveryTypeAndByteOrder_ReadsWhatTheSlaveHolds_InTheMinimalNumberOfRequests()
    {
        await using var sim = await PumpSim.StartAsync([1, 7], tcp: true);
        var options = new DevicesOptions
        {
            PollGroups = [new() { Name = "default", Interval = TimeSpan.FromMilliseconds(200) }],
            Modbus = [Pump("pump-1", 1, tcp: sim.TcpEndpoint), Pump("pump-7", 7, tcp: sim.TcpEndpoint)],
        };
        await using var rig = new Rig(options);
        Assert.Equal(2 * PumpSim.MapRequests, rig.Scheduler.RequestsPerCycle);
        Assert.Equal(1, rig.Scheduler.LinkCount); // one endpoint, one connection
        await Eventually.True(() => rig.Status("pump-1").Cycles >= 5 && rig.Status("pump-7").Cycles >= 5, Deadline, "both units polled");
        AssertEveryCycleComplete(rig, "pump-1", 1, 5);
        AssertEveryCycleComplete(rig, "pump-7", 7, 5);
        var s = rig.Status("pump-1");
        Assert.Equal(s.Cycles * PumpSim.MapRequests, s.Requests, 1.0 * PumpSim.MapRequests); // the last cycle may be in flight
        Assert.Equal((0L, 0L, 0L), (s.Timeouts, s.FrameErrors, s.FailedCycles));
    }

    [Fact]
    public async Task Rtu_SeveralUnitsOnOneLine_PolledConcurrentlyByConfig_NoFrameInterleavedOrLost()
    {
        await using var pty = await SocatPty.StartAsync();
        byte[] units = [1, 2, 3, 4];
        await using var sim = await PumpSim.StartAsync(units, tcp: false, rtuDevice: pty.DeviceEnd);
        var options = new DevicesOptions
        {
            PollGroups = [new() { Name = "default", Interval = TimeSpan.FromMilliseconds(500) }],
            Modbus = [.. units.Select(u => Pump($"pump-{u}", u, rtu: pty.HostEnd))],
        };
        await using (var rig = new Rig(options))
        {
            Assert.Equal(1, rig.Scheduler.LinkCount); // the four share one bus and one master
            await Eventually.True(() => units.All(u => rig.Status($"pump-{u}").Cycles >= 10), Deadline, "every unit polled ten times");
            await rig.DisposeAsync(); // stopping may cut the transaction in flight: at most one on the whole line

            // Nothing interleaved (no frame errors) and nothing lost (no failed cycle). A timeout that the retry
            // recovered loses nothing; on a starved CI box the slave process can miss the 1 s timeout once, so a
            // few are tolerated and accounted for below.
            foreach (var u in units)
            {
                AssertEveryCycleComplete(rig, $"pump-{u}", u, 10);
                var s = rig.Status($"pump-{u}");
                Assert.Equal((0L, 0L, 0L), (s.FrameErrors, s.FailedCycles, s.TransportErrors));
                Assert.InRange(s.Timeouts, 0, 2);
                Assert.Equal(s.Cycles * PumpSim.MapRequests, s.Responses, 1.0 * PumpSim.MapRequests);
            }
            var devices = rig.Scheduler.GetStatus().Devices;
            var requests = devices.Sum(d => d.Requests);
            var responses = devices.Sum(d => d.Responses);
            var timeouts = devices.Sum(d => d.Timeouts);
            Assert.InRange(requests - responses, 0, 1 + timeouts);
            var link = Assert.Single(rig.Scheduler.GetStatus().Links);
            Assert.Equal(0L, link.FrameErrors);
            // what the slave saw: every request well-formed and answered, nothing foreign on the line
            Assert.Equal(0, sim.Simulator.Counters.Malformed);
            Assert.InRange(sim.Simulator.Counters.Requests, responses, requests);
            Assert.InRange(sim.Simulator.Counters.Responses, responses, requests);
        }
    }

    [Fact]
    public async Task Rtu_DroppedUnitDegradesAndRecovers_WhileTheOthersOnTheLineKeepTheirCadence()
    {
        await using var pty = await SocatPty.StartAsync();
        byte[] units = [1, 2, 3];
        await using var sim = await PumpSim.StartAsync(units, tcp: false, rtuDevice: pty.DeviceEnd);
        var interval = TimeSpan.FromSeconds(1);
        var options = new DevicesOptions
        {
            PollGroups = [new() { Name = "default", Interval = interval }],
            Modbus = [.. units.Select(u => Pump($"pump-{u}", u, rtu: pty.HostEnd))],
        };
        foreach (var d in options.Modbus)
        {
            d.Timeout = TimeSpan.FromMilliseconds(250);
            d.Retries = 1;
            d.FailuresBeforeDegraded = 2;
            d.DegradedRetry = BackoffOptions.Create(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2), jitter: 0);
        }
        await using var rig = new Rig(options);
        await Eventually.True(() => units.All(u => rig.Status($"pump-{u}").Cycles >= 2), Deadline, "every unit answers first");

        sim.Drop(2, TimeSpan.FromSeconds(5));
        await Eventually.True(() => rig.Status("pump-2").State == DeviceState.Degraded, Deadline, "the dropped unit is degraded");
        var degradedAt = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        await Eventually.True(() => rig.Status("pump-2").State == DeviceState.Ok, Deadline, "the unit recovers once it answers again");
        var recoveredAt = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        await Eventually.True(() => rig.Sink.ReadingsOf("modbus:pump-2").Any(r => r.Quality == ReadingQuality.Good && r.TimestampMs > recoveredAt - 1000),
            Deadline, "good readings again after recovery");

        var s2 = rig.Status("pump-2");
        Assert.Equal(1, s2.DegradedEntries);
        Assert.True(s2.Timeouts >= 4, $"timeouts counted: {s2.Timeouts}");
        var bad = rig.Sink.ReadingsOf("modbus:pump-2").Where(r => r.Quality == ReadingQuality.Bad).ToList();
        Assert.NotEmpty(bad);
        Assert.All(bad, r => Assert.Equal(PumpSim.Map(2).Expected[rig.TagName(r.TagId)], r.Value)); // the last good value, never made up

        foreach (var u in new byte[] { 1, 3 })
        {
            var s = rig.Status($"pump-{u}");
            Assert.Equal((DeviceState.Ok, 0L, 0L), (s.State, s.FailedCycles, s.DegradedEntries));
            // cadence: a complete good cycle every tick, including while unit 2 was failing (its timeouts take
            // 2 x 250 ms of each 1 s tick) and degraded; a loaded CI machine may make a tick late now and then
            Assert.True(s.SkippedTicks <= 3, $"pump-{u} skipped {s.SkippedTicks} of {s.Cycles} ticks");
            var times = rig.Sink.Batches.Where(b => b.Source == $"modbus:pump-{u}").Select(b => b.Readings[0].TimestampMs).ToList();
            var gaps = times.Zip(times.Skip(1), (a, b) => b - a).ToList();
            Assert.True(gaps.Max() < 2.5 * interval.TotalMilliseconds, $"pump-{u}: largest gap between cycles {gaps.Max()} ms (degraded at {degradedAt})");
            AssertEveryCycleComplete(rig, $"pump-{u}", u, 5);
        }
    }

    [Fact]
    public async Task Rtu_LateAnswersOfOneUnit_AreNeverTakenForAnotherUnitsAnswer()
    {
        await using var pty = await SocatPty.StartAsync();
        byte[] units = [1, 2, 3];
        await using var sim = await PumpSim.StartAsync(units, tcp: false, rtuDevice: pty.DeviceEnd);
        var options = new DevicesOptions
        {
            PollGroups = [new() { Name = "default", Interval = TimeSpan.FromMilliseconds(500) }],
            Modbus = [.. units.Select(u => Pump($"pump-{u}", u, rtu: pty.HostEnd))],
        };
        foreach (var d in options.Modbus)
        {
            d.Timeout = TimeSpan.FromMilliseconds(200);
            d.FailuresBeforeDegraded = 1000; // keep unit 2 polled every cycle, so its late answers keep coming
        }
        await using var rig = new Rig(options);
        await Eventually.True(() => units.All(u => rig.Status($"pump-{u}").Cycles >= 2), Deadline, "every unit answers first");
        sim.Delay(2, TimeSpan.FromMilliseconds(350), TimeSpan.FromSeconds(4)); // answers after the master gave up
        var before = rig.Status("pump-2").Timeouts;
        await Eventually.True(() => rig.Status("pump-2").Timeouts >= before + 6, Deadline, "unit 2 times out repeatedly");
        await Eventually.True(() => rig.Sink.ReadingsOf("modbus:pump-2").TakeLast(5).All(r => r.Quality == ReadingQuality.Good)
                && rig.Status("pump-2").ConsecutiveFailures == 0, Deadline, "unit 2 answers in time again after the fault");

        foreach (var u in units)
        {
            var expected = PumpSim.Map(u).Expected;
            var good = rig.Sink.ReadingsOf($"modbus:pump-{u}").Where(r => r.Quality == ReadingQuality.Good).ToList();
            Assert.NotEmpty(good);
            foreach (var r in good)
            {
                var name = rig.TagName(r.TagId);
                Assert.True(Math.Abs(expected[name] - r.Value) <= 1e-9 * Math.Max(1, Math.Abs(expected[name])),
                    $"pump-{u} {name}: read {r.Value}, the unit holds {expected[name]} (another unit's answer?)");
            }
            Assert.Equal(DeviceState.Ok, rig.Status($"pump-{u}").State);
        }
    }
}
