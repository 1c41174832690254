using System.Globalization;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using EdgeAnomaly.Bench.Detection;
using EdgeAnomaly.Bench.EndToEnd;
using EdgeAnomaly.Bench.Modbus;
using EdgeAnomaly.Bench.Models;
using EdgeAnomaly.Bench.Scoring;
using MQTTnet.Protocol;

// Usage (see docs/benchmarks.md and bench/*.sh):
//   micro [BenchmarkDotNet args, e.g. --filter *Detector*]   detector core and decoder (in-process toolchain)
//   ingest --qos 0|1 --seconds N [--assets A --in-flight W --publishers P --bare-deferred-ack] end-to-end ingest vs a bare subscriber
//   latency --seconds N --rate R --trip-every K [--warmup 5 --offbox-nice 10]  publish -> commit / uplink latency (nice: the nodes' and
//     central server's roles, off the box in production, at lower priority than the gateway and its local broker)
//   drain --revisions N [--subscriber mqttnet|mqttnet-deferred|mosquitto_sub] [--tls]  backlog drain after a central outage
//   footprint --tags N --hz H --seconds N [--no-detectors] [--flush hh:mm:ss]  RSS and disk writes
//     (env BENCH_GATEWAY=out/publish/RID/edgeanomaly runs the published binary, BENCH_UNIT=systemd/edgeanomaly.service
//     applies the unit's Environment= lines: together, what a deployed gateway runs)
//   modbus-tcp --sim DLL [--devices 100 --tags 50 --seconds 60 --warmup 20 --no-detectors --statistics-on-all --health-seconds 1 --spike-window N]   Modbus TCP fleet: CPU, requests per cycle (bench/run-modbus.sh)
//   modbus-rtu --sim DLL [--units 4 --registers 40 --baud 19200 --seconds 60 --gap-ms 20 --sim-gap-ms X --no-pacing]  RTU bus cycle vs wire time
//   iforest --train CSV --test CSV [--trees 100 --subsample 256 --seed 1 --repeats 5]  Isolation Forest (bench/iforest-vs-sklearn.sh)
//   scoring [--tags 16 --train-seconds 7200 --score-seconds 86400 --repeats 3]  per-asset model pipeline per step, bundle size (docs/benchmarks.md)
var mode = args.Length > 0 ? args[0] : "micro";
var rest = args.Skip(1).ToArray();
int Int(string name, int fallback) => Arg(rest, name) is { } v ? int.Parse(v, CultureInfo.InvariantCulture) : fallback;
double Dbl(string name, double fallback) => Arg(rest, name) is { } v ? double.Parse(v, CultureInfo.InvariantCulture) : fallback;

switch (mode)
{
    case "micro":
        // In-process: BenchmarkDotNet must not rebuild the product projects into their shared bin/obj folders while
        // other builds run in the same tree.
        var config = ManualConfig.Create(DefaultConfig.Instance)
            .AddJob(Job.Default.WithToolchain(InProcessEmitToolchain.Instance).WithWarmupCount(3).WithIterationCount(10))
            .AddDiagnoser(MemoryDiagnoser.Default)
            .WithOptions(ConfigOptions.DisableOptimizationsValidator);
        var summaries = BenchmarkSwitcher.FromTypes([typeof(DetectorBenchmarks), typeof(DecoderBenchmarks), typeof(SerialLineBenchmarks)]).Run(rest, config);
        foreach (var summary in summaries)
        {
            foreach (var report in summary.Reports)
            {
                if (report.ResultStatistics is { } stats)
                {
                    var alloc = report.GcStats.GetBytesAllocatedPerOperation(report.BenchmarkCase);
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"RESULT {report.BenchmarkCase.Descriptor.WorkloadMethodDisplayInfo}: {1e9 / stats.Mean:N0} points/s per core, {stats.Mean:F1} ns/point, {alloc} B/point"));
                }
            }
        }
        return 0;
    case "ingest":
        return await Scenarios.IngestAsync(Int("--seconds", 20), Int("--qos", 1) == 0 ? MqttQualityOfServiceLevel.AtMostOnce : MqttQualityOfServiceLevel.AtLeastOnce,
            Int("--assets", 20), Int("--in-flight", 16), rest.Contains("--bare-deferred-ack"), Int("--publishers", 1));
    case "latency":
        return await Scenarios.LatencyAsync(Int("--seconds", 60), Int("--rate", 10_000), Int("--trip-every", 50), Int("--offbox-nice", 0), Int("--warmup", 5));
    case "drain":
        var subscriber = Arg(rest, "--subscriber") ?? "mqttnet";
        if (subscriber is not ("mqttnet" or "mqttnet-deferred" or "mosquitto_sub"))
        {
            throw new ArgumentException("--subscriber mqttnet|mqttnet-deferred|mosquitto_sub");
        }
        if (rest.Contains("--tls") && subscriber != "mosquitto_sub")
        {
            throw new ArgumentException("--tls needs --subscriber mosquitto_sub");
        }
        return await Scenarios.DrainAsync(Int("--revisions", 20_000), subscriber, rest.Contains("--tls"));
    case "footprint":
        return await Scenarios.FootprintAsync(Int("--tags", 1000), Dbl("--hz", 1), Int("--seconds", 600), !rest.Contains("--no-detectors"), Arg(rest, "--flush"));
    case "iforest":
        return IsolationForestBench.Run(Arg(rest, "--train") ?? throw new ArgumentException("--train CSV"), Arg(rest, "--test") ?? throw new ArgumentException("--test CSV"),
            Int("--trees", 100), Int("--subsample", 256), Int("--seed", 1), Int("--repeats", 5));
    case "modbus-tcp":
        return await ModbusScenarios.TcpFleetAsync(Arg(rest, "--sim") ?? throw new ArgumentException("--sim DLL"), Int("--devices", 100), Int("--tags", 50), Int("--seconds", 60), Int("--warmup", 20),
            !rest.Contains("--no-detectors"), rest.Contains("--statistics-on-all"), Int("--health-seconds", 1), Int("--spike-window", 0));
    case "modbus-rtu":
        return await ModbusScenarios.RtuBusAsync(Arg(rest, "--sim") ?? throw new ArgumentException("--sim DLL"), Int("--units", 4), Int("--registers", 40), Int("--baud", 19200),
            Int("--seconds", 60), !rest.Contains("--no-pacing"), Arg(rest, "--sim-gap-ms") is { } g ? double.Parse(g, CultureInfo.InvariantCulture) : null, Int("--gap-ms", 20));
    case "scoring":
        return ScoringBench.Run(Int("--tags", 16), Int("--train-seconds", 7200), Int("--score-seconds", 86_400), Int("--repeats", 3));
    default:
        Console.Error.WriteLine($"unknown mode '{mode}': micro | ingest | latency | drain | footprint | iforest");
        return 2;
}

static string? Arg(string[] args, string name)
{
    var i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
}
