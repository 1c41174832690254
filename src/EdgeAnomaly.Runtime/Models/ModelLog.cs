using EdgeAnomaly.Core.Diagnostics;
using Microsoft.Extensions.Logging;

namespace EdgeAnomaly.Runtime.Models;

internal static partial class ModelLog
{
    [LoggerMessage(EventId = LogEventIds.ModelRuntime.Loaded, Level = LogLevel.Information,
        Message = "Model for {Asset} loaded from {Path}: {Steps} training steps, {Regimes} regimes, threshold {Threshold}, created {CreatedAtMs} (v{Version})")]
    public static partial void Loaded(ILogger logger, string asset, string path, long steps, int regimes, double threshold, long createdAtMs, int version);

    [LoggerMessage(EventId = LogEventIds.ModelRuntime.Refused, Level = LogLevel.Error,
        Message = "Model bundle for {Asset} refused ({Fault}): {Reason}. The asset keeps rules and statistics{Keeping}")]
    public static partial void Refused(ILogger logger, string asset, string fault, string reason, string keeping);

    [LoggerMessage(EventId = LogEventIds.ModelRuntime.WarmingUp, Level = LogLevel.Information,
        Message = "Model for {Asset}: no bundle at {Path}; warming up on {WarmUp} of live data before training")]
    public static partial void WarmingUp(ILogger logger, string asset, string path, TimeSpan warmUp);

    [LoggerMessage(EventId = LogEventIds.ModelRuntime.NoModel, Level = LogLevel.Information, Message = "Model for {Asset}: no bundle at {Path} and AutoTrain is off; no model")]
    public static partial void NoModel(ILogger logger, string asset, string path);

    [LoggerMessage(EventId = LogEventIds.ModelRuntime.TrainingStarted, Level = LogLevel.Information,
        Message = "Model for {Asset}: training in the background on {Readings} readings spanning {Span}")]
    public static partial void TrainingStarted(ILogger logger, string asset, long readings, TimeSpan span);

    [LoggerMessage(EventId = LogEventIds.ModelRuntime.Trained, Level = LogLevel.Information,
        Message = "Model for {Asset} trained in {Seconds:0.0} s: {Steps} steps, {Regimes} regimes, threshold {Threshold} ({ThresholdReason}); {Fallbacks} fallbacks; saved to {Path}")]
    public static partial void Trained(ILogger logger, string asset, double seconds, long steps, int regimes, double threshold, string thresholdReason,
        int fallbacks, string path);

    [LoggerMessage(EventId = LogEventIds.ModelRuntime.TrainingFailed, Level = LogLevel.Warning, Message = "Model for {Asset}: training failed ({Reason}); warming up again")]
    public static partial void TrainingFailed(ILogger logger, string asset, string reason);

    [LoggerMessage(EventId = LogEventIds.ModelRuntime.SaveFailed, Level = LogLevel.Error,
        Message = "Model for {Asset}: the trained bundle could not be saved to {Path} ({Reason}); it scores from memory until the next restart")]
    public static partial void SaveFailed(ILogger logger, string asset, string path, string reason);

    [LoggerMessage(EventId = LogEventIds.ModelRuntime.Swapped, Level = LogLevel.Information, Message = "Model for {Asset}: v{Version} in force ({Origin})")]
    public static partial void Swapped(ILogger logger, string asset, int version, string origin);

    [LoggerMessage(EventId = LogEventIds.ModelRuntime.ScoringFault, Level = LogLevel.Warning,
        Message = "Model for {Asset} threw while scoring ({Faults} of {MaxFaults} tolerated): {Reason}")]
    public static partial void ScoringFault(ILogger logger, string asset, int faults, int maxFaults, string reason, Exception exception);

    [LoggerMessage(EventId = LogEventIds.ModelRuntime.Faulted, Level = LogLevel.Error,
        Message = "Model for {Asset} switched off after {Faults} scoring faults; the asset keeps rules and statistics. Last: {Reason}")]
    public static partial void Faulted(ILogger logger, string asset, int faults, string reason);

    [LoggerMessage(EventId = LogEventIds.ModelRuntime.Stale, Level = LogLevel.Warning, Message = "Model for {Asset} is stale: {Reason}. {Action}")]
    public static partial void Stale(ILogger logger, string asset, string reason, string action);

    [LoggerMessage(EventId = LogEventIds.ModelRuntime.TrainingDiscarded, Level = LogLevel.Information, Message = "Model for {Asset}: a newer model replaced the one being trained; result discarded")]
    public static partial void TrainingDiscarded(ILogger logger, string asset);

    [LoggerMessage(EventId = LogEventIds.ModelRuntime.FolderCheckFailed, Level = LogLevel.Warning, Message = "Model bundle folder {Path} could not be checked: {Reason}")]
    public static partial void FolderCheckFailed(ILogger logger, string path, string reason);

    [LoggerMessage(EventId = LogEventIds.ModelRuntime.WarmUpReadBack, Level = LogLevel.Information,
        Message = "Model for {Asset}: {Read} warm-up readings read back from the readings history ({Counted} counted during the warm-up; fewer if the disk cap evicted some)")]
    public static partial void WarmUpReadBack(ILogger logger, string asset, long read, long counted);
}
