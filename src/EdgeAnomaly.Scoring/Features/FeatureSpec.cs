using System.Globalization;
using EdgeAnomaly.Models.Serialization;

namespace EdgeAnomaly.Scoring.Features;

/// <summary>What one feature column measures.</summary>
public enum FeatureKind : byte
{
    Mean = 0,
    Min = 1,
    Max = 2,
    P10 = 3,
    P50 = 4,
    P90 = 5,
    Std = 6,
    Slope = 7,
    Iqr = 8,
    Band = 9,
    ArResidual = 10,
    DriverCorrelation = 11,
}

/// <summary>One column of the feature vector: a statistic of one tag (Band numbers the spectral band).</summary>
public readonly record struct FeatureColumn(int Tag, FeatureKind Kind, int Band)
{
    public bool IsLevel => Kind is FeatureKind.Mean or FeatureKind.Min or FeatureKind.Max or FeatureKind.P10 or FeatureKind.P50 or FeatureKind.P90;

    public string Name(IReadOnlyList<string> tags) => Kind switch
    {
        FeatureKind.Band => string.Create(CultureInfo.InvariantCulture, $"{tags[Tag]}.band{Band}"),
        FeatureKind.ArResidual => tags[Tag] + ".ar_residual",
        FeatureKind.DriverCorrelation => tags[Tag] + ".driver_corr",
        _ => tags[Tag] + "." + Kind.ToString().ToLowerInvariant(),
    };
}

/// <summary>
/// The frozen feature definition of one asset: tags, window and step, families, the sampling facts learned from
/// the training data (minimum samples per window, buffer capacity) and each tag's AR model. One instance drives
/// both training and live scoring, and it is stored in the model bundle.
/// </summary>
public sealed class FeatureSpec
{
    private const string Section = "FEAT";
    public const int MaxTags = 1024;
    public const int MaxCapacity = 1 << 16;

    private readonly double[][] _arCoefficients;
    private readonly bool[] _levelFeatures;

    private FeatureSpec(string[] tags, FeatureOptions options, int driver, bool[] levelFeatures, double[][] ar, int minSamples, int capacity, double medianIntervalSeconds)
    {
        Tags = tags;
        Options = options;
        DriverIndex = driver;
        _levelFeatures = levelFeatures;
        _arCoefficients = ar;
        MinSamplesPerWindow = minSamples;
        Capacity = capacity;
        MedianIntervalSeconds = medianIntervalSeconds;
        WindowMs = (long)Math.Round(options.WindowSeconds * 1000);
        StepMs = (long)Math.Round(options.StepSeconds * 1000);
        Columns = BuildColumns();
        ColumnNames = Columns.Select(c => c.Name(tags)).ToArray();
    }

    public IReadOnlyList<string> Tags { get; }

    /// <summary>The options as given (a private copy).</summary>
    public FeatureOptions Options { get; }

    public long WindowMs { get; }

    public long StepMs { get; }

    public int DriverIndex { get; }

    /// <summary>Resolved fewest finite samples a contributing tag needs in a window.</summary>
    public int MinSamplesPerWindow { get; }

    /// <summary>Samples buffered per tag; older ones are overwritten (and counted) if a tag reports faster.</summary>
    public int Capacity { get; }

    /// <summary>Median sampling interval over the training data's tags (informational).</summary>
    public double MedianIntervalSeconds { get; }

    public IReadOnlyList<FeatureColumn> Columns { get; }

    public IReadOnlyList<string> ColumnNames { get; }

    public bool HasLevelFeatures(int tag) => _levelFeatures[tag];

    public ReadOnlySpan<double> ArCoefficients(int tag) => _arCoefficients[tag];

    /// <summary>
    /// Freezes the options for these tags, learning from per-tag training series (time ms ascending, finite values):
    /// median sampling interval (minimum samples per window, buffer capacity) and each tag's AR coefficients.
    /// </summary>
    public static FeatureSpec Fit(IReadOnlyList<string> tags, FeatureOptions options, IReadOnlyList<TagSeries> training)
    {
        ArgumentNullException.ThrowIfNull(tags);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(training);
        options.Validate();
        if (tags.Count is 0 or > MaxTags)
        {
            throw new ArgumentException($"An asset needs 1..{MaxTags} tags (got {tags.Count}).", nameof(tags));
        }
        if (training.Count != tags.Count)
        {
            throw new ArgumentException($"Training series for {training.Count} tags, expected {tags.Count}.", nameof(training));
        }
        var names = tags.ToArray();
        if (names.Distinct(StringComparer.Ordinal).Count() != names.Length)
        {
            throw new ArgumentException("Tag names must be unique within an asset.", nameof(tags));
        }
        var driver = 0;
        if (!string.IsNullOrEmpty(options.DriverTag))
        {
            driver = Array.IndexOf(names, options.DriverTag);
            if (driver < 0)
            {
                throw new ArgumentException($"Features.DriverTag '{options.DriverTag}' is not one of the asset's tags ({string.Join(", ", names)}).");
            }
        }
        var level = new bool[names.Length];
        for (var t = 0; t < names.Length; t++)
        {
            level[t] = !options.DriftingTags.Contains(names[t], StringComparer.Ordinal);
        }
        foreach (var drifting in options.DriftingTags)
        {
            if (Array.IndexOf(names, drifting) < 0)
            {
                throw new ArgumentException($"Features.DriftingTags names '{drifting}', which is not one of the asset's tags ({string.Join(", ", names)}).");
            }
        }
        var intervals = new List<double>();
        var ar = new double[names.Length][];
        for (var t = 0; t < names.Length; t++)
        {
            var s = training[t];
            for (var i = 1; i < s.Count; i++)
            {
                intervals.Add((s.TimesMs[i] - s.TimesMs[i - 1]) / 1000.0);
            }
            ar[t] = (options.Families & FeatureFamilies.ArResidual) != 0
                ? WindowStatistics.FitAutoregressive(s.Values.AsSpan(0, s.Count), options.ArOrder)
                : [];
        }
        if (intervals.Count == 0)
        {
            throw new ArgumentException("Training data needs at least two samples of one tag to learn the sampling interval.", nameof(training));
        }
        intervals.Sort();
        var median = Math.Max(1e-3, intervals[intervals.Count / 2]);
        var expected = options.WindowSeconds / median;
        var minSamples = options.MinSamplesPerWindow > 0
            ? options.MinSamplesPerWindow
            : Math.Max(2, (int)Math.Ceiling(0.5 * expected));
        if ((options.Families & FeatureFamilies.ArResidual) != 0)
        {
            minSamples = Math.Max(minSamples, options.ArOrder + 1);
        }
        var capacity = (int)Math.Clamp(Math.Ceiling(2 * (options.WindowSeconds + options.StepSeconds) / median) + 16, 16, MaxCapacity);
        return new FeatureSpec(names, options.Clone(), driver, level, ar, minSamples, capacity, median);
    }

    private FeatureColumn[] BuildColumns()
    {
        var f = Options.Families;
        var columns = new List<FeatureColumn>();
        for (var t = 0; t < Tags.Count; t++)
        {
            if (_levelFeatures[t])
            {
                if ((f & FeatureFamilies.Mean) != 0)
                {
                    columns.Add(new(t, FeatureKind.Mean, 0));
                }
                if ((f & FeatureFamilies.MinMax) != 0)
                {
                    columns.Add(new(t, FeatureKind.Min, 0));
                    columns.Add(new(t, FeatureKind.Max, 0));
                }
                if ((f & FeatureFamilies.Percentiles) != 0)
                {
                    columns.Add(new(t, FeatureKind.P10, 0));
                    columns.Add(new(t, FeatureKind.P50, 0));
                    columns.Add(new(t, FeatureKind.P90, 0));
                }
            }
            if ((f & FeatureFamilies.Std) != 0)
            {
                columns.Add(new(t, FeatureKind.Std, 0));
            }
            if ((f & FeatureFamilies.Slope) != 0)
            {
                columns.Add(new(t, FeatureKind.Slope, 0));
            }
            if ((f & FeatureFamilies.Percentiles) != 0)
            {
                columns.Add(new(t, FeatureKind.Iqr, 0));
            }
            if ((f & FeatureFamilies.Spectral) != 0)
            {
                for (var b = 0; b < Options.SpectralBands; b++)
                {
                    columns.Add(new(t, FeatureKind.Band, b));
                }
            }
            if ((f & FeatureFamilies.ArResidual) != 0)
            {
                columns.Add(new(t, FeatureKind.ArResidual, 0));
            }
            if ((f & FeatureFamilies.DriverCorrelation) != 0 && t != DriverIndex)
            {
                columns.Add(new(t, FeatureKind.DriverCorrelation, 0));
            }
        }
        return [.. columns];
    }

    public void Write(BinaryWriter w)
    {
        ModelBinary.WriteTag(w, Section);
        w.Write(Tags.Count);
        foreach (var tag in Tags)
        {
            w.Write(tag);
        }
        w.Write(Options.WindowSeconds);
        w.Write(Options.StepSeconds);
        w.Write((int)Options.Families);
        w.Write(Options.SpectralBands);
        w.Write(Options.GridPoints);
        w.Write(Options.ArOrder);
        w.Write(DriverIndex);
        for (var t = 0; t < Tags.Count; t++)
        {
            w.Write(_levelFeatures[t]);
            ModelBinary.WriteDoubles(w, _arCoefficients[t]);
        }
        w.Write(MinSamplesPerWindow);
        w.Write(Capacity);
        w.Write(MedianIntervalSeconds);
    }

    public static FeatureSpec Read(BinaryReader r) => ModelBinary.ReadSection(Section, () =>
    {
        ModelBinary.ExpectTag(r, Section);
        var count = ModelBinary.ReadInt(r, Section, "tag count", 1, MaxTags);
        var tags = new string[count];
        for (var t = 0; t < count; t++)
        {
            tags[t] = ModelBinary.ReadString(r, Section, "tag name", 256);
        }
        var options = new FeatureOptions
        {
            WindowSeconds = ModelBinary.ReadFinite(r, Section, "window seconds", 1e-3, 1e7),
            StepSeconds = ModelBinary.ReadFinite(r, Section, "step seconds", 1e-3, 1e7),
            Families = (FeatureFamilies)ModelBinary.ReadInt(r, Section, "families", 1, (int)FeatureFamilies.All),
            SpectralBands = ModelBinary.ReadInt(r, Section, "spectral bands", 1, 64),
            GridPoints = ModelBinary.ReadInt(r, Section, "grid points", 8, 4096),
            ArOrder = ModelBinary.ReadInt(r, Section, "AR order", 1, 16),
        };
        var driver = ModelBinary.ReadInt(r, Section, "driver index", 0, count - 1);
        options.DriverTag = tags[driver];
        var level = new bool[count];
        var ar = new double[count][];
        var arLength = (options.Families & FeatureFamilies.ArResidual) != 0 ? options.ArOrder : 0;
        var drifting = new List<string>();
        for (var t = 0; t < count; t++)
        {
            level[t] = r.ReadBoolean();
            if (!level[t])
            {
                drifting.Add(tags[t]);
            }
            ar[t] = ModelBinary.ReadFiniteDoubles(r, Section, "AR coefficients", arLength);
        }
        options.DriftingTags = [.. drifting];
        var minSamples = ModelBinary.ReadInt(r, Section, "min samples", 1, MaxCapacity);
        var capacity = ModelBinary.ReadInt(r, Section, "capacity", 16, MaxCapacity);
        var median = ModelBinary.ReadFinite(r, Section, "median interval", 0, 1e9);
        options.MinSamplesPerWindow = minSamples;
        try
        {
            options.Validate();
        }
        catch (ArgumentException e)
        {
            throw new InvalidDataException($"Model section '{Section}': {e.Message}", e);
        }
        if (tags.Distinct(StringComparer.Ordinal).Count() != count)
        {
            throw new InvalidDataException($"Model section '{Section}': duplicate tag names.");
        }
        return new FeatureSpec(tags, options, driver, level, ar, minSamples, capacity, median);
    });
}

/// <summary>One tag's samples in time order (finite values only), as collected for training.</summary>
public sealed class TagSeries
{
    private long[] _times = new long[64];
    private double[] _values = new double[64];

    public int Count { get; private set; }

    /// <summary>Backing array; valid up to <see cref="Count"/>.</summary>
    public long[] TimesMs => _times;

    /// <summary>Backing array; valid up to <see cref="Count"/>.</summary>
    public double[] Values => _values;

    /// <summary>Appends a sample; returns false (and keeps nothing) for a non-finite value or a time not after the last.</summary>
    public bool TryAdd(long timestampMs, double value)
    {
        if (!double.IsFinite(value) || (Count > 0 && timestampMs <= _times[Count - 1]))
        {
            return false;
        }
        if (Count == _times.Length)
        {
            Array.Resize(ref _times, Count * 2);
            Array.Resize(ref _values, Count * 2);
        }
        _times[Count] = timestampMs;
        _values[Count] = value;
        Count++;
        return true;
    }
}
