using System.Globalization;
using System.Text.RegularExpressions;
using EdgeAnomaly.Runtime.Configuration;
using EdgeAnomaly.Scoring.Features;
using EdgeAnomaly.Scoring.Pipeline;

namespace EdgeAnomaly.Runtime.Models;

/// <summary>
/// The <c>Models</c> section: on-gateway anomaly models per asset (bundles loaded at start, self-training after a
/// warm-up window when an asset has none). Reference with defaults: docs/configuration.md, "Models".
/// </summary>
public sealed class ModelsSection
{
    public const string Section = "Models";

    /// <summary>Off: no asset is scored by a model (rules, statistics and data quality are unaffected).</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Folder of the bundles, one <c>&lt;asset&gt;.eamb</c> each; relative to Gateway:DataDir. Empty: <c>&lt;DataDir&gt;/models</c>.</summary>
    public string BundleDirectory { get; set; } = "";

    /// <summary>An asset without a bundle buffers <see cref="WarmUp"/> of live data, trains in the background and swaps the model in.</summary>
    public bool AutoTrain { get; set; } = true;

    /// <summary>Span of reading time buffered before self-training (the data is taken to be normal operation).</summary>
    public TimeSpan WarmUp { get; set; } = TimeSpan.FromHours(2);

    /// <summary>Fewest valid feature steps a self-trained model must have seen; fewer and the warm-up starts again.</summary>
    public int MinTrainingSteps { get; set; } = 60;

    /// <summary>Cap on buffered training readings per asset (memory: at most 32 bytes each); reaching it ends the warm-up early.</summary>
    public int MaxTrainingReadings { get; set; } = 200_000;

    /// <summary>
    /// Drift always raises a retrain-request event and marks the model stale. True: an asset with AutoTrain then
    /// buffers a fresh warm-up and replaces its model; false: the operator decides (the stale model keeps scoring).
    /// </summary>
    public bool RetrainOnDrift { get; set; }

    /// <summary>
    /// Readings up to this much older than the asset's newest reading still enter the model's feature window; a step is
    /// scored once readings this much past its end have arrived (or the asset has been quiet for a pipeline tick).
    /// </summary>
    public TimeSpan ReadingLateness { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>How often the bundle folder is checked for new or replaced bundles; 0 turns the check off.</summary>
    public TimeSpan ReloadInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Scoring exceptions tolerated per asset and model before that asset's model is switched off.</summary>
    public int MaxScoringFaults { get; set; } = 5;

    /// <summary>Shape of self-trained models (features, detectors, threshold, events); unset keys keep the scoring defaults.</summary>
    public ModelScoringSection Scoring { get; set; } = new();

    /// <summary>Per-asset settings; an asset not listed is modelled with every declared tag and the section's settings.</summary>
    public List<ModelAssetSection> Assets { get; set; } = [];
}

/// <summary>Per-asset model settings (<c>Models:Assets:N</c>).</summary>
public sealed class ModelAssetSection
{
    public string Name { get; set; } = "";

    /// <summary>False: this asset gets no model.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Tags the model uses, in this order; empty: every tag declared for the asset, in declaration order.</summary>
    public List<string> Tags { get; set; } = [];

    /// <summary>Overrides <see cref="ModelsSection.AutoTrain"/> for this asset.</summary>
    public bool? AutoTrain { get; set; }

    /// <summary>Overrides <see cref="ModelsSection.WarmUp"/> for this asset.</summary>
    public TimeSpan? WarmUp { get; set; }

    /// <summary>Overrides of the section's <c>Scoring</c> keys for this asset.</summary>
    public ModelScoringSection Scoring { get; set; } = new();
}

/// <summary>
/// Bindable subset of <see cref="ScoringOptions"/> for self-training; every key is optional (null keeps the
/// scoring default). A loaded bundle carries its own settings and ignores these.
/// </summary>
public sealed class ModelScoringSection
{
    public double? WindowSeconds { get; set; }

    public double? StepSeconds { get; set; }

    /// <summary>Feature families, e.g. <c>"Mean, Std, Slope"</c>.</summary>
    public FeatureFamilies? Families { get; set; }

    public string? DriverTag { get; set; }

    public List<string>? DriftingTags { get; set; }

    public int? MinSamplesPerWindow { get; set; }

    public int? Trees { get; set; }

    public bool? RegimesEnabled { get; set; }

    public bool? PerRegimeCalibration { get; set; }

    public ThresholdPolicy? Threshold { get; set; }

    public double? ThresholdMargin { get; set; }

    public double? MinEventSeconds { get; set; }

    public double? MergeGapSeconds { get; set; }

    public int? TopTags { get; set; }

    public int? DriftCheckSteps { get; set; }

    /// <summary>Fusion weights of IsolationForest, T2 and SPE.</summary>
    public List<double>? Weights { get; set; }

    internal void ApplyTo(ScoringOptions o)
    {
        if (WindowSeconds is { } window)
        {
            o.Features.WindowSeconds = window;
        }
        if (StepSeconds is { } step)
        {
            o.Features.StepSeconds = step;
        }
        if (Families is { } families)
        {
            o.Features.Families = families;
        }
        if (DriverTag is not null)
        {
            o.Features.DriverTag = DriverTag;
        }
        if (DriftingTags is not null)
        {
            o.Features.DriftingTags = [.. DriftingTags];
        }
        if (MinSamplesPerWindow is { } minSamples)
        {
            o.Features.MinSamplesPerWindow = minSamples;
        }
        if (Trees is { } trees)
        {
            o.Forest.Trees = trees;
        }
        if (RegimesEnabled is { } regimes)
        {
            o.RegimesEnabled = regimes;
        }
        if (PerRegimeCalibration is { } perRegime)
        {
            o.PerRegimeCalibration = perRegime;
        }
        if (Threshold is { } policy)
        {
            o.Threshold = policy;
        }
        if (ThresholdMargin is { } margin)
        {
            o.ThresholdMargin = margin;
        }
        if (MinEventSeconds is { } minEvent)
        {
            o.MinEventSeconds = minEvent;
        }
        if (MergeGapSeconds is { } mergeGap)
        {
            o.MergeGapSeconds = mergeGap;
        }
        if (TopTags is { } topTags)
        {
            o.TopTags = topTags;
        }
        if (DriftCheckSteps is { } driftCheck)
        {
            o.DriftCheckSteps = driftCheck;
        }
        if (Weights is not null)
        {
            o.Weights = [.. Weights];
        }
    }
}

/// <summary>One asset's resolved model settings (after per-asset overrides).</summary>
public sealed record AssetModelSettings(
    string Asset,
    IReadOnlyList<string> Tags,
    bool AutoTrain,
    TimeSpan WarmUp,
    ScoringOptions Scoring,
    string BundlePath);

/// <summary>Validation (errors name the key) and per-asset resolution of the Models section.</summary>
public static partial class ModelsConfig
{
    /// <summary>File extension of a model bundle: <c>&lt;BundleDirectory&gt;/&lt;asset&gt;.eamb</c>.</summary>
    public const string BundleExtension = ".eamb";

    public static string BundlePath(ModelsSection models, string asset) => Path.Combine(models.BundleDirectory, asset + BundleExtension);

    public static List<string> Validate(ModelsSection models, IReadOnlyList<AssetConfig> assets)
    {
        const string s = ModelsSection.Section;
        var errors = new List<string>();
        if (models.WarmUp <= TimeSpan.Zero)
        {
            errors.Add($"{s}:WarmUp must be positive");
        }
        if (models.MinTrainingSteps < AssetModelTrainer.MinTrainingSteps)
        {
            errors.Add($"{s}:MinTrainingSteps must be at least {AssetModelTrainer.MinTrainingSteps}");
        }
        if (models.MaxTrainingReadings is < 1000 or > 50_000_000)
        {
            errors.Add($"{s}:MaxTrainingReadings must be in [1000, 50000000]");
        }
        if (models.ReadingLateness < TimeSpan.Zero || models.ReadingLateness > TimeSpan.FromHours(1))
        {
            errors.Add($"{s}:ReadingLateness must be in [0, 1 h]");
        }
        if (models.ReloadInterval < TimeSpan.Zero || (models.ReloadInterval > TimeSpan.Zero && models.ReloadInterval < TimeSpan.FromSeconds(1)))
        {
            errors.Add($"{s}:ReloadInterval must be 0 (off) or at least 1 s");
        }
        if (models.MaxScoringFaults < 1)
        {
            errors.Add($"{s}:MaxScoringFaults must be at least 1");
        }
        var declared = new Dictionary<string, AssetConfig>(StringComparer.Ordinal);
        foreach (var a in assets)
        {
            declared.TryAdd(a.Name, a);
        }
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < models.Assets.Count; i++)
        {
            var entry = models.Assets[i];
            var key = $"{s}:Assets:{i}";
            if (!declared.TryGetValue(entry.Name, out var asset))
            {
                errors.Add($"{key}:Name '{entry.Name}' is not declared under Assets");
                continue;
            }
            if (!seen.Add(entry.Name))
            {
                errors.Add($"{key}:Name '{entry.Name}' is listed twice");
            }
            if (entry.WarmUp is { } warmUp && warmUp <= TimeSpan.Zero)
            {
                errors.Add($"{key}:WarmUp must be positive");
            }
            var tagSet = new HashSet<string>(StringComparer.Ordinal);
            for (var t = 0; t < entry.Tags.Count; t++)
            {
                var tag = entry.Tags[t];
                if (!asset.Tags.Exists(x => x.Name == tag))
                {
                    errors.Add($"{key}:Tags:{t} '{tag}' is not a tag of asset '{entry.Name}'");
                }
                else if (!tagSet.Add(tag))
                {
                    errors.Add($"{key}:Tags:{t} '{tag}' is listed twice");
                }
            }
        }
        if (errors.Count > 0 || !models.Enabled)
        {
            return errors;
        }
        // Scoring options are checked per asset, since overrides and tag names (driver, drifting) are per asset.
        var sectionOptions = new ScoringOptions();
        models.Scoring.ApplyTo(sectionOptions);
        errors.AddRange(CheckScoring(models, sectionOptions, models.WarmUp, null, $"{s}:Scoring"));
        var overridden = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < models.Assets.Count; i++)
        {
            var entry = models.Assets[i];
            overridden.Add(entry.Name);
            if (entry.Enabled)
            {
                var settings = Resolve(models, declared[entry.Name]);
                errors.AddRange(CheckScoring(models, settings.Scoring, settings.WarmUp, settings, $"{s}:Assets:{i}:Scoring"));
            }
        }
        foreach (var asset in assets)
        {
            if (!overridden.Contains(asset.Name))
            {
                var settings = Resolve(models, asset);
                errors.AddRange(CheckTagNames(settings, $"{s}:Scoring"));
            }
        }
        return errors;
    }

    /// <summary>Assets that get a model, with their settings resolved (section defaults, then the asset's overrides).</summary>
    public static List<AssetModelSettings> ResolveAll(ModelsSection models, IReadOnlyList<AssetConfig> assets)
    {
        var result = new List<AssetModelSettings>();
        if (!models.Enabled)
        {
            return result;
        }
        foreach (var asset in assets)
        {
            var entry = models.Assets.Find(a => a.Name == asset.Name);
            if (entry is { Enabled: false })
            {
                continue;
            }
            result.Add(Resolve(models, asset));
        }
        return result;
    }

    public static AssetModelSettings Resolve(ModelsSection models, AssetConfig asset)
    {
        var entry = models.Assets.Find(a => a.Name == asset.Name);
        IReadOnlyList<string> tags = entry is { Tags.Count: > 0 } ? [.. entry.Tags] : [.. asset.Tags.Select(t => t.Name)];
        var scoring = new ScoringOptions();
        models.Scoring.ApplyTo(scoring);
        // Section-wide drifting tags name tags of some assets ("temperature.c"): each asset takes those it has.
        scoring.Features.DriftingTags = [.. scoring.Features.DriftingTags.Where(tags.Contains)];
        entry?.Scoring.ApplyTo(scoring);
        return new AssetModelSettings(asset.Name, tags, entry?.AutoTrain ?? models.AutoTrain, entry?.WarmUp ?? models.WarmUp, scoring,
            BundlePath(models, asset.Name));
    }

    private static List<string> CheckScoring(ModelsSection models, ScoringOptions options, TimeSpan warmUp, AssetModelSettings? settings, string key)
    {
        try
        {
            options.Validate();
        }
        catch (ArgumentException e)
        {
            return [NameKey(key, e.Message)];
        }
        var steps = warmUp.TotalSeconds / options.Features.StepSeconds;
        if (steps < models.MinTrainingSteps)
        {
            return [string.Create(CultureInfo.InvariantCulture,
                $"{key}:StepSeconds {options.Features.StepSeconds} gives at most {Math.Floor(steps)} steps in the warm-up of {warmUp}; Models:MinTrainingSteps is {models.MinTrainingSteps}")];
        }
        return settings is null ? [] : CheckTagNames(settings, key);
    }

    private static List<string> CheckTagNames(AssetModelSettings settings, string key)
    {
        var errors = new List<string>();
        var f = settings.Scoring.Features;
        if (!string.IsNullOrEmpty(f.DriverTag) && !settings.Tags.Contains(f.DriverTag))
        {
            errors.Add($"{key}:DriverTag '{f.DriverTag}' is not a modelled tag of asset '{settings.Asset}'");
        }
        for (var i = 0; i < f.DriftingTags.Length; i++)
        {
            if (!settings.Tags.Contains(f.DriftingTags[i]))
            {
                errors.Add($"{key}:DriftingTags:{i} '{f.DriftingTags[i]}' is not a modelled tag of asset '{settings.Asset}'");
            }
        }
        return errors;
    }

    /// <summary>Scoring validators say "Features.StepSeconds ..." or "Scoring.TopTags ..."; name our key instead.</summary>
    private static string NameKey(string key, string message)
    {
        var m = ScoringKey().Match(message);
        return m.Success ? $"{key}:{m.Groups[1].Value}{message[m.Length..]}" : $"{key}: {message}";
    }

    [GeneratedRegex(@"^(?:Features|Scoring|IsolationForestOptions|PcaDetectorOptions|RegimeDiscoveryOptions|EvtOptions)\.(\w+)")]
    private static partial Regex ScoringKey();
}
