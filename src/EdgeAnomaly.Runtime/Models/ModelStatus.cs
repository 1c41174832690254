using System.Globalization;
using EdgeAnomaly.Scoring.Pipeline;

namespace EdgeAnomaly.Runtime.Models;

/// <summary>Where an asset's model stands (health: <c>models[].state</c>).</summary>
public enum ModelState
{
    /// <summary>No bundle and no self-training (AutoTrain off).</summary>
    None,

    /// <summary>Buffering live readings for self-training.</summary>
    WarmingUp,

    /// <summary>A model is being trained in the background.</summary>
    Training,

    /// <summary>A model is scoring.</summary>
    Active,

    /// <summary>A model is scoring but drift says it no longer fits; a retrain was requested.</summary>
    Stale,

    /// <summary>The bundle at start was refused (corrupt, truncated, wrong version or asset); rules and statistics go on.</summary>
    Refused,

    /// <summary>The model threw while scoring too often and was switched off for this asset.</summary>
    Faulted,
}

/// <summary>One asset's model as health reports it. Immutable; replaced whenever something changes.</summary>
/// <param name="Version">Models put in force for this asset since start (1 = the first), 0 without a model.</param>
/// <param name="ProgressPercent">Warm-up progress (0..100) while <see cref="ModelState.WarmingUp"/> or retraining.</param>
/// <param name="Detail">Why the state is what it is (refusal, fault, drift reason), or null.</param>
/// <param name="RefusedUpdate">A newer bundle on disk that was refused while this model stayed in force, or null.</param>
/// <param name="LastStep">The latest scored step, if any.</param>
public sealed record ModelStatus(
    string Asset,
    ModelState State,
    int Version,
    int ProgressPercent,
    string? Detail,
    string? RefusedUpdate,
    long CreatedAtMs,
    long Steps,
    StepResult? LastStep)
{
    public static string ToWire(ModelState state) => state switch
    {
        ModelState.None => "none",
        ModelState.WarmingUp => "warming-up",
        ModelState.Training => "training",
        ModelState.Active => "active",
        ModelState.Stale => "stale",
        ModelState.Refused => "refused",
        _ => "faulted",
    };

    /// <summary>One line for people: "warming-up 42%", "active v2", "refused: ...".</summary>
    public string Text => State switch
    {
        ModelState.WarmingUp => string.Create(CultureInfo.InvariantCulture, $"warming-up {ProgressPercent}%"),
        ModelState.Active => string.Create(CultureInfo.InvariantCulture, $"active v{Version}"),
        ModelState.Stale => string.Create(CultureInfo.InvariantCulture, $"stale v{Version}") + (Detail is null ? "" : ": " + Detail),
        ModelState.Refused or ModelState.Faulted => ToWire(State) + ": " + Detail,
        _ => ToWire(State),
    };
}

/// <summary>Read from other threads (health): one status per modelled asset.</summary>
public interface IModelStatusSource
{
    IReadOnlyList<ModelStatus> Snapshot();
}

/// <summary>
/// Told about every scored step of every asset, on the pipeline thread (tests, a debug view). Must be quick and must
/// not throw.
/// </summary>
public interface IModelStepObserver
{
    void OnStep(string asset, in StepResult step);
}
