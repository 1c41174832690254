using System.Collections.Frozen;

namespace EdgeAnomaly.Core.Tags;

/// <summary>An asset known to the gateway (a pump, a motor, a line).</summary>
public sealed record AssetInfo(int Id, string Name, string Type, int[] TagIds);

/// <summary>A tag of an asset; <see cref="Id"/> is dense over all assets so per-tag state lives in arrays.</summary>
public sealed record TagInfo(int Id, int AssetId, string Asset, string Name, string Unit, double ExpectedIntervalSeconds)
{
    /// <summary>"asset/tag", the key used in logs and explanations.</summary>
    public string Key { get; } = Asset + "/" + Name;
}

/// <summary>
/// The configured assets and tags, frozen at start. Ids are dense (0..Count-1) so every
/// per-tag structure in the pipeline is an array indexed by tag id rather than a dictionary.
/// </summary>
public sealed class TagRegistry
{
    private readonly AssetInfo[] _assets;
    private readonly TagInfo[] _tags;
    private readonly FrozenDictionary<string, int> _assetByName;
    private readonly FrozenDictionary<string, int>[] _tagByNamePerAsset;
    private readonly FrozenDictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> _assetLookup;
    private readonly FrozenDictionary<string, int>.AlternateLookup<ReadOnlySpan<char>>[] _tagLookups;

    private TagRegistry(List<AssetInfo> assets, List<TagInfo> tags)
    {
        _assets = [.. assets];
        _tags = [.. tags];
        _assetByName = assets.ToFrozenDictionary(a => a.Name, a => a.Id, StringComparer.Ordinal);
        _tagByNamePerAsset = new FrozenDictionary<string, int>[assets.Count];
        _tagLookups = new FrozenDictionary<string, int>.AlternateLookup<ReadOnlySpan<char>>[assets.Count];
        foreach (var asset in assets)
        {
            var byName = asset.TagIds.ToFrozenDictionary(id => tags[id].Name, id => id, StringComparer.Ordinal);
            _tagByNamePerAsset[asset.Id] = byName;
            _tagLookups[asset.Id] = byName.GetAlternateLookup<ReadOnlySpan<char>>();
        }
        _assetLookup = _assetByName.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    public int AssetCount => _assets.Length;
    public int TagCount => _tags.Length;
    public ReadOnlySpan<AssetInfo> Assets => _assets;
    public ReadOnlySpan<TagInfo> Tags => _tags;

    public AssetInfo GetAsset(int assetId) => _assets[assetId];
    public TagInfo GetTag(int tagId) => _tags[tagId];

    public bool TryGetAsset(ReadOnlySpan<char> name, out int assetId) => _assetLookup.TryGetValue(name, out assetId);

    public bool TryGetTag(int assetId, ReadOnlySpan<char> tagName, out int tagId) =>
        _tagLookups[assetId].TryGetValue(tagName, out tagId);

    public bool TryGetTag(ReadOnlySpan<char> asset, ReadOnlySpan<char> tagName, out int tagId)
    {
        if (TryGetAsset(asset, out var assetId))
        {
            return TryGetTag(assetId, tagName, out tagId);
        }
        tagId = -1;
        return false;
    }

    /// <summary>Collects assets and tags, then freezes them.</summary>
    public sealed class Builder
    {
        private readonly List<AssetInfo> _assets = [];
        private readonly List<TagInfo> _tags = [];
        private readonly Dictionary<string, List<int>> _tagIdsByAsset = new(StringComparer.Ordinal);
        private readonly Dictionary<string, string> _assetTypes = new(StringComparer.Ordinal);
        private readonly List<string> _assetOrder = [];

        public Builder AddAsset(string name, string type)
        {
            ArgumentException.ThrowIfNullOrWhiteSpace(name);
            if (_assetTypes.ContainsKey(name))
            {
                throw new ArgumentException($"asset '{name}' is declared twice", nameof(name));
            }
            _assetTypes[name] = type ?? "";
            _tagIdsByAsset[name] = [];
            _assetOrder.Add(name);
            return this;
        }

        public Builder AddTag(string asset, string tag, string unit = "", double expectedIntervalSeconds = 0)
        {
            ArgumentException.ThrowIfNullOrWhiteSpace(tag);
            if (!_tagIdsByAsset.TryGetValue(asset, out var ids))
            {
                throw new ArgumentException($"tag '{tag}' names unknown asset '{asset}'", nameof(asset));
            }
            foreach (var id in ids)
            {
                if (string.Equals(_tags[id].Name, tag, StringComparison.Ordinal))
                {
                    throw new ArgumentException($"tag '{asset}/{tag}' is declared twice", nameof(tag));
                }
            }
            var assetId = _assetOrder.IndexOf(asset);
            var tagId = _tags.Count;
            _tags.Add(new TagInfo(tagId, assetId, asset, tag, unit ?? "", expectedIntervalSeconds));
            ids.Add(tagId);
            return this;
        }

        public TagRegistry Build()
        {
            _assets.Clear();
            for (var i = 0; i < _assetOrder.Count; i++)
            {
                var name = _assetOrder[i];
                _assets.Add(new AssetInfo(i, name, _assetTypes[name], [.. _tagIdsByAsset[name]]));
            }
            return new TagRegistry(_assets, _tags);
        }
    }
}
