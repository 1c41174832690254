namespace EdgeAnomaly.Core.Diagnostics;

/// <summary>
/// Every log event id of the gateway, one place, so that a filter on an id (journalctl, a log shipper's rule)
/// means one message. Each area (a namespace of one project) owns a range of 100; its log class takes its ids
/// from here as <c>[LoggerMessage(EventId = LogEventIds.Area.Name, ...)]</c>.
/// </summary>
/// <remarks>
/// To log from a new namespace, add an area: a nested class with <c>Namespace</c>, <c>First</c>, <c>Last</c>
/// (a free range of 100) and its ids. Ids once shipped keep their number; a removed message leaves a gap.
/// Map: 100-999 runtime host, 1000-1999 executables, 2000-2999 MQTT and storage, 3000-3999 field devices,
/// 4000-4999 models and scoring, 5000-5999 rules. LogEventIdTests checks every LoggerMessage in the
/// EdgeAnomaly assemblies: no id used twice, each inside the range of its namespace's area.
/// </remarks>
#pragma warning disable CA1034 // Nested types: the areas are namespaces for constants, read as LogEventIds.Area.Name.
public static class LogEventIds
{
    public static class Pipeline
    {
        public const string Namespace = "EdgeAnomaly.Runtime.Pipeline";
        public const int First = 100, Last = 199;

        public const int Started = 100;
        public const int Stopped = 101;
        public const int Event = 102;
        public const int Rejected = 103;
        public const int NodeState = 104;
        public const int Evicted = 105;
        public const int SkippedReplays = 106;
        public const int DiskFull = 120;
        public const int DiskSpaceBack = 121;
        public const int ReadingsDropped = 122;
        public const int CommitFailed = 123;
        public const int HeldAtStop = 124;
    }

    public static class Sources
    {
        public const string Namespace = "EdgeAnomaly.Runtime.Sources";
        public const int First = 200, Last = 299;
    }

    public static class Alarm
    {
        public const string Namespace = "EdgeAnomaly.Runtime.Alarm";
        public const int First = 300, Last = 399;

        public const int Disabled = 300;
        public const int Enabled = 301;
    }

    public static class Health
    {
        public const string Namespace = "EdgeAnomaly.Runtime.Health";
        public const int First = 400, Last = 499;

        public const int Summary = 400;
    }

    public static class Hosting
    {
        public const string Namespace = "EdgeAnomaly.Runtime.Hosting";
        public const int First = 500, Last = 599;

        public const int StoreRecovered = 500;
        public const int StoreMissing = 501;
        public const int StoreUnverified = 502;
        public const int StorePassed = 503;
        public const int StoreCreated = 504;
        public const int ComponentFailed = 510;
        public const int StartFailed = 511;
        public const int StageFailed = 512;
        public const int StageStopFailed = 513;
        public const int StageStopped = 514;
    }

    public static class Configuration
    {
        public const string Namespace = "EdgeAnomaly.Runtime.Configuration";
        public const int First = 600, Last = 699;
    }

    public static class Evaluation
    {
        public const string Namespace = "EdgeAnomaly.Runtime.Evaluation";
        public const int First = 700, Last = 799;
    }

    public static class Gateway
    {
        public const string Namespace = "EdgeAnomaly.Gateway";
        public const int First = 1000, Last = 1099;
    }

    public static class Demo
    {
        public const string Namespace = "EdgeAnomaly.Demo";
        public const int First = 1100, Last = 1199;
    }

    public static class Core
    {
        public const string Namespace = "EdgeAnomaly.Core";
        public const int First = 2000, Last = 2099;
    }

    public static class Ingest
    {
        public const string Namespace = "EdgeAnomaly.Ingest";
        public const int First = 2100, Last = 2199;

        public const int Connected = 2100;
        public const int ConnectFailed = 2101;
        public const int Disconnected = 2102;
        public const int InputRejected = 2103;
        public const int SubscribeRefused = 2104;
        public const int Stopped = 2105;
        public const int NotQueued = 2106;
        public const int CertificateExpiring = 2107;
        public const int NotAuthorized = 2108;
    }

    /// <summary>Until issue 15 these were 3001-3004, 3010, 3011, 3030, 3031 (shared with Devices and Rules).</summary>
    public static class Uplink
    {
        public const string Namespace = "EdgeAnomaly.Uplink";
        public const int First = 2200, Last = 2299;

        public const int Connected = 2201;
        public const int ConnectionLost = 2202;
        public const int ConnectFailed = 2203;
        public const int Stopped = 2204;
        public const int ForwardFailed = 2210;
        public const int Drained = 2211;
        public const int CertificateExpiring = 2230;
        public const int NotAuthorized = 2231;
    }

    public static class Mqtt
    {
        public const string Namespace = "EdgeAnomaly.Mqtt";
        public const int First = 2400, Last = 2499;
    }

    public static class Storage
    {
        public const string Namespace = "EdgeAnomaly.Storage";
        public const int First = 2300, Last = 2399;
    }

    public static class Devices
    {
        public const string Namespace = "EdgeAnomaly.Devices";
        public const int First = 3000, Last = 3099;

        public const int ModbusStarted = 3000;
        public const int DeviceDegraded = 3001;
        public const int DeviceRecovered = 3002;
        public const int RequestFailed = 3003;
        public const int DecodeFailed = 3004;
        public const int TicksSkipped = 3005;
        public const int SerialOpened = 3010;
        public const int SerialUnavailable = 3011;
        public const int SerialRejected = 3012;
        public const int GpioDisabled = 3020;
        public const int GpioOpened = 3021;
        public const int GpioFailed = 3022;
    }

    public static class Modbus
    {
        public const string Namespace = "EdgeAnomaly.Modbus";
        public const int First = 3100, Last = 3199;

        public const int LinkFault = 3101;
        public const int LinkReopened = 3102;
        public const int LinkOpened = 3103;
    }

    /// <summary>The model runtime of the host (load, warm-up, training, swap, scoring faults).</summary>
    public static class ModelRuntime
    {
        public const string Namespace = "EdgeAnomaly.Runtime.Models";
        public const int First = 4000, Last = 4099;

        public const int Loaded = 4000;
        public const int Refused = 4001;
        public const int WarmingUp = 4002;
        public const int NoModel = 4003;
        public const int TrainingStarted = 4004;
        public const int Trained = 4005;
        public const int TrainingFailed = 4006;
        public const int SaveFailed = 4007;
        public const int Swapped = 4008;
        public const int ScoringFault = 4009;
        public const int Faulted = 4010;
        public const int Stale = 4011;
        public const int TrainingDiscarded = 4012;
        public const int FolderCheckFailed = 4013;
        public const int WarmUpReadBack = 4014;
    }

    public static class Models
    {
        public const string Namespace = "EdgeAnomaly.Models";
        public const int First = 4100, Last = 4199;
    }

    public static class Scoring
    {
        public const string Namespace = "EdgeAnomaly.Scoring";
        public const int First = 4200, Last = 4299;
    }

    public static class Detectors
    {
        public const string Namespace = "EdgeAnomaly.Detectors";
        public const int First = 4300, Last = 4399;
    }

    /// <summary>Until issue 15 these were 3001-3008 (shared with Devices and Uplink).</summary>
    public static class Rules
    {
        public const string Namespace = "EdgeAnomaly.Rules";
        public const int First = 5000, Last = 5099;

        public const int RulesLoaded = 5001;
        public const int RulesInvalid = 5002;
        public const int CompileFailed = 5003;
        public const int RuleWarning = 5004;
        public const int FileUnreadable = 5005;
        public const int WatcherUnavailable = 5006;
        public const int WatcherError = 5007;
        public const int FewerInstancesRefused = 5008;
    }
}
#pragma warning restore CA1034
