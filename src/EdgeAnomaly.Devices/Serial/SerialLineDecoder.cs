using System.Globalization;
using System.Text.Json;
using System.Text.Unicode;
using EdgeAnomaly.Core.Readings;

namespace EdgeAnomaly.Devices.Serial;

/// <summary>Why a whole line was refused.</summary>
public enum SerialLineReject
{
    None,
    /// <summary>Not the configured format (garbage, a partial line, broken JSON, a field without '=').</summary>
    Malformed,
    /// <summary>Well-formed but without a single usable value.</summary>
    NoValues,
}

/// <summary>Counters of one serial sensor; written by its reader, read by health from any thread.</summary>
public sealed class SerialSensorCounters
{
    private long _lines;
    private long _readings;
    private long _malformedLines;
    private long _emptyLines;
    private long _overlongLines;
    private long _partialLines;
    private long _unknownKeys;
    private long _badValues;
    private long _badTimestamps;
    private long _droppedValues;
    private long _opens;
    private long _portErrors;

    /// <summary>Complete lines seen (accepted or not; over-long ones are counted separately).</summary>
    public long Lines => Interlocked.Read(ref _lines);
    public long Readings => Interlocked.Read(ref _readings);
    public long MalformedLines => Interlocked.Read(ref _malformedLines);
    /// <summary>Well-formed lines without a usable value.</summary>
    public long EmptyLines => Interlocked.Read(ref _emptyLines);
    public long OverlongLines => Interlocked.Read(ref _overlongLines);
    /// <summary>Unfinished lines dropped when the port closed.</summary>
    public long PartialLines => Interlocked.Read(ref _partialLines);
    /// <summary>Keys that name no tag (each rejected alone; the rest of the line is kept).</summary>
    public long UnknownKeys => Interlocked.Read(ref _unknownKeys);
    /// <summary>Values that are not finite numbers (NaN, Infinity, strings, nested objects).</summary>
    public long BadValues => Interlocked.Read(ref _badValues);
    public long BadTimestamps => Interlocked.Read(ref _badTimestamps);
    /// <summary>Values beyond the per-line maximum.</summary>
    public long DroppedValues => Interlocked.Read(ref _droppedValues);
    public long Opens => Interlocked.Read(ref _opens);
    /// <summary>Open failures, read errors and unplugs.</summary>
    public long PortErrors => Interlocked.Read(ref _portErrors);

    internal void AddLine() => Interlocked.Increment(ref _lines);
    internal void AddReadings(int n) => Interlocked.Add(ref _readings, n);
    internal void AddMalformed() => Interlocked.Increment(ref _malformedLines);
    internal void AddEmpty() => Interlocked.Increment(ref _emptyLines);
    internal void SetOverlong(long n) => Interlocked.Exchange(ref _overlongLines, n);
    internal void SetPartial(long n) => Interlocked.Exchange(ref _partialLines, n);
    internal void AddUnknownKey() => Interlocked.Increment(ref _unknownKeys);
    internal void AddBadValue() => Interlocked.Increment(ref _badValues);
    internal void AddBadTimestamp() => Interlocked.Increment(ref _badTimestamps);
    internal void AddDroppedValue() => Interlocked.Increment(ref _droppedValues);
    internal void AddOpen() => Interlocked.Increment(ref _opens);
    internal void AddPortError() => Interlocked.Increment(ref _portErrors);
}

/// <summary>
/// Turns one line of a serial sensor into readings, without allocations for known keys. Formats:
/// JSON — one object per line, <c>{"temp":21.5,"run":true}</c> or <c>{"ts":1712345678901,"values":{"temp":21.5}}</c>
/// ("ts" is unix ms and is used only when <c>UseDeviceTimestamp</c> is set; "values" holds the readings; any
/// other top-level member is a reading too); KeyValue — <c>temp=21.5,run=1</c> (',' or ';' between fields,
/// blanks around them ignored, "ts" as in JSON). Numbers and true/false are values. A line that is not the
/// format is refused whole (a partial line after a reconnect is refused, not half-read); a key that names no
/// tag, or a value that is not a finite number, is refused alone and counted. JSON is read with
/// <see cref="Utf8JsonReader"/>, so a broken line costs one caught <see cref="JsonException"/>: rare (a cut line after a
/// reconnect), and the price of one JSON grammar in the gateway instead of two.
/// </summary>
public sealed class SerialLineDecoder
{
    /// <summary>Values taken from one line at most; more are counted as dropped.</summary>
    public const int MaxValuesPerLine = 256;

    private const int MaxKeyChars = 128;
    private const int MaxCachedKeys = 1024;
    private const int MaxJsonDepth = 16;
    private const long MinPlausibleTsMs = 946_684_800_000; // 2000-01-01
    private const long MaxPlausibleTsMs = 4_102_444_800_000; // 2100-01-01

    private readonly SerialLineFormat _format;
    private readonly string _asset;
    private readonly bool _mapped;
    private readonly Func<string, string, int?>? _resolveTag;
    private readonly bool _useDeviceTimestamp;
    private readonly Dictionary<string, Target> _targets = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Target>.AlternateLookup<ReadOnlySpan<char>> _lookup;
    private readonly Reading[] _values = new Reading[MaxValuesPerLine];

    private readonly record struct Target(int TagId, double Scale, double Offset);

    /// <param name="format">The line format.</param>
    /// <param name="asset">The asset whose tags the keys are.</param>
    /// <param name="tags">Key mapping; empty: every key is a tag name of the asset.</param>
    /// <param name="resolveTag">Tag id of (asset, tag), null when unknown.</param>
    /// <param name="useDeviceTimestamp">Take "ts" as the reading time.</param>
    public SerialLineDecoder(SerialLineFormat format, string asset, IReadOnlyList<SerialTagOptions> tags,
        Func<string, string, int?> resolveTag, bool useDeviceTimestamp)
    {
        _format = format;
        _asset = asset;
        _useDeviceTimestamp = useDeviceTimestamp;
        _mapped = tags.Count > 0;
        foreach (var t in tags)
        {
            var id = resolveTag(asset, SerialSensorValidation.TagOf(t));
            _targets[t.Key] = new Target(id ?? -1, t.Scale, t.Offset);
        }
        if (!_mapped)
        {
            _resolveTag = resolveTag;
        }
        _lookup = _targets.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    public SerialSensorCounters Counters { get; } = new();

    /// <summary>
    /// Decodes one line (without its line end). Returns the readings, valid until the next call; empty when the
    /// line was refused (<paramref name="reject"/> says why) or held no usable value.
    /// </summary>
    public ReadOnlySpan<Reading> Decode(ReadOnlySpan<byte> line, long receivedMs, out SerialLineReject reject)
    {
        Counters.AddLine();
        var count = 0;
        var ts = long.MinValue;
        var ok = _format == SerialLineFormat.Json
            ? ParseJson(line, ref count, ref ts)
            : ParseKeyValue(line, ref count, ref ts);
        if (!ok)
        {
            Counters.AddMalformed();
            reject = SerialLineReject.Malformed;
            return default;
        }
        if (count == 0)
        {
            Counters.AddEmpty();
            reject = SerialLineReject.NoValues;
            return default;
        }
        var time = receivedMs;
        if (_useDeviceTimestamp && ts != long.MinValue)
        {
            time = ts;
        }
        var values = _values.AsSpan(0, count);
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = values[i] with { TimestampMs = time };
        }
        Counters.AddReadings(count);
        reject = SerialLineReject.None;
        return values;
    }

    private void AddValue(ReadOnlySpan<byte> key, double value, ref int count)
    {
        if (!double.IsFinite(value))
        {
            Counters.AddBadValue();
            return;
        }
        if (!TryResolve(key, out var target))
        {
            Counters.AddUnknownKey();
            return;
        }
        if (count == MaxValuesPerLine)
        {
            Counters.AddDroppedValue();
            return;
        }
        var scaled = (value * target.Scale) + target.Offset;
        if (!double.IsFinite(scaled))
        {
            Counters.AddBadValue();
            return;
        }
        _values[count++] = new Reading(target.TagId, 0, scaled, ReadingQuality.Good);
    }

    private void SetTimestamp(double value, ref long ts)
    {
        if (!_useDeviceTimestamp)
        {
            return;
        }
        if (double.IsFinite(value) && value >= MinPlausibleTsMs && value < MaxPlausibleTsMs)
        {
            ts = (long)value;
        }
        else
        {
            Counters.AddBadTimestamp();
        }
    }

    private bool TryResolve(ReadOnlySpan<byte> key, out Target target)
    {
        target = default;
        if (key.IsEmpty || key.Length > MaxKeyChars)
        {
            return false;
        }
        Span<char> chars = stackalloc char[MaxKeyChars];
        if (Utf8.ToUtf16(key, chars, out _, out var written, replaceInvalidSequences: true) != System.Buffers.OperationStatus.Done)
        {
            return false;
        }
        var name = chars[..written];
        if (_lookup.TryGetValue(name, out target))
        {
            return target.TagId >= 0;
        }
        if (_resolveTag is null)
        {
            return false;
        }
        var text = new string(name);
        var id = _resolveTag(_asset, text);
        target = new Target(id ?? -1, 1, 0);
        if (_targets.Count < MaxCachedKeys)
        {
            _targets[text] = target; // remembered either way, so a repeated unknown key costs no allocation
        }
        return id is not null;
    }

    // ---- key=value ----

    private bool ParseKeyValue(ReadOnlySpan<byte> line, ref int count, ref long ts)
    {
        var any = false;
        while (true)
        {
            var sep = line.IndexOfAny((byte)',', (byte)';');
            var field = Trim(sep < 0 ? line : line[..sep]);
            if (!field.IsEmpty)
            {
                var eq = field.IndexOf((byte)'=');
                if (eq <= 0)
                {
                    return false;
                }
                var key = Trim(field[..eq]);
                var text = Trim(field[(eq + 1)..]);
                if (key.IsEmpty || !TryParseScalar(text, out var value))
                {
                    return false;
                }
                if (key.SequenceEqual("ts"u8))
                {
                    SetTimestamp(value, ref ts);
                }
                else
                {
                    AddValue(key, value, ref count);
                }
                any = true;
            }
            else if (sep >= 0 && !any)
            {
                return false; // a line starting with a separator is a fragment
            }
            if (sep < 0)
            {
                return any;
            }
            line = line[(sep + 1)..];
        }
    }

    private static bool TryParseScalar(ReadOnlySpan<byte> text, out double value)
    {
        if (text.SequenceEqual("true"u8))
        {
            value = 1;
            return true;
        }
        if (text.SequenceEqual("false"u8))
        {
            value = 0;
            return true;
        }
        if (text.IsEmpty || text.Length > 64)
        {
            value = 0;
            return false;
        }
        // Float allows "NaN" and "Infinity": they parse, and are refused as values (not finite) rather than as lines
        return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out value);
    }

    private static ReadOnlySpan<byte> Trim(ReadOnlySpan<byte> s) => s.Trim(" \t"u8);

    // ---- JSON (read with Utf8JsonReader, as Ingest reads MQTT payloads) ----

    private static readonly JsonReaderOptions JsonOptions = new() { MaxDepth = MaxJsonDepth };

    private bool ParseJson(ReadOnlySpan<byte> line, ref int count, ref long ts)
    {
        // Lines come without their line end; a CR or LF inside one is a framing fault, not JSON white space.
        if (line.IndexOfAny((byte)'\r', (byte)'\n') >= 0)
        {
            return false;
        }
        var reader = new Utf8JsonReader(line, JsonOptions);
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return false;
            }
            ReadMembers(ref reader, ref count, ref ts, topLevel: true);
            // Trailing content after the object (a second object, a stray brace) makes Read throw.
            while (reader.Read())
            {
            }
            return true;
        }
        catch (JsonException)
        {
            return false; // broken, cut or over-deep JSON refuses the whole line
        }
    }

    /// <summary>The members of an object (reader at its StartObject; left at its EndObject): each one a reading.</summary>
    private void ReadMembers(ref Utf8JsonReader r, ref int count, ref long ts, bool topLevel)
    {
        while (r.Read() && r.TokenType == JsonTokenType.PropertyName)
        {
            var key = r.ValueSpan;
            var escaped = r.ValueIsEscaped;
            r.Read();
            switch (r.TokenType)
            {
                case JsonTokenType.StartObject when topLevel && !escaped && key.SequenceEqual("values"u8):
                    ReadMembers(ref r, ref count, ref ts, topLevel: false);
                    break;
                case JsonTokenType.Number or JsonTokenType.True or JsonTokenType.False:
                    // A number too large for a double (1e400) is refused as a value, like NaN in key=value.
                    var value = r.TokenType switch
                    {
                        JsonTokenType.True => 1,
                        JsonTokenType.False => 0,
                        _ => r.TryGetDouble(out var d) ? d : double.NaN,
                    };
                    if (topLevel && !escaped && key.SequenceEqual("ts"u8))
                    {
                        SetTimestamp(value, ref ts);
                    }
                    else if (escaped)
                    {
                        Counters.AddUnknownKey(); // keys are plain names; an escaped one names no tag
                    }
                    else
                    {
                        AddValue(key, value, ref count);
                    }
                    break;
                default:
                    // null, a string, array or object where a value belongs: well-formed, but not a reading
                    r.Skip();
                    Counters.AddBadValue();
                    break;
            }
        }
    }
}
