using System.Text.Json;
using EdgeAnomaly.Contracts;
using EdgeAnomaly.Core.Diagnostics;
using EdgeAnomaly.Core.Readings;
using EdgeAnomaly.Core.Tags;

namespace EdgeAnomaly.Ingest;

/// <summary>
/// Decodes node payloads of MQTT contract v1 (docs/mqtt-contract.md) into readings and applies the validation,
/// timestamp and sequence policies. Pure: no I/O, no clock (the caller passes the receive time). Reads the payload
/// with <see cref="Utf8JsonReader"/> and resolves names through stack buffers, so a well-formed message does not
/// allocate. Not thread-safe: one instance per pipeline thread, except <see cref="Nodes"/>, which may be read
/// from any thread.
/// </summary>
public sealed class ReadingDecoder
{
    private const int StackNameChars = 128;
    private const int OffsetSamples = 15;

    private static readonly JsonReaderOptions ReaderOptions = new() { MaxDepth = 16 };

    private readonly TagRegistry _registry;
    private readonly GatewayCounters _counters;
    private readonly string _prefix;
    private readonly int _maxPayloadBytes;
    private readonly int _maxReadings;
    private readonly long _futureMs;
    private readonly long _maxAgeMs;
    private readonly int _maxNodes;
    private readonly long[] _lastAcceptedTs;
    private readonly List<NodeTracker> _nodes = [];
    private readonly Dictionary<string, NodeTracker> _nodeById = new(StringComparer.Ordinal);
    private readonly Dictionary<string, NodeTracker>.AlternateLookup<ReadOnlySpan<char>> _nodeLookup;
    private readonly Lock _nodesLock = new();
    private char[] _longNameBuffer = [];

    // A node not in the table decodes against this scratch tracker; it takes a slot only when the message
    // turns out valid (see Admit), so refused input never consumes state that good input needs.
    private NodeTracker _candidate = new();

    // Per-message scratch, reset at the start of each readings message.
    private RejectReason? _firstReject;
    private int _rejected;
    private long _firstExplicitTs;
    private bool _hasExplicitTs;

    public ReadingDecoder(TagRegistry registry, IngestOptions options, GatewayCounters counters)
    {
        ArgumentNullException.ThrowIfNull(registry);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(counters);
        // Options are validated once, at start (the gateway's options validation); not again here.
        _registry = registry;
        _counters = counters;
        _prefix = options.TopicPrefix;
        _maxPayloadBytes = options.MaxPayloadBytes;
        _maxReadings = options.MaxReadingsPerMessage;
        _futureMs = (long)options.FutureTolerance.TotalMilliseconds;
        _maxAgeMs = (long)options.MaxAge.TotalMilliseconds;
        _maxNodes = options.MaxNodes;
        _lastAcceptedTs = new long[registry.TagCount];
        Array.Fill(_lastAcceptedTs, long.MinValue);
        _nodeLookup = _nodeById.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    /// <summary>
    /// Snapshots of the tracked nodes, in slot order (the index in <see cref="DecodeResult.NodeIndex"/>). A node is
    /// tracked from its first accepted reading or valid status; when all <see cref="IngestOptions.MaxNodes"/> slots are
    /// taken, the longest-idle node gives up its slot (counted as nodes_evicted).
    /// </summary>
    public IReadOnlyList<NodeState> Nodes
    {
        get
        {
            lock (_nodesLock)
            {
                var list = new NodeState[_nodes.Count];
                for (var i = 0; i < list.Length; i++)
                {
                    list[i] = _nodes[i].Snapshot();
                }
                return list;
            }
        }
    }

    /// <summary>Which kind of node topic this is under the configured prefix.</summary>
    public NodeTopicKind Classify(ReadOnlySpan<char> topic) => NodeTopics.Parse(topic, _prefix, out _);

    /// <summary>
    /// Decodes one readings message received on <paramref name="topic"/> at <paramref name="receivedAtMs"/> (unix ms)
    /// and appends the accepted readings to <paramref name="output"/> (which is not cleared). Every rejected reading
    /// is counted once under its reason; a message refused as a whole counts once.
    /// </summary>
    public DecodeResult DecodeReadings(ReadOnlySpan<char> topic, ReadOnlySpan<byte> payload, long receivedAtMs, ReadingBuffer output)
    {
        ArgumentNullException.ThrowIfNull(output);
        _counters.AddMessageReceived();
        _firstReject = null;
        _rejected = 0;
        _hasExplicitTs = false;

        if (NodeTopics.Parse(topic, _prefix, out var nodeId) != NodeTopicKind.Readings)
        {
            return RefuseMessage(RejectReason.BadTopic, -1);
        }
        if (!_nodeLookup.TryGetValue(nodeId, out var node))
        {
            node = _candidate;
            node.ResetAsCandidate();
        }
        node.LastSeenMs = receivedAtMs;
        node.Messages++;
        if (node.State == NodeOnlineState.Unknown)
        {
            // Data is proof of life when the node never published a status.
            node.State = NodeOnlineState.Online;
        }
        if (payload.Length > _maxPayloadBytes)
        {
            return RefuseMessage(RejectReason.OversizedPayload, node.Index);
        }

        // Pass 1 validates the whole document and reads the message-level fields, whatever their order, so that
        // batch defaults written after "readings" still apply and malformed JSON never yields a partial accept.
        var reader = new Utf8JsonReader(payload, ReaderOptions);
        Utf8JsonReader root = default;
        Utf8JsonReader readings = default;
        var hasReadings = false;
        var readingCount = 0;
        RejectReason? messageError = null;
        var hasVersion = false;
        var hasSeq = false;
        uint seq = 0;
        long batchTs = 0;
        var hasBatchTs = false;
        var batchAsset = AssetAbsent;
        try
        {
            if (!ReadRootObject(ref reader))
            {
                messageError = RejectReason.WrongType;
            }
            else
            {
                root = reader;
                while (NextProperty(ref reader))
                {
                    if (reader.ValueTextEquals("v"u8))
                    {
                        hasVersion = true;
                        messageError ??= ReadVersion(ref reader);
                    }
                    else if (reader.ValueTextEquals("seq"u8))
                    {
                        reader.Read();
                        if (reader.TokenType == JsonTokenType.Number && reader.TryGetUInt32(out seq))
                        {
                            hasSeq = true;
                        }
                        else
                        {
                            messageError ??= RejectReason.WrongType;
                        }
                    }
                    else if (reader.ValueTextEquals("ts"u8))
                    {
                        hasBatchTs = TryReadInt64(ref reader, out batchTs);
                        messageError ??= hasBatchTs ? null : RejectReason.WrongType;
                    }
                    else if (reader.ValueTextEquals("asset"u8))
                    {
                        batchAsset = ReadAsset(ref reader);
                        messageError ??= batchAsset == AssetBadText ? RejectReason.WrongType : null;
                    }
                    else if (reader.ValueTextEquals("readings"u8))
                    {
                        reader.Read();
                        readings = reader;
                        hasReadings = TryCountArrayItems(ref reader, out readingCount);
                        messageError ??= hasReadings ? null : RejectReason.WrongType;
                    }
                    else
                    {
                        SkipUnknownProperty(ref reader);
                    }
                }
            }
            ReadToEnd(ref reader);
        }
        catch (JsonException)
        {
            return RefuseMessage(RejectReason.MalformedJson, node.Index);
        }

        if (messageError is { } error)
        {
            return RefuseMessage(error, node.Index);
        }
        if (!hasVersion)
        {
            return RefuseMessage(RejectReason.MissingField, node.Index);
        }
        if (hasSeq && !node.AcceptSequence(seq, _counters))
        {
            return RefuseMessage(RejectReason.DuplicateSequence, node.Index);
        }
        if (hasReadings && readingCount > _maxReadings)
        {
            return RefuseMessage(RejectReason.TooManyReadings, node.Index);
        }

        var defaultTs = hasBatchTs ? batchTs : receivedAtMs;
        if (hasBatchTs)
        {
            _hasExplicitTs = true;
            _firstExplicitTs = batchTs;
        }
        var accepted = 0;
        if (hasReadings)
        {
            while (readings.Read() && readings.TokenType != JsonTokenType.EndArray)
            {
                if (readings.TokenType != JsonTokenType.StartObject)
                {
                    readings.Skip();
                    Reject(RejectReason.WrongType);
                    continue;
                }
                if (DecodeOne(ref readings, batchAsset, defaultTs, receivedAtMs, output))
                {
                    accepted++;
                }
            }
        }
        else if (DecodeOne(ref root, batchAsset, defaultTs, receivedAtMs, output))
        {
            accepted++;
        }

        if (_hasExplicitTs)
        {
            node.AddOffsetSample(receivedAtMs - _firstExplicitTs);
        }
        if (accepted > 0)
        {
            _counters.AddReadingsAccepted(accepted);
        }
        if (node.Index < 0 && (accepted > 0 || _rejected == 0))
        {
            // Valid input (an empty batch included) earns the node a slot; a message with only refusals does not.
            Admit(node, nodeId);
        }
        return new DecodeResult(accepted, _rejected, _firstReject, false, node.Index);
    }

    /// <summary>
    /// Decodes a node status message ({"v":1,"state":"online"|"offline",...}). Returns null for an invalid topic or
    /// payload (counted under its reason) and for an empty payload (a cleared retained status, not counted).
    /// </summary>
    public NodeStatusChange? DecodeStatus(ReadOnlySpan<char> topic, ReadOnlySpan<byte> payload, long receivedAtMs)
    {
        _counters.AddMessageReceived();
        if (NodeTopics.Parse(topic, _prefix, out var nodeId) != NodeTopicKind.Status)
        {
            _counters.AddRejected(RejectReason.BadTopic);
            return null;
        }
        if (payload.IsEmpty)
        {
            return null;
        }
        if (payload.Length > _maxPayloadBytes)
        {
            _counters.AddRejected(RejectReason.OversizedPayload);
            return null;
        }
        var reader = new Utf8JsonReader(payload, ReaderOptions);
        RejectReason? error = null;
        var hasVersion = false;
        var state = NodeOnlineState.Unknown;
        long? ts = null;
        string? fw = null;
        try
        {
            if (!ReadRootObject(ref reader))
            {
                error = RejectReason.WrongType;
            }
            else
            {
                while (NextProperty(ref reader))
                {
                    if (reader.ValueTextEquals("v"u8))
                    {
                        hasVersion = true;
                        error ??= ReadVersion(ref reader);
                    }
                    else if (reader.ValueTextEquals("state"u8))
                    {
                        reader.Read();
                        if (reader.TokenType == JsonTokenType.String && reader.ValueTextEquals("online"u8))
                        {
                            state = NodeOnlineState.Online;
                        }
                        else if (reader.TokenType == JsonTokenType.String && reader.ValueTextEquals("offline"u8))
                        {
                            state = NodeOnlineState.Offline;
                        }
                        else
                        {
                            error ??= RejectReason.WrongType;
                            reader.Skip();
                        }
                    }
                    else if (reader.ValueTextEquals("ts"u8))
                    {
                        if (TryReadInt64(ref reader, out var t))
                        {
                            ts = t;
                        }
                        else
                        {
                            error ??= RejectReason.WrongType;
                        }
                    }
                    else if (reader.ValueTextEquals("fw"u8))
                    {
                        reader.Read();
                        if (reader.TokenType == JsonTokenType.String && reader.ValueSpan.Length <= 64)
                        {
                            fw = reader.GetString();
                        }
                        else
                        {
                            error ??= RejectReason.WrongType;
                            reader.Skip();
                        }
                    }
                    else
                    {
                        SkipUnknownProperty(ref reader);
                    }
                }
            }
            ReadToEnd(ref reader);
        }
        catch (JsonException)
        {
            error = RejectReason.MalformedJson;
        }
        catch (InvalidOperationException)
        {
            // GetString on invalid UTF-8.
            error = RejectReason.MalformedJson;
        }
        if (error is null && (!hasVersion || state == NodeOnlineState.Unknown))
        {
            error = RejectReason.MissingField;
        }
        if (error is { } reason)
        {
            _counters.AddRejected(reason);
            return null;
        }

        if (!_nodeLookup.TryGetValue(nodeId, out var node))
        {
            node = _candidate;
            node.ResetAsCandidate();
            Admit(node, nodeId);
        }
        var previous = node.State;
        node.State = state;
        node.LastSeenMs = receivedAtMs;
        if (fw is not null)
        {
            node.Firmware = fw;
        }
        return new NodeStatusChange(node.Id, previous, state, receivedAtMs, ts, fw);
    }

    // Asset resolution outcomes besides a real id (>= 0).
    private const int AssetAbsent = -1;
    private const int AssetUnknown = -2;
    private const int AssetBadText = -3;

    /// <summary>Decodes one reading object (reader at its StartObject; left at its EndObject). True when accepted.</summary>
    private bool DecodeOne(ref Utf8JsonReader r, int defaultAsset, long defaultTs, long nowMs, ReadingBuffer output)
    {
        var asset = defaultAsset;
        var hasTag = false;
        Utf8JsonReader tagReader = default;
        var hasValue = false;
        var nonFinite = false;
        double value = 0;
        var ts = defaultTs;
        var quality = ReadingQuality.Good;
        RejectReason? error = null;

        while (NextProperty(ref r))
        {
            if (r.ValueTextEquals("tag"u8))
            {
                r.Read();
                if (r.TokenType == JsonTokenType.String)
                {
                    tagReader = r;
                    hasTag = true;
                }
                else
                {
                    error ??= RejectReason.WrongType;
                    r.Skip();
                }
            }
            else if (r.ValueTextEquals("value"u8))
            {
                r.Read();
                switch (r.TokenType)
                {
                    case JsonTokenType.Number:
                        hasValue = true;
                        // A JSON number always parses; only overflow (1e999) fails or yields infinity.
                        nonFinite = !r.TryGetDouble(out value) || !double.IsFinite(value);
                        break;
                    case JsonTokenType.True:
                        hasValue = true;
                        value = 1;
                        break;
                    case JsonTokenType.False:
                        hasValue = true;
                        value = 0;
                        break;
                    case JsonTokenType.String when IsNonFiniteText(ref r):
                        hasValue = true;
                        nonFinite = true;
                        break;
                    default:
                        error ??= RejectReason.WrongType;
                        r.Skip();
                        break;
                }
            }
            else if (r.ValueTextEquals("ts"u8))
            {
                if (!TryReadInt64(ref r, out ts))
                {
                    error ??= RejectReason.WrongType;
                }
                else if (!_hasExplicitTs)
                {
                    _hasExplicitTs = true;
                    _firstExplicitTs = ts;
                }
            }
            else if (r.ValueTextEquals("asset"u8))
            {
                asset = ReadAsset(ref r);
                error ??= asset == AssetBadText ? RejectReason.WrongType : null;
            }
            else if (r.ValueTextEquals("q"u8))
            {
                r.Read();
                if (r.TokenType == JsonTokenType.String && r.ValueTextEquals("good"u8))
                {
                    quality = ReadingQuality.Good;
                }
                else if (r.TokenType == JsonTokenType.String && r.ValueTextEquals("uncertain"u8))
                {
                    quality = ReadingQuality.Uncertain;
                }
                else if (r.TokenType == JsonTokenType.String && r.ValueTextEquals("bad"u8))
                {
                    quality = ReadingQuality.Bad;
                }
                else
                {
                    error ??= RejectReason.WrongType;
                    r.Skip();
                }
            }
            else
            {
                SkipUnknownProperty(ref r);
            }
        }

        if (error is { } e)
        {
            return Reject(e);
        }
        if (!hasTag || !hasValue || asset == AssetAbsent)
        {
            return Reject(RejectReason.MissingField);
        }
        if (asset == AssetUnknown)
        {
            return Reject(RejectReason.UnknownAsset);
        }
        var tagId = ResolveTag(ref tagReader, asset);
        if (tagId == AssetBadText)
        {
            return Reject(RejectReason.WrongType);
        }
        if (tagId < 0)
        {
            return Reject(RejectReason.UnknownTag);
        }
        if (nonFinite)
        {
            return Reject(RejectReason.NonFiniteValue);
        }
        if (ts > nowMs + _futureMs)
        {
            return Reject(RejectReason.FutureTimestamp);
        }
        if (ts < nowMs - _maxAgeMs)
        {
            return Reject(RejectReason.StaleTimestamp);
        }
        if (ts <= _lastAcceptedTs[tagId])
        {
            return Reject(RejectReason.OutOfOrder);
        }
        _lastAcceptedTs[tagId] = ts;
        output.Add(new Reading(tagId, ts, value, quality));
        return true;
    }

    // The envelope grammar shared by readings messages, reading objects and status messages. Each helper starts
    // with the reader on a property name (or before the root value) and leaves it on the value's last token.

    /// <summary>Reads the root value: true when it opens an object (reader left on it); any other value is skipped whole.</summary>
    private static bool ReadRootObject(ref Utf8JsonReader r)
    {
        r.Read();
        if (r.TokenType == JsonTokenType.StartObject)
        {
            return true;
        }
        r.Skip();
        return false;
    }

    /// <summary>Moves to the next member's name; false at the end of the object.</summary>
    private static bool NextProperty(ref Utf8JsonReader r) => r.Read() && r.TokenType == JsonTokenType.PropertyName;

    /// <summary>Reads the "v" value: null when it is the number 1, else why the message is refused.</summary>
    private static RejectReason? ReadVersion(ref Utf8JsonReader r)
    {
        r.Read();
        if (r.TokenType != JsonTokenType.Number)
        {
            r.Skip();
            return RejectReason.WrongType;
        }
        return r.TryGetInt32(out var v) && v == 1 ? null : RejectReason.UnsupportedVersion;
    }

    /// <summary>Reads an integer value (a "ts"); false, with the value skipped, for anything else.</summary>
    private static bool TryReadInt64(ref Utf8JsonReader r, out long value)
    {
        r.Read();
        if (r.TokenType == JsonTokenType.Number && r.TryGetInt64(out value))
        {
            return true;
        }
        value = 0;
        r.Skip();
        return false;
    }

    /// <summary>Reads an "asset" value: its id, <see cref="AssetUnknown"/>, or <see cref="AssetBadText"/> for a non-string or invalid UTF-8.</summary>
    private int ReadAsset(ref Utf8JsonReader r)
    {
        r.Read();
        if (r.TokenType == JsonTokenType.String)
        {
            return ResolveAsset(ref r);
        }
        r.Skip();
        return AssetBadText;
    }

    /// <summary>
    /// Counts the items of the array at the current token, leaving the reader at its end (pass 1 counts, pass 2 decodes
    /// from a copy taken at the start); false, with the value skipped, when it is not an array.
    /// </summary>
    private static bool TryCountArrayItems(ref Utf8JsonReader r, out int count)
    {
        count = 0;
        if (r.TokenType != JsonTokenType.StartArray)
        {
            r.Skip();
            return false;
        }
        while (r.Read() && r.TokenType != JsonTokenType.EndArray)
        {
            count++;
            r.Skip();
        }
        return true;
    }

    /// <summary>Unknown fields are ignored so v1 nodes may add fields without breaking older gateways.</summary>
    private static void SkipUnknownProperty(ref Utf8JsonReader r)
    {
        r.Read();
        r.Skip();
    }

    /// <summary>Trailing content after the root value makes Read throw (malformed); a clean end returns false.</summary>
    private static void ReadToEnd(ref Utf8JsonReader r)
    {
        while (r.Read())
        {
        }
    }

    private bool Reject(RejectReason reason)
    {
        _counters.AddRejected(reason);
        _rejected++;
        _firstReject ??= reason;
        return false;
    }

    private DecodeResult RefuseMessage(RejectReason reason, int nodeIndex)
    {
        _counters.AddRejected(reason);
        return new DecodeResult(0, 1, reason, true, nodeIndex);
    }

    /// <summary>Asset id, <see cref="AssetUnknown"/>, or <see cref="AssetBadText"/> for text that is not valid UTF-8.</summary>
    private int ResolveAsset(ref Utf8JsonReader r)
    {
        var chars = r.ValueSpan.Length <= StackNameChars ? stackalloc char[StackNameChars] : LongNameBuffer(r.ValueSpan.Length);
        if (!TryCopyName(ref r, chars, out var n))
        {
            return AssetBadText;
        }
        return _registry.TryGetAsset(chars[..n], out var id) ? id : AssetUnknown;
    }

    /// <summary>Tag id, -1 when unknown, or <see cref="AssetBadText"/> for text that is not valid UTF-8.</summary>
    private int ResolveTag(ref Utf8JsonReader r, int assetId)
    {
        var chars = r.ValueSpan.Length <= StackNameChars ? stackalloc char[StackNameChars] : LongNameBuffer(r.ValueSpan.Length);
        if (!TryCopyName(ref r, chars, out var n))
        {
            return AssetBadText;
        }
        return _registry.TryGetTag(assetId, chars[..n], out var id) ? id : -1;
    }

    private static bool TryCopyName(ref Utf8JsonReader r, scoped Span<char> destination, out int written)
    {
        // An unescaped UTF-16 name never has more chars than its escaped UTF-8 bytes, so the buffer always fits.
        try
        {
            written = r.CopyString(destination);
            return true;
        }
        catch (InvalidOperationException)
        {
            written = 0;
            return false;
        }
    }

    private Span<char> LongNameBuffer(int length)
    {
        if (_longNameBuffer.Length < length)
        {
            _longNameBuffer = new char[length];
        }
        return _longNameBuffer;
    }

    /// <summary>"NaN", "Infinity", "-Infinity" as strings: how JSON encoders write non-finite numbers.</summary>
    private static bool IsNonFiniteText(ref Utf8JsonReader r) =>
        r.ValueTextEquals("NaN"u8) || r.ValueTextEquals("Infinity"u8) || r.ValueTextEquals("-Infinity"u8)
        || r.ValueTextEquals("+Infinity"u8) || r.ValueTextEquals("nan"u8) || r.ValueTextEquals("inf"u8)
        || r.ValueTextEquals("-inf"u8);

    /// <summary>
    /// Gives the candidate <paramref name="node"/> (which just proved valid) a slot: a free one, or else the slot of
    /// the longest-idle node, which is forgotten (its sequence and offset state start afresh if it returns).
    /// </summary>
    private void Admit(NodeTracker node, ReadOnlySpan<char> nodeId)
    {
        node.Id = nodeId.ToString();
        lock (_nodesLock)
        {
            if (_nodes.Count < _maxNodes)
            {
                node.Index = _nodes.Count;
                _nodes.Add(node);
            }
            else
            {
                var idlest = 0;
                for (var i = 1; i < _nodes.Count; i++)
                {
                    if (_nodes[i].LastSeenMs < _nodes[idlest].LastSeenMs)
                    {
                        idlest = i;
                    }
                }
                _nodeById.Remove(_nodes[idlest].Id);
                node.Index = idlest;
                _nodes[idlest] = node;
                _counters.AddNodeEvicted();
            }
            _nodeById.Add(node.Id, node);
        }
        _candidate = new NodeTracker();
    }

    /// <summary>Mutable per-node state, written by the decoding thread only.</summary>
    private sealed class NodeTracker
    {
        private readonly long[] _offsets = new long[OffsetSamples];
        private int _offsetCount;
        private int _offsetNext;
        private bool _hasSeq;
        private uint _lastSeq;

        /// <summary>Set when the node is admitted to the table; empty while it is the candidate.</summary>
        public string Id { get; set; } = "";

        /// <summary>Slot in the table, or -1 while the node is the candidate.</summary>
        public int Index { get; set; } = -1;
        public NodeOnlineState State { get; set; }
        public long LastSeenMs { get; set; }
        public long Messages { get; set; }
        public long Gaps { get; private set; }
        public long Resets { get; private set; }
        public long Duplicates { get; private set; }
        public string? Firmware { get; set; }

        /// <summary>Clears what the previous unknown node's refused message left on the reused candidate.</summary>
        public void ResetAsCandidate()
        {
            _offsetCount = 0;
            _offsetNext = 0;
            _hasSeq = false;
            _lastSeq = 0;
            State = NodeOnlineState.Unknown;
            LastSeenMs = 0;
            Messages = 0;
            Gaps = 0;
            Resets = 0;
            Duplicates = 0;
            Firmware = null;
        }

        /// <summary>False for a duplicate; counts gaps (lost messages) and resets (node restarts).</summary>
        public bool AcceptSequence(uint seq, GatewayCounters counters)
        {
            if (!_hasSeq)
            {
                _hasSeq = true;
                _lastSeq = seq;
                return true;
            }
            if (seq == _lastSeq)
            {
                Duplicates++;
                return false;
            }
            // Next after the last, including the wrap from uint.MaxValue to 0.
            var expected = unchecked(_lastSeq + 1);
            if (seq != expected)
            {
                if (seq > _lastSeq)
                {
                    var missing = (long)seq - _lastSeq - 1;
                    Gaps += missing;
                    counters.AddSequenceGap(missing);
                }
                else
                {
                    Resets++;
                    counters.AddSequenceReset();
                }
            }
            _lastSeq = seq;
            return true;
        }

        public void AddOffsetSample(long offsetMs)
        {
            _offsets[_offsetNext] = offsetMs;
            _offsetNext = (_offsetNext + 1) % _offsets.Length;
            if (_offsetCount < _offsets.Length)
            {
                _offsetCount++;
            }
        }

        public NodeState Snapshot()
        {
            long? offset = null;
            var n = _offsetCount;
            if (n > 0)
            {
                // Median rather than mean: one backlog message hours old must not swing the estimate.
                var copy = new long[n];
                Array.Copy(_offsets, copy, n);
                Array.Sort(copy);
                offset = n % 2 == 1 ? copy[n / 2] : (copy[(n / 2) - 1] + copy[n / 2]) / 2;
            }
            return new NodeState(Id, State, LastSeenMs, Messages, Gaps, Resets, Duplicates, offset, Firmware);
        }
    }
}
