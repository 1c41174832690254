using System.CommandLine;
using EdgeAnomaly.FirmwareSim.Faults;
using EdgeAnomaly.FirmwareSim.Fleet;
using EdgeAnomaly.FirmwareSim.Publishing;
using Microsoft.Extensions.Logging;

namespace EdgeAnomaly.FirmwareSim.Cli;

/// <summary>`edgeanomaly-sim esp32 ...`: an ESP32 fleet publishing MQTT contract v1, and `esp32 assets` listing it.</summary>
internal static class Esp32Command
{
    public static Command Create()
    {
        // Fleet shape is shared with `assets`, so the listing matches what a run publishes.
        var nodes = new Option<int>("--nodes") { Description = "Number of ESP32 nodes", DefaultValueFactory = _ => 4, Recursive = true };
        var assetsPerNode = new Option<int>("--assets-per-node") { Description = "Assets per node (types cycle pump, motor, compressor)", DefaultValueFactory = _ => 1, Recursive = true };

        var host = new Option<string>("--host") { Description = "Local MQTT broker host", DefaultValueFactory = _ => "127.0.0.1" };
        var port = new Option<int>("--port") { Description = "Local MQTT broker port", DefaultValueFactory = _ => 1883 };
        var prefix = new Option<string>("--prefix") { Description = "Topic prefix", DefaultValueFactory = _ => "ea" };
        var batch = new Option<int>("--batch") { Description = "Readings per message (1 = single-reading payloads)", DefaultValueFactory = _ => 10 };
        var speed = new Option<double>("--speed") { Description = "Simulated seconds per real second", DefaultValueFactory = _ => 1.0 };
        var rate = new Option<double?>("--rate") { Description = "Target readings/s over the fleet (benchmarks); overrides --speed" };
        var duration = new Option<double>("--duration") { Description = "Run time in real seconds; 0 runs until Ctrl+C", DefaultValueFactory = _ => 60 };
        var seed = new Option<long>("--seed") { Description = "Seed of signals, faults and bad input", DefaultValueFactory = _ => 1 };
        var faults = new Option<string>("--faults") { Description = "random | none | path of a fault file (JSON)", DefaultValueFactory = _ => "none" };
        var faultRate = new Option<double>("--fault-rate-per-hour") { Description = "Random faults per simulated hour over the fleet", DefaultValueFactory = _ => 6 };
        var labels = new Option<FileInfo?>("--labels") { Description = "Ground-truth label file (JSON lines), appended as faults end" };
        var badShare = new Option<double>("--bad-input-share") { Description = "Share of messages followed by a deliberately bad one (0..1)", DefaultValueFactory = _ => 0 };
        var qos = new Option<int>("--qos") { Description = "QoS of readings (0 or 1)", DefaultValueFactory = _ => 1 };
        var dropoutMode = new Option<NodeDropoutMode>("--node-dropout") { Description = "Whole-node dropout: Disconnect (last will fires) or Silent", DefaultValueFactory = _ => NodeDropoutMode.Disconnect };
        var reboot = new Option<bool>("--reboot-after-dropout") { Description = "A node back from a whole-node dropout restarts its seq at 1" };
        var firmware = new Option<string>("--fw") { Description = "Firmware version in the online status", DefaultValueFactory = _ => "1.4.2" };
        var verbose = new Option<bool>("--verbose") { Description = "Log debug messages" };

        var assets = new Command("assets", "Print the fleet's assets and tags as JSON (for gateway configuration)");
        assets.SetAction(parse =>
        {
            var spec = FleetSpec.Default(parse.GetValue(nodes), parse.GetValue(assetsPerNode));
            parse.InvocationConfiguration.Output.WriteLine(FleetSpecJson.ToAssetsJson(spec));
            return 0;
        });

        var esp32 = new Command("esp32", "Simulate a fleet of ESP32 sensor nodes publishing to the gateway's local MQTT broker")
        {
            nodes, assetsPerNode, host, port, prefix, batch, speed, rate, duration, seed, faults, faultRate, labels, badShare, qos, dropoutMode, reboot, firmware, verbose,
            assets,
        };
        esp32.SetAction(async (parse, ct) =>
        {
            using var loggerFactory = new StderrLoggerFactory(parse.GetValue(verbose) ? LogLevel.Debug : LogLevel.Information);
            var logger = loggerFactory.CreateLogger<FleetPublisher>();
            try
            {
                var spec = FleetSpec.Default(parse.GetValue(nodes), parse.GetValue(assetsPerNode));
                var seconds = parse.GetValue(duration);
                var options = new FleetPublisherOptions
                {
                    Host = parse.GetValue(host)!,
                    Port = parse.GetValue(port),
                    Prefix = parse.GetValue(prefix)!,
                    BatchSize = parse.GetValue(batch),
                    Speed = parse.GetValue(speed),
                    RateReadingsPerSecond = parse.GetValue(rate),
                    Duration = seconds > 0 ? TimeSpan.FromSeconds(seconds) : null,
                    Seed = parse.GetValue(seed),
                    BadInputShare = parse.GetValue(badShare),
                    Qos = parse.GetValue(qos),
                    NodeDropout = parse.GetValue(dropoutMode),
                    RebootAfterNodeDropout = parse.GetValue(reboot),
                    Firmware = parse.GetValue(firmware)!,
                };
                var effectiveSpeed = options.RateReadingsPerSecond is { } r ? r / spec.ReadingsPerSecond : options.Speed;
                // Random faults cover the simulated span of the run (a day when open-ended).
                var simulatedSpan = seconds > 0 ? TimeSpan.FromSeconds(seconds * effectiveSpeed) : TimeSpan.FromDays(1);
                var schedule = LoadFaults(parse.GetValue(faults)!, spec, options.Seed, parse.GetValue(faultRate), simulatedSpan);

                var labelFile = parse.GetValue(labels);
                await using var labelStream = labelFile is null ? null : new StreamWriter(labelFile.FullName, append: true);
                var labelWriter = labelStream is null ? null : new LabelWriter(labelStream);

                var publisher = new FleetPublisher(spec, options, TimeProvider.System, logger, schedule, labelWriter);
                await publisher.RunAsync(ct);
                parse.InvocationConfiguration.Output.WriteLine(publisher.Counters.ToString());
                return 0;
            }
            catch (Exception ex) when (ex is ArgumentException or FormatException or IOException or System.Text.Json.JsonException)
            {
                parse.InvocationConfiguration.Error.WriteLine("edgeanomaly-sim esp32: " + ex.Message);
                return 2;
            }
        });
        return esp32;
    }

    private static FaultSchedule LoadFaults(string faults, FleetSpec spec, long seed, double ratePerHour, TimeSpan span) => faults switch
    {
        "none" => FaultSchedule.None,
        "random" => FaultSchedule.Random(spec, seed, ratePerHour, span),
        _ => FaultSchedule.Parse(File.ReadAllText(faults)),
    };
}
