using System.Threading.Channels;
using EdgeAnomaly.Contracts;
using EdgeAnomaly.Core.Diagnostics;
using EdgeAnomaly.Core.Events;
using EdgeAnomaly.Core.Readings;
using EdgeAnomaly.Detectors;
using EdgeAnomaly.Runtime.Alarm;
using EdgeAnomaly.Runtime.Hosting;
using EdgeAnomaly.Runtime.Models;
using EdgeAnomaly.Runtime.Sources;
using EdgeAnomaly.Ingest;
using EdgeAnomaly.Rules;
using EdgeAnomaly.Storage;
using EdgeAnomaly.Uplink;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace EdgeAnomaly.Runtime.Pipeline;

/// <summary>The rules engine in force; the watcher swaps it, the pipeline thread picks it up.</summary>
public sealed class RuleEngineSlot
{
    private volatile RuleEngine? _engine;
    private int _swapped;

    public RuleEngine? Current => _engine;

    /// <summary>Watches the rules file; null when no rules file is configured.</summary>
    public RulesFileWatcher? Watcher { get; set; }

    public void Set(RuleEngine engine)
    {
        _engine = engine;
        Interlocked.Exchange(ref _swapped, 1);
    }

    /// <summary>True once after each swap (the pipeline then re-confirms open rule events).</summary>
    public bool TakeSwapped() => Interlocked.Exchange(ref _swapped, 0) == 1;
}

/// <summary>Told about committed event revisions (the demo's live view, tests). Called on the pipeline thread.</summary>
public interface IEventObserver
{
    void OnCommitted(IReadOnlyList<GatewayEvent> revisions);
}

/// <summary>
/// The single consumer of ingested MQTT messages and of local reading batches (Modbus, serial, GPIO):
/// decode (MQTT only) -> per-tag values -> data quality and statistics -> rules -> event tracker -> commit to
/// SQLite -> only then announce (alarm output, log, forwarder wake-up). Both inputs are drained by the same loop
/// on one thread, which owns all per-tag state, so the hot path takes no locks.
/// </summary>
public sealed class GatewayPipeline : BackgroundService
{
    private const int MaxMessagesPerCommit = 512;
    private const int MaxLocalBatchesPerCommit = 256;

    // A readings flush is written in slices between message batches: one whole pass at 1,000 tags x 10 readings/s
    // held the pipeline (and every event behind it) for ~60 ms; a slice of this many readings takes ~2 ms.
    private const int FlushSliceReadings = 16_384;

    private readonly ChannelReader<IngestMessage> _messages;
    private readonly ChannelReader<LocalReadingBatch> _localBatches;
    private readonly LocalSourceCounters _localCounters;
    private readonly int _tagCount;
    private readonly ReadingDecoder _decoder;
    private readonly TagValues _values;
    private readonly TagDetectorBank _detectors;
    private readonly RuleEngineSlot _rules;
    private readonly EventTracker _tracker;
    private readonly IEventCommitStore _events;
    private readonly IReadingsRecorder _readings;
    private readonly IStoreHousekeeping _disk;
    private readonly EventForwarder _forwarder;
    private readonly AlarmController _alarm;
    private readonly GatewayCounters _counters;
    private readonly PipelineHeartbeat _heartbeat;
    private readonly IEventObserver? _observer;
    private readonly ModelRuntime? _models;
    private readonly TimeProvider _time;
    private readonly ILogger _log;
    private readonly TimeSpan _orphanGrace;
    private readonly TimeSpan _flushInterval;
    private readonly ReadingBuffer _buffer = new(4096);
    private readonly List<GatewayEvent> _revisions = [];
    private readonly List<IngestMessage> _toAcknowledge = [];
    private readonly RateLimitedLog _rejectLog;
    private long _loggedEvictedReadings;
    private long _loggedEvictedEvents;
    private long _lastEvictionLogMs = long.MinValue / 2;
    private long _loggedSkippedReplays;
    private long _lastSkippedReplaysLogMs = long.MinValue / 2;
    private long _loggedDroppedReadings;
    private bool _loggedDiskFull;

    // Revisions the store could not write (disk full), oldest first: not announced, retried every tick (see
    // CommitAndAnnounce). More than this many means the disk has been full for very long: the gateway stops (non-zero)
    // rather than hold events it cannot make durable without bound.
    private const int MaxHeldRevisions = 100_000;
    private readonly List<GatewayEvent> _held = [];
    private Task<bool>? _mqttWait;
    private Task<bool>? _localWait;
    private Task? _tickWait;
    private long _tickWaitDueMs;

    public GatewayPipeline(
        ChannelReader<IngestMessage> messages,
        LocalReadingChannel localReadings,
        ReadingDecoder decoder,
        TagValues values,
        TagDetectorBank detectors,
        RuleEngineSlot rules,
        EventTracker tracker,
        IEventCommitStore events,
        IReadingsRecorder readings,
        IStoreHousekeeping disk,
        EventForwarder forwarder,
        AlarmController alarm,
        GatewayCounters counters,
        PipelineHeartbeat heartbeat,
        PipelineSettings settings,
        TimeProvider time,
        ILogger<GatewayPipeline> log,
        IEventObserver? observer = null,
        ModelRuntime? models = null)
    {
        _messages = messages;
        _localBatches = localReadings.Reader;
        _localCounters = localReadings.Counters;
        _tagCount = values.TagCount;
        _decoder = decoder;
        _values = values;
        _detectors = detectors;
        _rules = rules;
        _tracker = tracker;
        _events = events;
        _readings = readings;
        _disk = disk;
        _forwarder = forwarder;
        _alarm = alarm;
        _counters = counters;
        _heartbeat = heartbeat;
        _observer = observer;
        _models = models;
        _time = time;
        _log = log;
        _orphanGrace = settings.OrphanGrace;
        _flushInterval = settings.ReadingsFlushInterval;
        _rejectLog = new RateLimitedLog(RateLimitedLog.DefaultInterval);
        Timings = new PipelineTimings(time);
    }

    /// <summary>Longest phases since the last health report (read and reset by health).</summary>
    public PipelineTimings Timings { get; }

    /// <summary>Messages processed so far (for the demo's live line and tests).</summary>
    public long MessagesProcessed { get; private set; }

    /// <summary>Local reading batches processed so far (tests).</summary>
    public long LocalBatchesProcessed { get; private set; }

    /// <summary>Node states as of the last tick; published for health (read from another thread).</summary>
    public IReadOnlyList<NodeState> NodesSnapshot { get; private set; } = [];

    /// <summary>Open events as of the last commit (read from another thread).</summary>
    public int OpenEvents { get; private set; }

    /// <summary>Event revisions detected but not yet written because the disk is full (read from another thread).</summary>
    public int HeldRevisions { get; private set; }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Off the host's startup path: ExecuteAsync runs synchronously up to its first await.
        await Task.Yield();
        var now = _time.GetUtcNow().ToUnixTimeMilliseconds();
        // Open events and, per cause, what the committed revisions decided: the producers resume the open ones, and
        // readings the broker redelivers (already reflected in a committed revision) are not decided twice.
        var open = _events.GetOpenEvents();
        var causes = _events.GetCauseCheckpoints();
        _tracker.Restore(causes, open, now);
        _alarm.Update(_tracker.OpenAlarmCount);
        PipelineLog.Started(_log, open.Count);

        var nextTick = now;
        var nextFlush = now + (long)_flushInterval.TotalMilliseconds;
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                var batchStart = _time.GetTimestamp();
                var processed = 0;
                while (processed < MaxMessagesPerCommit && _messages.TryRead(out var message))
                {
                    Process(message);
                    processed++;
                }
                var local = 0;
                while (local < MaxLocalBatchesPerCommit && _localBatches.TryRead(out var batch))
                {
                    ProcessLocal(batch);
                    local++;
                }
                processed += local;
                CommitAndAnnounce();
                if (processed > 0)
                {
                    Timings.RecordBatch(batchStart);
                }
                now = _time.GetUtcNow().ToUnixTimeMilliseconds();
                _heartbeat.Beat(_time.GetUtcNow());
                if (now >= nextTick)
                {
                    var tickStart = _time.GetTimestamp();
                    Tick(now);
                    Timings.RecordTick(tickStart);
                    nextTick = now + 1000;
                }
                var flushing = now >= nextFlush;
                if (flushing)
                {
                    var sliceStart = _time.GetTimestamp();
                    if (_readings.FlushReadingsSlice(FlushSliceReadings))
                    {
                        nextFlush = now + (long)_flushInterval.TotalMilliseconds;
                        flushing = false;
                    }
                    Timings.RecordFlushSlice(sliceStart);
                }
                if (processed == 0 && !flushing)
                {
                    await WaitForInputAsync(now, nextTick, stoppingToken).ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            // Drain what was already received so a clean stop loses nothing that reached us.
            while (_messages.TryRead(out var message))
            {
                Process(message);
            }
            while (_localBatches.TryRead(out var batch))
            {
                ProcessLocal(batch);
            }
            CommitAndAnnounce(retryHeld: true);
            _readings.FlushReadings();
            PipelineLog.Stopped(_log, MessagesProcessed);
        }
        if (_held.Count > 0)
        {
            // Never a quiet loss: the stop fails (non-zero exit) and says what could not be written.
            PipelineLog.HeldAtStop(_log, _held.Count);
            throw new StoreFullException($"{_held.Count} event revisions could not be written before the stop (disk full)");
        }
    }

    /// <summary>
    /// Sleeps until either input has something, the next tick is due (<paramref name="dueMs"/>) or the host stops.
    /// The two channel waits and the tick delay outlive a wake-up and only the one that ended is renewed: local pollers
    /// wake this loop once per batch (100 Modbus devices: up to 100 times a second), and a fresh linked token source,
    /// timer and cancellation of the other waiter on every wake-up cost more than the batch itself.
    /// </summary>
    private async Task WaitForInputAsync(long nowMs, long dueMs, CancellationToken stoppingToken)
    {
        // No token on the channel waits: they end with data or the channel's completion, and stopping ends the delay.
        _mqttWait ??= _messages.WaitToReadAsync(CancellationToken.None).AsTask();
        if (_mqttWait.IsCompleted)
        {
            await TakeWait(ref _mqttWait).ConfigureAwait(false);
            return;
        }
        _localWait ??= _localBatches.WaitToReadAsync(CancellationToken.None).AsTask();
        if (_localWait.IsCompleted)
        {
            await TakeWait(ref _localWait).ConfigureAwait(false);
            return;
        }
        if (_tickWait is null || _tickWaitDueMs != dueMs)
        {
            // The previous delay (if any) was for an earlier tick, which has passed or is about to: left to end alone.
            _tickWaitDueMs = dueMs;
            _tickWait = Task.Delay(TimeSpan.FromMilliseconds(Math.Clamp(dueMs - nowMs, 1, 1000)), _time, stoppingToken);
        }
        var first = await Task.WhenAny(_mqttWait, _localWait, _tickWait).ConfigureAwait(false);
        if (first == _mqttWait)
        {
            _mqttWait = null;
        }
        else if (first == _localWait)
        {
            _localWait = null;
        }
        else
        {
            _tickWait = null; // on a stop this throws, and ExecuteAsync ends
        }
        await first.ConfigureAwait(false);
    }

    private static Task<bool> TakeWait(ref Task<bool>? wait)
    {
        var done = wait!;
        wait = null;
        return done;
    }

    private void Process(IngestMessage message)
    {
        try
        {
            var topic = message.Topic.AsSpan();
            switch (_decoder.Classify(topic))
            {
                case NodeTopicKind.Readings:
                    ProcessReadings(message);
                    break;
                case NodeTopicKind.Status:
                    if (_decoder.DecodeStatus(topic, message.Payload, message.ReceivedAtMs) is { IsTransition: true } change)
                    {
                        PipelineLog.NodeState(_log, change.NodeId, change.Current.ToString());
                    }
                    break;
                default:
                    _counters.AddRejected(RejectReason.BadTopic);
                    if (_rejectLog.ShouldLog(RejectReason.BadTopic, message.ReceivedAtMs, out var suppressed))
                    {
                        PipelineLog.Rejected(_log, RejectReason.BadTopic.ToWire(), message.Topic, suppressed);
                    }
                    break;
            }
            MessagesProcessed++;
        }
        finally
        {
            message.Release();
            _toAcknowledge.Add(message);
        }
    }

    private void ProcessReadings(IngestMessage message)
    {
        _buffer.Clear();
        var result = _decoder.DecodeReadings(message.Topic, message.Payload, message.ReceivedAtMs, _buffer);
        if (result.FirstReject is { } reason && _rejectLog.ShouldLog(reason, message.ReceivedAtMs, out var suppressed))
        {
            PipelineLog.Rejected(_log, reason.ToWire(), message.Topic, suppressed);
        }
        var readings = _buffer.AsSpan();
        if (readings.IsEmpty)
        {
            return;
        }
        var rules = _rules.Current;
        for (var i = 0; i < readings.Length; i++)
        {
            ref readonly var reading = ref readings[i];
            _values.Update(reading);
            _detectors.OnReading(reading, _tracker);
            rules?.OnReading(reading, _tracker);
            _models?.OnReading(reading);
        }
        _readings.AppendReadings(readings);
    }

    /// <summary>
    /// A local batch takes the same path as decoded MQTT readings. Readings keep the quality their source gave them
    /// and are stored with it; the detector bank skips non-good readings for statistics. A non-finite value (a
    /// float register holding NaN) cannot be trusted as good: it is stored as bad quality.
    /// </summary>
    private void ProcessLocal(LocalReadingBatch batch)
    {
        try
        {
            var readings = batch.Readings;
            var rules = _rules.Current;
            var kept = 0;
            var notGood = 0;
            for (var i = 0; i < readings.Length; i++)
            {
                var reading = readings[i];
                if ((uint)reading.TagId >= (uint)_tagCount)
                {
                    continue;
                }
                if (reading.Quality == ReadingQuality.Good && !double.IsFinite(reading.Value))
                {
                    reading = reading with { Quality = ReadingQuality.Bad };
                }
                if (reading.Quality != ReadingQuality.Good)
                {
                    notGood++;
                }
                readings[kept++] = reading;
                _values.Update(reading);
                _detectors.OnReading(reading, _tracker);
                rules?.OnReading(reading, _tracker);
                _models?.OnReading(reading);
            }
            if (kept < readings.Length)
            {
                _localCounters.AddUnknownTags(readings.Length - kept);
            }
            if (kept > 0)
            {
                _readings.AppendReadings(readings[..kept]);
                _counters.AddReadingsAccepted(kept);
            }
            _localCounters.AddProcessed(batch.Kind, kept, notGood);
            LocalBatchesProcessed++;
        }
        finally
        {
            batch.Return();
        }
    }

    private void Tick(long nowMs)
    {
        if (_rules.TakeSwapped())
        {
            _tracker.MarkAllOrphaned(nowMs);
        }
        _detectors.OnTick(nowMs, _tracker);
        _models?.OnTick();
        _tracker.Tick(nowMs, _orphanGrace);
        _disk.MaintainDisk();
        CommitAndAnnounce(retryHeld: true);
        ReportEvictions(nowMs);
        ReportSkippedReplays(nowMs);
        ReportDiskFull(nowMs);
        NodesSnapshot = [.. _decoder.Nodes];
    }

    /// <summary>Evictions are rare and matter to operators: one log line per 10 s at most, with the totals.</summary>
    private void ReportEvictions(long nowMs)
    {
        var readings = _counters.EvictedReadings;
        var events = _counters.EvictedEvents;
        if ((readings != _loggedEvictedReadings || events != _loggedEvictedEvents) && nowMs - _lastEvictionLogMs >= 10_000)
        {
            PipelineLog.Evicted(_log, readings - _loggedEvictedReadings, events - _loggedEvictedEvents, readings, events);
            _loggedEvictedReadings = readings;
            _loggedEvictedEvents = events;
            _lastEvictionLogMs = nowMs;
        }
    }

    /// <summary>Redelivered readings after a restart: one log line per 10 s at most, with the total.</summary>
    private void ReportSkippedReplays(long nowMs)
    {
        var skipped = _tracker.SkippedReplays;
        if (skipped != _loggedSkippedReplays && nowMs - _lastSkippedReplaysLogMs >= 10_000)
        {
            PipelineLog.SkippedReplays(_log, skipped - _loggedSkippedReplays, skipped);
            _loggedSkippedReplays = skipped;
            _lastSkippedReplaysLogMs = nowMs;
        }
    }

    /// <summary>A full disk is logged when it starts and ends, and dropped readings at most once per 10 s.</summary>
    private void ReportDiskFull(long nowMs)
    {
        var full = _disk.DiskFull || _held.Count > 0;
        var dropped = _counters.ReadingsDroppedDiskFull;
        if (full != _loggedDiskFull)
        {
            _loggedDiskFull = full;
            if (full)
            {
                PipelineLog.DiskFull(_log, _counters.DiskWriteFailures, _held.Count);
            }
            else
            {
                PipelineLog.DiskSpaceBack(_log, dropped);
            }
        }
        if (dropped != _loggedDroppedReadings && nowMs - _lastDropLogMs >= 10_000)
        {
            PipelineLog.ReadingsDropped(_log, dropped - _loggedDroppedReadings, dropped, _counters.DiskWriteFailures);
            _loggedDroppedReadings = dropped;
            _lastDropLogMs = nowMs;
        }
    }

    private long _lastDropLogMs = long.MinValue / 2;

    /// <summary>Persist, then signal: nothing hears of an event before its revision is committed.</summary>
    /// <remarks>
    /// Full disk (<see cref="StoreFullException"/>: the store already truncated its WAL and evicted readings history and
    /// delivered events): the revisions are held in memory, oldest first, and not announced (no log, no uplink); the
    /// alarm output still follows the detectors. Later revisions queue behind them without a commit until the next tick
    /// retries them all in one transaction. Ingested messages are acknowledged anyway, so detection does not stall behind
    /// the broker's in-flight window; a crash while revisions are held loses them (health shows `events_held`).
    /// </remarks>
    private void CommitAndAnnounce(bool retryHeld = false)
    {
        if (_held.Count > 0 && !retryHeld)
        {
            _tracker.DrainRevisions(_held);
            HoldUncommitted();
            return;
        }
        if (!_tracker.HasPendingRevisions && _held.Count == 0)
        {
            AcknowledgeProcessed();
            return;
        }
        var wasHolding = _held.Count > 0;
        _revisions.Clear();
        _revisions.AddRange(_held);
        _tracker.DrainRevisions(_revisions);
        var commitStart = _time.GetTimestamp();
        try
        {
            _events.CommitEventRevisions(_revisions);
        }
        catch (StoreFullException ex)
        {
            _held.Clear();
            _held.AddRange(_revisions);
            if (!wasHolding)
            {
                PipelineLog.CommitFailed(_log, _held.Count, ex.Message);
            }
            HoldUncommitted();
            return;
        }
        _held.Clear();
        HeldRevisions = 0;
        Timings.RecordCommit(commitStart);
        foreach (var e in _revisions)
        {
            if (e.State == EventState.Open && e.Revision == 1)
            {
                _counters.AddEventOpened();
            }
            else if (e.State == EventState.Closed)
            {
                _counters.AddEventClosed();
            }
            PipelineLog.Event(_log, e.Severity.ToWire(), e.State.ToWire(), e.Asset, e.Source, e.Id, e.Message);
        }
        _alarm.Update(_tracker.OpenAlarmCount);
        OpenEvents = _tracker.OpenCount;
        _forwarder.Notify();
        _observer?.OnCommitted(_revisions);
        AcknowledgeProcessed();
    }

    private void HoldUncommitted()
    {
        if (_held.Count > MaxHeldRevisions)
        {
            throw new StoreFullException($"{_held.Count} event revisions could not be written: the disk has been full for too long");
        }
        HeldRevisions = _held.Count;
        _alarm.Update(_tracker.OpenAlarmCount);
        OpenEvents = _tracker.OpenCount;
        AcknowledgeProcessed();
    }

    /// <summary>
    /// QoS 1 messages are acknowledged to the broker only now, after the events they caused are committed: a crash
    /// before this point makes the broker redeliver them, and the re-detected events get the same ids.
    /// </summary>
    private void AcknowledgeProcessed()
    {
        foreach (var message in _toAcknowledge)
        {
            message.Acknowledge();
        }
        _toAcknowledge.Clear();
    }
}

public sealed record PipelineSettings(TimeSpan OrphanGrace, TimeSpan ReadingsFlushInterval);

internal static partial class PipelineLog
{
    [LoggerMessage(EventId = LogEventIds.Pipeline.Started, Level = LogLevel.Information, Message = "Pipeline started; {OpenEvents} open events restored")]
    public static partial void Started(ILogger logger, int openEvents);

    [LoggerMessage(EventId = LogEventIds.Pipeline.Stopped, Level = LogLevel.Information, Message = "Pipeline stopped after {Messages} messages")]
    public static partial void Stopped(ILogger logger, long messages);

    [LoggerMessage(EventId = LogEventIds.Pipeline.Event, Level = LogLevel.Warning, Message = "Event {Severity} {State} asset={Asset} source={Source} id={EventId}: {Text}")]
    public static partial void Event(ILogger logger, string severity, string state, string asset, string source, string eventId, string text);

    [LoggerMessage(EventId = LogEventIds.Pipeline.Rejected, Level = LogLevel.Warning, Message = "Rejected input ({Reason}) on {Topic}; {Suppressed} similar rejections not logged since the last line")]
    public static partial void Rejected(ILogger logger, string reason, string topic, long suppressed);

    [LoggerMessage(EventId = LogEventIds.Pipeline.Evicted, Level = LogLevel.Warning,
        Message = "Disk cap: evicted {Readings} reading rows and {Events} events since the last report (totals {TotalReadings} / {TotalEvents}); readings history goes first")]
    public static partial void Evicted(ILogger logger, long readings, long events, long totalReadings, long totalEvents);

    [LoggerMessage(EventId = LogEventIds.Pipeline.SkippedReplays, Level = LogLevel.Information,
        Message = "Skipped {Skipped} condition reports already decided before the restart (redelivered readings; total {Total})")]
    public static partial void SkippedReplays(ILogger logger, long skipped, long total);

    [LoggerMessage(EventId = LogEventIds.Pipeline.DiskFull, Level = LogLevel.Error,
        Message = "Disk full: {Failures} store writes failed for lack of space so far; {Held} event revisions held in memory until they can be written; readings history is shed first")]
    public static partial void DiskFull(ILogger logger, long failures, int held);

    [LoggerMessage(EventId = LogEventIds.Pipeline.DiskSpaceBack, Level = LogLevel.Information, Message = "Disk space is back; {Dropped} readings were dropped while it was full (total)")]
    public static partial void DiskSpaceBack(ILogger logger, long dropped);

    [LoggerMessage(EventId = LogEventIds.Pipeline.ReadingsDropped, Level = LogLevel.Warning,
        Message = "Disk full: {Readings} readings not written to history since the last report (total {Total}; failed writes {Failures})")]
    public static partial void ReadingsDropped(ILogger logger, long readings, long total, long failures);

    [LoggerMessage(EventId = LogEventIds.Pipeline.CommitFailed, Level = LogLevel.Error, Message = "Event commit failed for lack of disk space; {Held} revisions held in memory and retried every second: {Reason}")]
    public static partial void CommitFailed(ILogger logger, int held, string reason);

    [LoggerMessage(EventId = LogEventIds.Pipeline.HeldAtStop, Level = LogLevel.Critical, Message = "Stopping with {Held} event revisions that could not be written (disk full): they are lost, and the stop fails")]
    public static partial void HeldAtStop(ILogger logger, int held);

    [LoggerMessage(EventId = LogEventIds.Pipeline.NodeState, Level = LogLevel.Information, Message = "Node {Node} is now {State}")]
    public static partial void NodeState(ILogger logger, string node, string state);
}
