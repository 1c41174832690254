using EdgeAnomaly.FirmwareSim.Fleet;

namespace EdgeAnomaly.FirmwareSim.Tests.Generation;

/// <summary>The signals look like the plant: load cycles drive correlated tags, noise has the modelled sigma.</summary>
public class SignalModelTests
{
    private static readonly FleetSpec Pump = FleetSpec.Default(1, 1);

    private static List<ParsedReading> PumpReadings(TimeSpan duration, long seed = 11) =>
        ContractReader.Readings(Sim.Run(Pump, duration, seed));

    private static double[] Values(List<ParsedReading> readings, string tag) =>
        [.. readings.Where(r => r.Tag == tag).OrderBy(r => r.Ts).Select(r => r.Value)];

    [Fact]
    public void Pump_CurrentAndFlow_AreStronglyCorrelatedThroughTheLoadCycle()
    {
        var readings = PumpReadings(TimeSpan.FromHours(4));
        var flow = readings.Where(r => r.Tag == "flow.m3h").ToDictionary(r => r.Ts, r => r.Value);
        var pairs = readings.Where(r => r.Tag == "current.a" && flow.ContainsKey(r.Ts)).Select(r => (r.Value, flow[r.Ts])).ToList();

        Assert.True(pairs.Count > 10_000);
        Assert.InRange(Correlation(pairs), 0.97, 1.0);
    }

    [Fact]
    public void Pump_LoadCycle_HasRunningAndIdlePhasesWithModelledCurrent()
    {
        var current = Values(PumpReadings(TimeSpan.FromHours(4)), "current.a");

        // Idle: base 0.4 A; running: 0.4 + 15 * (0.75..0.95) A. Ramps are short, so few samples sit in between.
        var idle = current.Where(v => v < 3).ToArray();
        var running = current.Where(v => v > 10).ToArray();
        Assert.True(idle.Length > current.Length / 10, $"idle share {idle.Length}/{current.Length}");
        Assert.True(running.Length > current.Length / 3, $"running share {running.Length}/{current.Length}");
        Assert.InRange(idle.Average(), 0.35, 0.45);
        Assert.InRange(running.Average(), 0.4 + 15 * 0.75, 0.4 + 15 * 0.95);
        Assert.True(current.Length - idle.Length - running.Length < current.Length / 50);
    }

    [Fact]
    public void Pump_IdleCurrentNoise_HasTheModelledSigma()
    {
        var idle = Values(PumpReadings(TimeSpan.FromHours(4)), "current.a").Where(v => v < 2).ToArray();
        var mean = idle.Average();
        var sd = Math.Sqrt(idle.Select(v => (v - mean) * (v - mean)).Average());

        Assert.InRange(sd, 0.25 * 0.95, 0.25 * 1.05);
    }

    [Fact]
    public void Pump_Temperature_LagsTheLoadInsteadOfJumping()
    {
        var readings = PumpReadings(TimeSpan.FromHours(4));
        var current = Values(readings, "current.a");
        var temperature = Values(readings, "temperature.c");

        // Current jumps ~12 A within a 15 s ramp; temperature (tau 900 s, 5 s samples) moves a few hundredths per sample.
        var maxCurrentStep = current.Zip(current.Skip(1)).Max(p => Math.Abs(p.Second - p.First));
        var maxTempStep = temperature.Zip(temperature.Skip(1)).Max(p => Math.Abs(p.Second - p.First));
        Assert.True(maxCurrentStep > 0.3);
        Assert.InRange(maxTempStep, 0.05, 1.0);
        Assert.InRange(temperature.Max() - temperature.Min(), 8, 40);
    }

    [Fact]
    public void Ambient_OverASimulatedDay_IsWarmestMidAfternoonAndCoolestBeforeDawn()
    {
        var ambient = PumpReadings(TimeSpan.FromHours(24)).Where(r => r.Tag == "ambient.c").ToList();
        double MeanAround(int hour) => ambient.Where(r => Math.Abs((r.Ts - Sim.Start) / 3_600_000.0 - hour) < 0.5).Average(r => r.Value);

        Assert.InRange(MeanAround(15), 25.5, 26.5);
        Assert.InRange(MeanAround(3), 13.5, 14.5);
        Assert.InRange(MeanAround(9), 19.5, 20.5);
    }

    [Theory]
    [InlineData("motor", "vibration.mms", "current.a")]
    [InlineData("compressor", "pressure.bar", "current.a")]
    public void OtherAssetTypes_LoadDrivenTags_MoveTogether(string type, string tagA, string tagB)
    {
        var spec = FleetSpec.Default(3, 1);
        var asset = spec.Assets.First(a => a.Type == type).Name;
        var readings = ContractReader.Readings(Sim.Run(spec, TimeSpan.FromHours(2), seed: 4)).Where(r => r.Asset == asset).ToList();
        var b = readings.Where(r => r.Tag == tagB).ToDictionary(r => r.Ts, r => r.Value);
        var pairs = readings.Where(r => r.Tag == tagA && b.ContainsKey(r.Ts)).Select(r => (r.Value, b[r.Ts])).ToList();

        Assert.InRange(Math.Abs(Correlation(pairs)), 0.8, 1.0);
    }

    [Fact]
    public void Motor_Speed_IsZeroWhenStoppedAndNearSynchronousWhenRunning()
    {
        var spec = FleetSpec.Default(2, 1);
        var readings = ContractReader.Readings(Sim.Run(spec, TimeSpan.FromHours(2), seed: 4)).Where(r => r.Asset == "motor-01").ToList();
        var current = readings.Where(r => r.Tag == "current.a").ToDictionary(r => r.Ts, r => r.Value);
        var speed = readings.Where(r => r.Tag == "speed.rpm").Select(r => (Speed: r.Value, Current: current[r.Ts])).ToList();

        // Well below the 5 % load threshold, allowing 3 sigma of current noise (base 0.6 A, sigma 0.3 A).
        var stopped = speed.Where(p => p.Current < 0.6).ToList();
        var running = speed.Where(p => p.Current > 0.6 + 22 * 0.3 - 1).ToList();
        Assert.NotEmpty(stopped);
        Assert.NotEmpty(running);
        Assert.All(stopped, p => Assert.InRange(p.Speed, 0, 10));
        Assert.All(running, p => Assert.InRange(p.Speed, 1460, 1500));
    }

    private static double Correlation(List<(double X, double Y)> pairs)
    {
        var mx = pairs.Average(p => p.X);
        var my = pairs.Average(p => p.Y);
        var cov = pairs.Sum(p => (p.X - mx) * (p.Y - my));
        var vx = pairs.Sum(p => (p.X - mx) * (p.X - mx));
        var vy = pairs.Sum(p => (p.Y - my) * (p.Y - my));
        return cov / Math.Sqrt(vx * vy);
    }
}
