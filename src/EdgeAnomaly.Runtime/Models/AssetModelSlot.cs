using EdgeAnomaly.Core.Events;
using EdgeAnomaly.Scoring.Pipeline;
using Microsoft.Extensions.Logging;

namespace EdgeAnomaly.Runtime.Models;

/// <summary>
/// A model (or its prospect) handed from a background thread to the pipeline thread, which applies it between
/// messages: a scorer to put in force, a training failure, or a refused newer bundle.
/// </summary>
internal sealed record SlotUpdate(AssetScorer? Scorer, string Origin, string? TrainingFailure = null, string? RefusedUpdate = null);

/// <summary>
/// The warm-up of one asset, handed to the background trainer: its readings, or (when the runtime reads them back
/// from the store) only their count and window, with the <see cref="TimeProvider.GetTimestamp"/> of the request.
/// </summary>
internal sealed record TrainingJob(AssetModelSlot Slot, TrainingHistory History, int BaseVersion, long RequestedAt);

/// <summary>
/// One asset's model in the daemon. The pipeline thread owns the scorer, the warm-up buffer and the state machine
/// (<see cref="OnReading"/>, <see cref="OnTick"/>); background threads only post a <see cref="SlotUpdate"/>, read
/// <see cref="Status"/> and <see cref="VersionInForce"/>, and keep the bundle file stamps under <see cref="DiskLock"/>.
/// </summary>
internal sealed class AssetModelSlot
{
    private readonly ModelRuntime _runtime;
    private readonly long _latenessMs;
    private readonly long _warmUpMs;
    private readonly int _maxTrainingReadings;
    private readonly int _maxFaults;
    private readonly bool _retrainOnDrift;
    private readonly System.Collections.Concurrent.ConcurrentQueue<SlotUpdate> _updates = new();
    private volatile bool _hasUpdates;
    private volatile ModelStatus _status;
    private volatile int _versionInForce;

    // Pipeline thread only.
    private AssetScorer? _scorer;
    private TrainingHistory? _history;
    private bool _training;
    private long _newestMs = long.MinValue;
    private long _advancedMs = long.MinValue;
    private long _readingsSinceTick;
    private int _faults;
    private bool _staleHandled;
    private bool _driftWarningShown;
    private ModelState _state = ModelState.None;
    private string? _detail;
    private string? _refusedUpdate;

    public AssetModelSlot(ModelRuntime runtime, AssetModelSettings settings, int assetId, int[] tagIds, ModelsSection section)
    {
        _runtime = runtime;
        Settings = settings;
        AssetId = assetId;
        TagIds = tagIds;
        _latenessMs = (long)section.ReadingLateness.TotalMilliseconds;
        _warmUpMs = (long)settings.WarmUp.TotalMilliseconds;
        _maxTrainingReadings = section.MaxTrainingReadings;
        _maxFaults = section.MaxScoringFaults;
        _retrainOnDrift = section.RetrainOnDrift;
        _status = new ModelStatus(settings.Asset, ModelState.None, 0, 0, null, null, 0, 0, null);
    }

    public AssetModelSettings Settings { get; }

    public string Asset => Settings.Asset;

    public int AssetId { get; }

    /// <summary>Registry tag id of each model tag, in the model's tag order.</summary>
    public int[] TagIds { get; }

    public ModelStatus Status => _status;

    /// <summary>How many models have been put in force (read by the trainer to drop a result overtaken by a newer model).</summary>
    public int VersionInForce => _versionInForce;

    /// <summary>Guards <see cref="DiskStamp"/> and <see cref="RefusedStamp"/> (trainer and reload loop).</summary>
    public Lock DiskLock { get; } = new();

    /// <summary>The bundle file version in force (loaded or written by us).</summary>
    public BundleStamp DiskStamp { get; set; } = BundleStamp.Missing;

    /// <summary>The last bundle file version refused, so it is not re-read every check.</summary>
    public BundleStamp RefusedStamp { get; set; } = BundleStamp.Missing;

    /// <summary>The scorer in force (pipeline thread; tests).</summary>
    internal AssetScorer? Scorer => _scorer;

    public void Post(SlotUpdate update)
    {
        _updates.Enqueue(update);
        _hasUpdates = true;
    }

    // ---- start (before the pipeline runs) ----

    public void StartWithModel(AssetScorer scorer) => Install(scorer, "bundle at start", null);

    public void StartRefused(string reason)
    {
        _state = ModelState.Refused;
        _detail = reason;
        PublishStatus();
    }

    public void StartWithoutModel()
    {
        if (Settings.AutoTrain)
        {
            BeginWarmUp();
        }
        PublishStatus();
    }

    // ---- pipeline thread ----

    /// <summary>One good reading of model tag <paramref name="modelTag"/>. Never throws.</summary>
    public void OnReading(int modelTag, long timestampMs, double value)
    {
        if (_hasUpdates)
        {
            ApplyUpdates();
        }
        _readingsSinceTick++;
        if (_scorer is { } scorer)
        {
            if (timestampMs > _newestMs)
            {
                _newestMs = timestampMs;
            }
            try
            {
                scorer.Add(modelTag, timestampMs, value);
                // Steps close only once readings this much newer have arrived, so a slightly late tag still counts.
                var horizon = _newestMs - _latenessMs;
                if (horizon > _advancedMs)
                {
                    _advancedMs = horizon;
                    scorer.AdvanceTo(horizon);
                }
            }
            catch (Exception e)
            {
                Fault(e);
            }
        }
        if (_history is { } history)
        {
            history.Add(modelTag, timestampMs, value);
            if (history.Readings >= _maxTrainingReadings || (history.Readings > 0 && history.EndMs - history.StartMs >= _warmUpMs))
            {
                RequestTraining(history);
            }
        }
    }

    public void OnTick()
    {
        if (_hasUpdates)
        {
            ApplyUpdates();
        }
        if (_scorer is { } scorer)
        {
            // Quiet since the last tick: nothing later is coming soon, so score what has arrived.
            if (_readingsSinceTick == 0 && _newestMs > _advancedMs)
            {
                _advancedMs = _newestMs;
                try
                {
                    scorer.AdvanceTo(_newestMs);
                }
                catch (Exception e)
                {
                    Fault(e);
                }
            }
            if (_scorer is { IsStale: true } && !_staleHandled)
            {
                _staleHandled = true;
                _state = ModelState.Stale;
                _detail = _scorer.StaleReason;
                var retrain = _retrainOnDrift && Settings.AutoTrain;
                ModelLog.Stale(_runtime.Log, Asset, _detail ?? "drift",
                    retrain ? "Warming up a replacement (RetrainOnDrift)." : "It keeps scoring; retrain it (or set Models:RetrainOnDrift).");
                if (retrain && _history is null && !_training)
                {
                    BeginWarmUp();
                }
            }
            if (_state == ModelState.Active && _scorer is { } active && active.DriftWarning != _driftWarningShown)
            {
                // Health says why while the regime mix is in PSI's warning band (the model stays in force).
                _driftWarningShown = active.DriftWarning;
                _detail = _driftWarningShown
                    ? string.Create(System.Globalization.CultureInfo.InvariantCulture, $"drift warning: PSI of the regime shares {active.LastPsi:0.###}")
                    : null;
            }
        }
        _readingsSinceTick = 0;
        PublishStatus();
    }

    private void BeginWarmUp()
    {
        _history = new TrainingHistory(Settings.Tags, keepReadings: !_runtime.ReadsWarmUpBack);
        if (_scorer is null)
        {
            _state = ModelState.WarmingUp;
            _detail = null;
        }
    }

    private void RequestTraining(TrainingHistory history)
    {
        _history = null;
        _training = true;
        if (_scorer is null)
        {
            _state = ModelState.Training;
        }
        ModelLog.TrainingStarted(_runtime.Log, Asset, history.Readings, TimeSpan.FromMilliseconds(history.EndMs - history.StartMs));
        _runtime.Enqueue(new TrainingJob(this, history, _versionInForce, _runtime.Time.GetTimestamp()));
        PublishStatus();
    }

    private void ApplyUpdates()
    {
        _hasUpdates = false;
        while (_updates.TryDequeue(out var update))
        {
            Apply(update);
        }
        PublishStatus();
    }

    private void Apply(SlotUpdate update)
    {
        if (update.TrainingFailure is { } failure)
        {
            _training = false;
            _detail = "last training failed: " + failure;
            if (_scorer is null || (_retrainOnDrift && Settings.AutoTrain && _state == ModelState.Stale))
            {
                BeginWarmUp();
                _detail = "last training failed: " + failure;
            }
        }
        if (update.RefusedUpdate is { } refused)
        {
            _refusedUpdate = refused;
        }
        if (update.Scorer is { } scorer)
        {
            _training = false;
            Install(scorer, update.Origin, update.RefusedUpdate);
        }
    }

    private void Install(AssetScorer scorer, string origin, string? refusedUpdate)
    {
        CloseOpenEvent();
        _scorer = scorer;
        _versionInForce++;
        _history = null;
        _newestMs = long.MinValue;
        _advancedMs = long.MinValue;
        _faults = 0;
        _staleHandled = false;
        _driftWarningShown = false;
        _state = ModelState.Active;
        _detail = null;
        _refusedUpdate = refusedUpdate;
        ModelLog.Swapped(_runtime.Log, Asset, _versionInForce, origin);
        PublishStatus();
    }

    /// <summary>
    /// A model event still open when its scorer goes (swap, fault) would never be closed by the new one: close it
    /// through the tracker, which finds it by asset and cause key.
    /// </summary>
    private void CloseOpenEvent()
    {
        if (_scorer is not { Last.Anomaly: true } old)
        {
            return;
        }
        var source = new ConditionSource(AssetScorer.AnomalySourceKey, EventKind.Model, Severity.Warning, AssetId, Asset, [], [], TimeSpan.Zero, "");
        _runtime.Sink.Report(source, false, new ConditionSample(old.Last.TimestampMs, double.NaN, 0, old.Model.Threshold));
    }

    private void Fault(Exception e)
    {
        _faults++;
        ModelLog.ScoringFault(_runtime.Log, Asset, _faults, _maxFaults, e.Message, e);
        if (_faults < _maxFaults)
        {
            return;
        }
        try
        {
            CloseOpenEvent();
        }
        catch (Exception)
        {
            // The tracker is the gateway's own; the model is going away either way.
        }
        _scorer = null;
        _state = ModelState.Faulted;
        _detail = $"{_faults} scoring faults, last: {e.Message}";
        ModelLog.Faulted(_runtime.Log, Asset, _faults, e.Message);
        PublishStatus();
    }

    private void PublishStatus()
    {
        var progress = 0;
        if (_history is { Readings: > 0 } h)
        {
            var bySpan = (double)(h.EndMs - h.StartMs) / Math.Max(1, _warmUpMs);
            var byCount = (double)h.Readings / _maxTrainingReadings;
            progress = (int)Math.Clamp(Math.Max(bySpan, byCount) * 100, 0, 99);
        }
        var detail = _detail;
        if (_scorer is not null && (_history is not null || _training))
        {
            detail = (detail is null ? "" : detail + "; ") + (_training ? "retraining" : $"retraining: warming-up {progress}%");
        }
        var scorer = _scorer;
        _status = new ModelStatus(Asset, _state, scorer is null ? 0 : _versionInForce, progress, detail, _refusedUpdate,
            scorer?.Model.Metadata.CreatedAtMs ?? 0, scorer?.Steps ?? 0, scorer is { Steps: > 0 } ? scorer.Last : null);
    }
}
