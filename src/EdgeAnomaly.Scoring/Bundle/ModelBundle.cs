using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using EdgeAnomaly.Models.Calibration;
using EdgeAnomaly.Models.Forest;
using EdgeAnomaly.Models.Pca;
using EdgeAnomaly.Models.Regimes;
using EdgeAnomaly.Models.Scaling;
using EdgeAnomaly.Models.Serialization;
using EdgeAnomaly.Models.Thresholds;
using EdgeAnomaly.Scoring.Features;
using EdgeAnomaly.Scoring.Pipeline;

namespace EdgeAnomaly.Scoring.Bundle;

public enum BundleFault
{
    /// <summary>Shorter than its header says (or than a header).</summary>
    Truncated,

    /// <summary>Not a model bundle (magic bytes differ).</summary>
    NotABundle,

    /// <summary>A format version this build does not read.</summary>
    UnsupportedVersion,

    /// <summary>The SHA-256 over the content does not match: the file was altered or damaged.</summary>
    ChecksumMismatch,

    /// <summary>The checksum matched but a section is inconsistent (written by a faulty tool).</summary>
    Corrupt,

    /// <summary>A sound bundle for a different asset (or different tags) than the one being loaded.</summary>
    WrongAsset,
}

/// <summary>A model bundle was refused; the asset keeps scoring without it (rules, statistics, previous bundle).</summary>
public sealed class ModelBundleException : Exception
{
    public ModelBundleException(BundleFault fault, string message, Exception? inner = null) : base(message, inner) => Fault = fault;

    public ModelBundleException() : base("model bundle refused") => Fault = BundleFault.Corrupt;

    public ModelBundleException(string message) : base(message) => Fault = BundleFault.Corrupt;

    public ModelBundleException(string message, Exception inner) : base(message, inner) => Fault = BundleFault.Corrupt;

    public BundleFault Fault { get; }
}

/// <summary>
/// The model bundle file (format in docs/model-bundle.md): magic "EAMB", format version, content length, content
/// (a JSON header for people and tools, then the binary sections the scorer needs), SHA-256 over everything before
/// it, and a reserved signature block. <see cref="Load(string, string?)"/> refuses truncated, foreign, wrong-version,
/// altered, inconsistent or wrong-asset files with a <see cref="ModelBundleException"/> naming the fault.
/// </summary>
public static class ModelBundle
{
    public const ushort FormatVersion = 1;
    public const int MaxBundleBytes = 64 << 20;
    private static readonly byte[] Magic = "EAMB"u8.ToArray();
    private const int PreambleBytes = 12;
    private const int ChecksumBytes = 32;
    private const string Section = "BNDL";

    public static void Save(AssetModel model, string path)
    {
        var bytes = ToBytes(model);
        var temporary = path + ".tmp";
        File.WriteAllBytes(temporary, bytes);
        File.Move(temporary, path, overwrite: true);   // never a half-written bundle under the real name
    }

    public static byte[] ToBytes(AssetModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        var content = new MemoryStream();
        using (var w = new BinaryWriter(content, Encoding.UTF8, leaveOpen: true))
        {
            var header = HeaderJson(model);
            w.Write(header.Length);
            w.Write(header);
            WriteSections(w, model);
        }
        var body = content.ToArray();
        var output = new byte[PreambleBytes + body.Length + ChecksumBytes + 4];
        Magic.CopyTo(output, 0);
        BinaryPrimitives.WriteUInt16LittleEndian(output.AsSpan(4), FormatVersion);
        BinaryPrimitives.WriteUInt16LittleEndian(output.AsSpan(6), 0);
        BinaryPrimitives.WriteInt32LittleEndian(output.AsSpan(8), body.Length);
        body.CopyTo(output, PreambleBytes);
        SHA256.HashData(output.AsSpan(0, PreambleBytes + body.Length), output.AsSpan(PreambleBytes + body.Length, ChecksumBytes));
        BinaryPrimitives.WriteInt32LittleEndian(output.AsSpan(PreambleBytes + body.Length + ChecksumBytes), 0);   // no signature yet
        return output;
    }

    /// <summary>Loads a bundle; with <paramref name="expectedAsset"/> a bundle for another asset is refused.</summary>
    public static AssetModel Load(string path, string? expectedAsset = null)
    {
        byte[] bytes;
        try
        {
            var info = new FileInfo(path);
            if (info.Exists && info.Length > MaxBundleBytes)
            {
                throw new ModelBundleException(BundleFault.Corrupt, $"model bundle '{path}' is {info.Length} bytes, more than the {MaxBundleBytes} a bundle may have.");
            }
            bytes = File.ReadAllBytes(path);
        }
        catch (IOException e)
        {
            throw new ModelBundleException(BundleFault.Truncated, $"model bundle '{path}' cannot be read: {e.Message}", e);
        }
        return FromBytes(bytes, expectedAsset, path);
    }

    public static AssetModel FromBytes(ReadOnlySpan<byte> bytes, string? expectedAsset = null, string source = "bundle")
    {
        if (bytes.Length < 4 || !bytes[..4].SequenceEqual(Magic))
        {
            if (bytes.Length < 4 && Magic.AsSpan().StartsWith(bytes))
            {
                throw new ModelBundleException(BundleFault.Truncated, $"model bundle '{source}' is truncated ({bytes.Length} bytes).");
            }
            throw new ModelBundleException(BundleFault.NotABundle, $"'{source}' is not an EdgeAnomaly model bundle (magic bytes differ).");
        }
        if (bytes.Length < PreambleBytes)
        {
            throw new ModelBundleException(BundleFault.Truncated, $"model bundle '{source}' is truncated ({bytes.Length} bytes, header needs {PreambleBytes}).");
        }
        var version = BinaryPrimitives.ReadUInt16LittleEndian(bytes[4..]);
        if (version != FormatVersion)
        {
            throw new ModelBundleException(BundleFault.UnsupportedVersion, $"model bundle '{source}' has format version {version}; this gateway reads version {FormatVersion}.");
        }
        var length = BinaryPrimitives.ReadInt32LittleEndian(bytes[8..]);
        if (length < 0 || (long)PreambleBytes + length + ChecksumBytes + 4 > bytes.Length)
        {
            throw new ModelBundleException(BundleFault.Truncated, $"model bundle '{source}' is truncated: content of {length} bytes declared, file has {bytes.Length}.");
        }
        Span<byte> hash = stackalloc byte[ChecksumBytes];
        SHA256.HashData(bytes[..(PreambleBytes + length)], hash);
        if (!hash.SequenceEqual(bytes.Slice(PreambleBytes + length, ChecksumBytes)))
        {
            throw new ModelBundleException(BundleFault.ChecksumMismatch, $"model bundle '{source}' fails its SHA-256 check: the file was altered or damaged.");
        }
        var signatureLength = BinaryPrimitives.ReadInt32LittleEndian(bytes[(PreambleBytes + length + ChecksumBytes)..]);
        if (signatureLength < 0 || (long)PreambleBytes + length + ChecksumBytes + 4 + signatureLength != bytes.Length)
        {
            throw new ModelBundleException(BundleFault.Truncated, $"model bundle '{source}': signature block of {signatureLength} bytes does not match the file length.");
        }
        AssetModel model;
        try
        {
            model = ReadContent(bytes.Slice(PreambleBytes, length).ToArray());
        }
        catch (Exception e) when (e is InvalidDataException or EndOfStreamException or JsonException or KeyNotFoundException or ArgumentException or InvalidOperationException or FormatException)
        {
            throw new ModelBundleException(BundleFault.Corrupt, $"model bundle '{source}' is inconsistent: {e.Message}", e);
        }
        if (expectedAsset is not null && !string.Equals(model.Asset, expectedAsset, StringComparison.Ordinal))
        {
            throw new ModelBundleException(BundleFault.WrongAsset, $"model bundle '{source}' is for asset '{model.Asset}', not '{expectedAsset}'.");
        }
        return model;
    }

    /// <summary>Refuses a bundle whose tags are not the asset's configured tags (same names, same order).</summary>
    public static void CheckTags(AssetModel model, IReadOnlyList<string> tags, string source = "bundle")
    {
        if (!model.Tags.SequenceEqual(tags, StringComparer.Ordinal))
        {
            throw new ModelBundleException(BundleFault.WrongAsset,
                $"model bundle '{source}' for asset '{model.Asset}' was trained on tags [{string.Join(", ", model.Tags)}], the asset has [{string.Join(", ", tags)}].");
        }
    }

    private static byte[] HeaderJson(AssetModel model)
    {
        var buffer = new MemoryStream();
        using (var j = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            j.WriteStartObject();
            j.WriteString("asset", model.Asset);
            j.WriteStartArray("tags");
            foreach (var t in model.Tags)
            {
                j.WriteStringValue(t);
            }
            j.WriteEndArray();
            j.WriteNumber("created_at_ms", model.Metadata.CreatedAtMs);
            j.WriteString("tool_version", model.Metadata.ToolVersion);
            j.WriteStartObject("training");
            j.WriteNumber("rows", model.Metadata.Rows);
            j.WriteNumber("steps", model.Metadata.Steps);
            j.WriteNumber("start_ms", model.Metadata.StartMs);
            j.WriteNumber("end_ms", model.Metadata.EndMs);
            j.WriteStartArray("fallbacks");
            foreach (var f in model.Metadata.Fallbacks)
            {
                j.WriteStringValue(f);
            }
            j.WriteEndArray();
            j.WriteEndObject();
            j.WriteNumber("window_s", model.Spec.Options.WindowSeconds);
            j.WriteNumber("step_s", model.Spec.Options.StepSeconds);
            j.WriteStartArray("features");
            foreach (var c in model.KeptColumns)
            {
                j.WriteStringValue(model.Spec.ColumnNames[c]);
            }
            j.WriteEndArray();
            j.WriteNumber("regimes", model.RegimeCount);
            j.WriteNumber("trees", model.Forest.Trees);
            j.WriteNumber("pca_components", model.Pca.Components);
            j.WriteStartObject("weights");
            j.WriteNumber("iforest", model.Weights[0]);
            j.WriteNumber("t2", model.Weights[1]);
            j.WriteNumber("spe", model.Weights[2]);
            j.WriteString("rule", model.Fusion.ToString());
            j.WriteEndObject();
            j.WriteStartObject("threshold");
            j.WriteString("policy", model.Policy.ToString());
            j.WriteNumber("value", model.Threshold);
            j.WriteNumber("margin", model.ThresholdMargin);
            j.WriteString("reason", model.ThresholdChoice.Reason);
            j.WriteNumber("sustain_steps", model.SustainSteps);
            j.WriteEndObject();
            j.WriteEndObject();
        }
        return buffer.ToArray();
    }

    private static void WriteSections(BinaryWriter w, AssetModel model)
    {
        model.Spec.Write(w);
        ModelBinary.WriteTag(w, "KEEP");
        w.Write(model.KeptColumns.Count);
        foreach (var c in model.KeptColumns)
        {
            w.Write(c);
        }
        model.Scaler.Write(w);
        w.Write(model.Regimes is not null);
        if (model.Regimes is not null)
        {
            w.Write(model.RegimeColumns.Count);
            foreach (var c in model.RegimeColumns)
            {
                w.Write(c);
            }
            model.Regimes.Write(w);
        }
        model.Forest.Write(w);
        model.Pca.Write(w);
        foreach (var calibration in model.Calibrations)
        {
            calibration.Write(w);
        }
        ModelBinary.WriteTag(w, "FUSE");
        ModelBinary.WriteDoubles(w, [.. model.References]);
        ModelBinary.WriteDoubles(w, [.. model.Weights]);
        w.Write((byte)model.Fusion);
        model.ThresholdChoice.Write(w);
        ModelBinary.WriteTag(w, "EVNT");
        w.Write((byte)model.Policy);
        w.Write(model.ThresholdMargin);
        w.Write(model.Threshold);
        w.Write(model.SustainSteps);
        w.Write(model.MinEventMs);
        w.Write(model.MergeGapMs);
        w.Write(model.TopTags);
        ModelBinary.WriteTag(w, "DRFT");
        w.Write(model.Drift.CheckSteps);
        w.Write(model.Drift.AdwinDelta);
        w.Write(model.Drift.PageHinkleyLambda);
        w.Write(model.Drift.Components);
        ModelBinary.WriteDoubles(w, [.. model.TrainingShares]);
        ModelBinary.WriteTag(w, "END.");
    }

    private static AssetModel ReadContent(byte[] content)
    {
        using var r = new BinaryReader(new MemoryStream(content), Encoding.UTF8);
        var headerLength = ModelBinary.ReadInt(r, Section, "header length", 2, content.Length);
        var header = r.ReadBytes(headerLength);
        if (header.Length != headerLength)
        {
            throw new InvalidDataException("header is truncated");
        }
        using var json = JsonDocument.Parse(header);
        var root = json.RootElement;
        var asset = root.GetProperty("asset").GetString() ?? throw new InvalidDataException("header has no asset");
        var training = root.GetProperty("training");
        var metadata = new TrainingMetadata(
            training.GetProperty("rows").GetInt64(),
            training.GetProperty("steps").GetInt64(),
            training.GetProperty("start_ms").GetInt64(),
            training.GetProperty("end_ms").GetInt64(),
            [.. training.GetProperty("fallbacks").EnumerateArray().Select(e => e.GetString() ?? "")],
            root.GetProperty("created_at_ms").GetInt64(),
            root.GetProperty("tool_version").GetString() ?? "");

        var spec = FeatureSpec.Read(r);
        return ModelBinary.ReadSection(Section, () =>
        {
            ModelBinary.ExpectTag(r, "KEEP");
            var keptCount = ModelBinary.ReadInt(r, "KEEP", "count", 1, spec.Columns.Count);
            var kept = new int[keptCount];
            for (var i = 0; i < keptCount; i++)
            {
                kept[i] = ModelBinary.ReadInt(r, "KEEP", "column", i == 0 ? 0 : kept[i - 1] + 1, spec.Columns.Count - 1);
            }
            var scaler = RobustScaler.Read(r);
            Expect(scaler.Dimensions == keptCount, "scaler dimensions differ from the kept features");
            RegimeModel? regimes = null;
            int[] regimeColumns = [];
            if (r.ReadBoolean())
            {
                regimeColumns = new int[ModelBinary.ReadInt(r, "REGC", "count", 1, keptCount)];
                for (var i = 0; i < regimeColumns.Length; i++)
                {
                    regimeColumns[i] = ModelBinary.ReadInt(r, "REGC", "column", 0, keptCount - 1);
                }
                regimes = RegimeModel.Read(r);
                Expect(regimes.Dimensions == regimeColumns.Length, "regime model dimensions differ from its feature columns");
            }
            var forest = IsolationForest.Read(r);
            Expect(forest.Dimensions == keptCount, "forest dimensions differ from the kept features");
            var pca = PcaDetector.Read(r);
            Expect(pca.Dimensions == keptCount, "PCA dimensions differ from the kept features");
            var calibrations = new RegimeCalibration[ScoringOptions.DetectorCount];
            var regimeCount = regimes?.Count ?? 1;
            for (var d = 0; d < calibrations.Length; d++)
            {
                calibrations[d] = RegimeCalibration.Read(r);
                Expect(calibrations[d].RegimeCount == regimeCount || calibrations[d].RegimeCount == 1, "a calibration has the wrong number of regimes");
            }
            ModelBinary.ExpectTag(r, "FUSE");
            var references = ModelBinary.ReadFiniteDoubles(r, "FUSE", "references", ScoringOptions.DetectorCount);
            var weights = ModelBinary.ReadFiniteDoubles(r, "FUSE", "weights", ScoringOptions.DetectorCount);
            var fusion = (FusionRule)r.ReadByte();
            Expect(Enum.IsDefined(fusion), "unknown fusion rule");
            Expect(references.All(x => x > 0) && weights.All(x => x >= 0) && weights.Sum() > 0, "fusion references or weights out of range");
            var choice = ThresholdChoice.Read(r);
            ModelBinary.ExpectTag(r, "EVNT");
            var policy = (ThresholdPolicy)r.ReadByte();
            Expect(Enum.IsDefined(policy), "unknown threshold policy");
            var margin = ModelBinary.ReadFinite(r, "EVNT", "margin", 1e-3, 1e3);
            var threshold = ModelBinary.ReadFinite(r, "EVNT", "threshold", 0, 1);
            var sustain = ModelBinary.ReadInt(r, "EVNT", "sustain steps", 1, 1_000_000);
            var minEvent = ModelBinary.ReadLong(r, "EVNT", "min event ms", 0, long.MaxValue / 4);
            var mergeGap = ModelBinary.ReadLong(r, "EVNT", "merge gap ms", 0, long.MaxValue / 4);
            var topTags = ModelBinary.ReadInt(r, "EVNT", "top tags", 1, 32);
            ModelBinary.ExpectTag(r, "DRFT");
            var drift = new DriftSettings(
                ModelBinary.ReadInt(r, "DRFT", "check steps", 10, int.MaxValue),
                ModelBinary.ReadFinite(r, "DRFT", "ADWIN delta", 1e-12, 1),
                ModelBinary.ReadFinite(r, "DRFT", "Page-Hinkley lambda", 1e-12, 1e12),
                ModelBinary.ReadInt(r, "DRFT", "components", 0, pca.Components));
            var shares = ModelBinary.ReadFiniteDoubles(r, "DRFT", "training shares", regimeCount);
            ModelBinary.ExpectTag(r, "END.");
            Expect(r.BaseStream.Position == r.BaseStream.Length, "bytes after the last section");
            return new AssetModel(asset, spec, kept, scaler, regimes, regimeColumns, forest, pca, calibrations, references, weights, fusion, policy, choice, margin,
                threshold, sustain, minEvent, mergeGap, topTags, drift, shares, metadata);
        });
    }

    private static void Expect(bool condition, string message)
    {
        if (!condition)
        {
            throw new InvalidDataException(message);
        }
    }
}
