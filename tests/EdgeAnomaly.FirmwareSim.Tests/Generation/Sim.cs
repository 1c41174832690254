using EdgeAnomaly.FirmwareSim.Faults;
using EdgeAnomaly.FirmwareSim.Fleet;
using EdgeAnomaly.FirmwareSim.Generation;

namespace EdgeAnomaly.FirmwareSim.Tests.Generation;

/// <summary>Shorthand for runs in tests; the start is a fixed midnight UTC so daily patterns are predictable.</summary>
internal static class Sim
{
    public const long Start = 1_732_406_400_000; // 2024-11-24T00:00:00Z

    public static SimulationRecording Run(FleetSpec spec, TimeSpan duration, long seed = 1, int batch = 10, FaultSchedule? faults = null, double badShare = 0)
    {
        var sim = new FleetSimulator(spec, new SimulatorOptions { StartMs = Start, Seed = seed, BatchSize = batch, BadInputShare = badShare }, faults);
        return sim.Run(duration);
    }
}
