using System.Diagnostics;
using System.Threading.Channels;
using EdgeAnomaly.Core.Events;
using EdgeAnomaly.Core.Readings;
using EdgeAnomaly.Core.Tags;
using EdgeAnomaly.Scoring.Bundle;
using EdgeAnomaly.Scoring.Pipeline;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace EdgeAnomaly.Runtime.Models;

/// <summary>
/// Runs the on-gateway anomaly models: one <see cref="AssetScorer"/> per modelled asset (the same code
/// <c>edgeanomaly replay</c> runs), fed on the pipeline thread with every good reading; its model events and retrain
/// requests go to the event tracker like any other condition, so they are stored, deduplicated and uplinked.
/// <para>As a hosted service it loads the bundles at start (registered before the pipeline, so this is done before
/// the first reading), trains warmed-up assets one at a time on a background thread (see RunLowPriority), and checks
/// the bundle folder for new or replaced bundles. A model fault never stops the gateway: a refused bundle, a failed
/// training or a scorer that throws leaves the asset with rules and statistics (and its previous model, if any).</para>
/// </summary>
public sealed class ModelRuntime : IHostedService, IModelStatusSource, IDisposable
{
    private readonly ModelsSection _options;
    private readonly TimeProvider _time;
    private readonly IModelStepObserver? _observer;
    private readonly ITrainingReadings? _warmUpReadings;
    private readonly AssetModelSlot[] _slots;
    private readonly int[] _slotOfTag;
    private readonly int[] _modelTagOfTag;
    private readonly Channel<TrainingJob> _jobs;
    private readonly CancellationTokenSource _stopping = new();
    private Task _trainingLoop = Task.CompletedTask;
    private Task _reloadLoop = Task.CompletedTask;

    /// <param name="warmUpReadings">
    /// Where trainers read warm-up readings back (the gateway's store); null keeps them in memory during the warm-up.
    /// </param>
    public ModelRuntime(ModelsSection options, IReadOnlyList<AssetModelSettings> assets, TagRegistry registry, IConditionSink sink,
        TimeProvider time, ILogger<ModelRuntime> log, IModelStepObserver? observer = null, ITrainingReadings? warmUpReadings = null)
    {
        _warmUpReadings = warmUpReadings;
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(assets);
        ArgumentNullException.ThrowIfNull(registry);
        _options = options;
        Sink = sink;
        _time = time;
        Log = log;
        _observer = observer;
        _slotOfTag = new int[registry.TagCount];
        _modelTagOfTag = new int[registry.TagCount];
        Array.Fill(_slotOfTag, -1);
        var slots = new List<AssetModelSlot>(assets.Count);
        foreach (var settings in assets)
        {
            if (!registry.TryGetAsset(settings.Asset, out var assetId))
            {
                throw new ArgumentException($"model asset '{settings.Asset}' is not in the tag registry", nameof(assets));
            }
            var tagIds = new int[settings.Tags.Count];
            for (var t = 0; t < tagIds.Length; t++)
            {
                if (!registry.TryGetTag(assetId, settings.Tags[t], out tagIds[t]))
                {
                    throw new ArgumentException($"model tag '{settings.Asset}/{settings.Tags[t]}' is not in the tag registry", nameof(assets));
                }
                _slotOfTag[tagIds[t]] = slots.Count;
                _modelTagOfTag[tagIds[t]] = t;
            }
            slots.Add(new AssetModelSlot(this, settings, assetId, tagIds, options));
        }
        _slots = [.. slots];
        // One job per asset at most is ever queued (a slot waits for its result), so this never fills.
        _jobs = Channel.CreateBounded<TrainingJob>(new BoundedChannelOptions(Math.Max(1, _slots.Length)) { SingleReader = true });
    }

    internal ILogger Log { get; }

    /// <summary>Where model events go: the pipeline's event tracker.</summary>
    internal IConditionSink Sink { get; }

    /// <summary>Training jobs completed (successfully or not), for tests.</summary>
    public long TrainingRuns => Interlocked.Read(ref _trainingRuns);

    private long _trainingRuns;

    public IReadOnlyList<ModelStatus> Snapshot()
    {
        var result = new ModelStatus[_slots.Length];
        for (var i = 0; i < _slots.Length; i++)
        {
            result[i] = _slots[i].Status;
        }
        return result;
    }

    /// <summary>The status of one asset's model, or null when the asset is not modelled.</summary>
    public ModelStatus? StatusOf(string asset) => Array.Find(_slots, s => s.Asset == asset)?.Status;

    // ---- pipeline thread ----

    /// <summary>Every accepted reading, on the pipeline thread. Only good readings of modelled tags are used.</summary>
    /// <summary>True when slots only count warm-up readings and trainers read them back from the store.</summary>
    internal bool ReadsWarmUpBack => _warmUpReadings is not null;

    internal TimeProvider Time => _time;

    public void OnReading(in Reading reading)
    {
        var tag = reading.TagId;
        if ((uint)tag >= (uint)_slotOfTag.Length || reading.Quality != ReadingQuality.Good)
        {
            return;
        }
        var slot = _slotOfTag[tag];
        if (slot >= 0)
        {
            _slots[slot].OnReading(_modelTagOfTag[tag], reading.TimestampMs, reading.Value);
        }
    }

    /// <summary>The pipeline's one-second tick: picks up new models, scores quiet assets, notices drift.</summary>
    public void OnTick()
    {
        foreach (var slot in _slots)
        {
            slot.OnTick();
        }
    }

    // ---- hosted service ----

    public Task StartAsync(CancellationToken cancellationToken)
    {
        foreach (var slot in _slots)
        {
            LoadAtStart(slot);
        }
        _trainingLoop = Task.Run(() => TrainingLoopAsync(_stopping.Token), CancellationToken.None);
        if (_options.ReloadInterval > TimeSpan.Zero)
        {
            _reloadLoop = Task.Run(() => ReloadLoopAsync(_stopping.Token), CancellationToken.None);
        }
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        _jobs.Writer.TryComplete();
        await _stopping.CancelAsync().ConfigureAwait(false);
        // A training run in progress is abandoned on its background thread; its result is never written.
        await Task.WhenAll(_trainingLoop, _reloadLoop).WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The container disposes the runtime after the host stopped it.</summary>
    public void Dispose() => _stopping.Dispose();

    private void LoadAtStart(AssetModelSlot slot)
    {
        var path = slot.Settings.BundlePath;
        var stamp = BundleStamp.Of(path);
        if (!stamp.Exists)
        {
            if (slot.Settings.AutoTrain)
            {
                ModelLog.WarmingUp(Log, slot.Asset, path, slot.Settings.WarmUp);
            }
            else
            {
                ModelLog.NoModel(Log, slot.Asset, path);
            }
            slot.StartWithoutModel();
            return;
        }
        if (TryLoad(slot, path, " (no model until a valid bundle is placed there)", out var model, out var reason))
        {
            lock (slot.DiskLock)
            {
                slot.DiskStamp = stamp;
            }
            slot.StartWithModel(CreateScorer(slot, model));
            ModelLog.Loaded(Log, slot.Asset, path, model.Metadata.Steps, model.RegimeCount, model.Threshold, model.Metadata.CreatedAtMs, 1);
        }
        else
        {
            lock (slot.DiskLock)
            {
                slot.RefusedStamp = stamp;
            }
            slot.StartRefused(reason);
        }
    }

    private bool TryLoad(AssetModelSlot slot, string path, string keeping, out AssetModel model, out string reason)
    {
        try
        {
            model = ModelBundle.Load(path, slot.Asset);
            ModelBundle.CheckTags(model, slot.Settings.Tags, path);
            reason = "";
            return true;
        }
        catch (Exception e)
        {
            // Any failure to read a bundle is a refused bundle, never a stopped gateway.
            var fault = e is ModelBundleException b ? FaultName(b.Fault) : "unreadable";
            reason = fault + ": " + e.Message;
            ModelLog.Refused(Log, slot.Asset, fault, e.Message, keeping);
            model = null!;
            return false;
        }
    }

    private static string FaultName(BundleFault fault) => fault switch
    {
        BundleFault.Truncated => "truncated",
        BundleFault.NotABundle => "not-a-bundle",
        BundleFault.UnsupportedVersion => "wrong-version",
        BundleFault.ChecksumMismatch => "checksum",
        BundleFault.WrongAsset => "wrong-asset",
        _ => "corrupt",
    };

    private AssetScorer CreateScorer(AssetModelSlot slot, AssetModel model)
    {
        var scorer = new AssetScorer(model, Sink, new ScorerIdentity(slot.AssetId, slot.TagIds));
        if (_observer is { } observer)
        {
            var asset = slot.Asset;
            scorer.StepScored = step => observer.OnStep(asset, step);
        }
        return scorer;
    }

    internal void Enqueue(TrainingJob job)
    {
        if (!_jobs.Writer.TryWrite(job))
        {
            // Only after stop: the gateway is going down and the warm-up is lost with it.
            job.Slot.Post(new SlotUpdate(null, "", TrainingFailure: "the gateway is stopping"));
        }
    }

    private async Task TrainingLoopAsync(CancellationToken ct)
    {
        try
        {
            await foreach (var job in _jobs.Reader.ReadAllAsync(ct).ConfigureAwait(false))
            {
                try
                {
                    await RunLowPriority(() => Train(job, ct)).WaitAsync(ct).ConfigureAwait(false);
                }
                catch (Exception e) when (!ct.IsCancellationRequested)
                {
                    ModelLog.TrainingFailed(Log, job.Slot.Asset, e.Message);
                    job.Slot.Post(new SlotUpdate(null, "", TrainingFailure: e.Message));
                }
                Interlocked.Increment(ref _trainingRuns);
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
    }

    /// <summary>
    /// Training on a background thread of its own, marked below normal. On Linux that mark does nothing (.NET does not
    /// map Thread.Priority to nice), so there training runs at the pipeline's priority. Raising the thread's nice would
    /// work, but Linux threads inherit it: any thread-pool worker the trainer's thread causes to be created (by
    /// completing a task, posting to a channel) would stay niced and later run pipeline work; not done for that reason.
    /// </summary>
    private static Task RunLowPriority(Action work)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var thread = new Thread(() =>
        {
            try
            {
                work();
                done.SetResult();
            }
            catch (Exception e)
            {
                done.SetException(e);
            }
        })
        {
            IsBackground = true,
            Name = "model-training",
            Priority = ThreadPriority.BelowNormal,
        };
        thread.Start();
        return done.Task;
    }

    private void Train(TrainingJob job, CancellationToken ct)
    {
        var slot = job.Slot;
        var settings = slot.Settings;
        var watch = Stopwatch.StartNew();
        AssetModel model;
        byte[] bytes;
        try
        {
            var history = job.History;
            if (!history.KeepsReadings)
            {
                history = _warmUpReadings!.Load(settings, job.History.StartMs, job.History.EndMs, job.RequestedAt, ct);
                ModelLog.WarmUpReadBack(Log, slot.Asset, history.Readings, job.History.Readings);
            }
            var trained = AssetModelTrainer.Train(settings.Asset, history, settings.Scoring, _time);
            if (trained.Metadata.Steps < _options.MinTrainingSteps)
            {
                throw new ModelTrainingException(
                    $"{trained.Metadata.Steps} valid feature steps, Models:MinTrainingSteps is {_options.MinTrainingSteps}");
            }
            bytes = ModelBundle.ToBytes(trained);
            // Score with exactly what the file holds, so a replay of the saved bundle gives the same scores.
            model = ModelBundle.FromBytes(bytes, settings.Asset, settings.BundlePath);
        }
        catch (Exception e) when (!ct.IsCancellationRequested)
        {
            ModelLog.TrainingFailed(Log, slot.Asset, e.Message);
            slot.Post(new SlotUpdate(null, "", TrainingFailure: e.Message));
            return;
        }
        if (ct.IsCancellationRequested)
        {
            return;
        }
        lock (slot.DiskLock)
        {
            if (slot.VersionInForce != job.BaseVersion)
            {
                ModelLog.TrainingDiscarded(Log, slot.Asset);
                slot.Post(new SlotUpdate(null, "", TrainingFailure: "a newer model was put in force meanwhile"));
                return;
            }
            try
            {
                BundleFiles.WriteAtomically(settings.BundlePath, bytes);
                slot.DiskStamp = BundleStamp.Of(settings.BundlePath);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                ModelLog.SaveFailed(Log, slot.Asset, settings.BundlePath, e.Message);
            }
        }
        ModelLog.Trained(Log, slot.Asset, watch.Elapsed.TotalSeconds, model.Metadata.Steps, model.RegimeCount, model.Threshold,
            model.ThresholdChoice.Reason, model.Metadata.Fallbacks.Count, settings.BundlePath);
        slot.Post(new SlotUpdate(CreateScorer(slot, model), "self-trained"));
    }

    private async Task ReloadLoopAsync(CancellationToken ct)
    {
        try
        {
            while (!ct.IsCancellationRequested)
            {
                await Task.Delay(_options.ReloadInterval, _time, ct).ConfigureAwait(false);
                try
                {
                    CheckBundles();
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    // The folder itself is unreadable right now; the next check tries again.
                    ModelLog.FolderCheckFailed(Log, _options.BundleDirectory, e.Message);
                }
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
    }

    /// <summary>
    /// Puts a new or replaced bundle file in force; a bad one is refused and the model in force (if any) stays.
    /// Each file version is read once: a refused one is not retried until it changes again.
    /// </summary>
    internal void CheckBundles()
    {
        foreach (var slot in _slots)
        {
            var path = slot.Settings.BundlePath;
            var stamp = BundleStamp.Of(path);
            lock (slot.DiskLock)
            {
                if (!stamp.Exists || stamp == slot.DiskStamp || stamp == slot.RefusedStamp)
                {
                    continue;
                }
            }
            var keeping = slot.VersionInForce > 0 ? " and its model in force" : "";
            if (TryLoad(slot, path, keeping, out var model, out var reason))
            {
                lock (slot.DiskLock)
                {
                    slot.DiskStamp = stamp;
                }
                ModelLog.Loaded(Log, slot.Asset, path, model.Metadata.Steps, model.RegimeCount, model.Threshold, model.Metadata.CreatedAtMs,
                    slot.VersionInForce + 1);
                slot.Post(new SlotUpdate(CreateScorer(slot, model), "bundle replaced on disk"));
            }
            else
            {
                lock (slot.DiskLock)
                {
                    slot.RefusedStamp = stamp;
                }
                slot.Post(new SlotUpdate(null, "", RefusedUpdate: reason));
            }
        }
    }
}
