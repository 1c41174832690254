using EdgeAnomaly.Devices.Modbus;

namespace EdgeAnomaly.Devices.Serial;

internal static class SerialSensorValidation
{
    public static string TagOf(SerialTagOptions t) => string.IsNullOrWhiteSpace(t.Tag) ? t.Key : t.Tag;

    public static bool TryParseFormat(string? text, out SerialLineFormat format)
    {
        switch (text?.Trim().ToLowerInvariant())
        {
            case "json": format = SerialLineFormat.Json; return true;
            case "keyvalue" or "key_value" or "kv": format = SerialLineFormat.KeyValue; return true;
            default: format = default; return false;
        }
    }

    public static IEnumerable<string> Validate(SerialSensorOptions s, string key, Func<string, string, int?>? resolveTag)
    {
        if (string.IsNullOrWhiteSpace(s.Name))
        {
            yield return $"{key}:Name is missing";
        }
        if (string.IsNullOrWhiteSpace(s.Asset))
        {
            yield return $"{key}:Asset is missing";
        }
        if (string.IsNullOrWhiteSpace(s.Port))
        {
            yield return $"{key}:Port is missing (e.g. /dev/ttyUSB0)";
        }
        if (s.BaudRate is < 50 or > 4_000_000)
        {
            yield return $"{key}:BaudRate must be 50..4000000 (got {s.BaudRate})";
        }
        if (!ModbusMapCompiler.TryParseParity(s.Parity, out _))
        {
            yield return $"{key}:Parity '{s.Parity}' is not one of None, Even, Odd";
        }
        if (s.DataBits is not (7 or 8))
        {
            yield return $"{key}:DataBits must be 7 or 8 (got {s.DataBits})";
        }
        if (s.StopBits is not (1 or 2))
        {
            yield return $"{key}:StopBits must be 1 or 2 (got {s.StopBits})";
        }
        if (!TryParseFormat(s.Format, out _))
        {
            yield return $"{key}:Format '{s.Format}' is not one of Json, KeyValue";
        }
        if (s.MaxLineLength is < 16 or > 65536)
        {
            yield return $"{key}:MaxLineLength must be 16..65536 (got {s.MaxLineLength})";
        }
        if (s.Reopen is null)
        {
            yield return $"{key}:Reopen is missing";
        }
        else
        {
            foreach (var e in s.Reopen.Validate(key + ":Reopen"))
            {
                yield return e;
            }
        }
        var keys = new Dictionary<string, int>(StringComparer.Ordinal);
        var tags = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < s.Tags.Count; i++)
        {
            var tagKey = $"{key}:Tags:{i}";
            var t = s.Tags[i];
            if (t is null)
            {
                yield return $"{tagKey} is empty";
                continue;
            }
            if (string.IsNullOrWhiteSpace(t.Key))
            {
                yield return $"{tagKey}:Key is missing";
                continue;
            }
            if (!keys.TryAdd(t.Key, i))
            {
                yield return $"{tagKey}:Key '{t.Key}' is already mapped by {key}:Tags:{keys[t.Key]}";
            }
            var tag = TagOf(t);
            if (!tags.TryAdd(tag, i))
            {
                yield return $"{tagKey}:Tag '{tag}' is already mapped by {key}:Tags:{tags[tag]}";
            }
            if (!double.IsFinite(t.Scale) || t.Scale == 0)
            {
                yield return $"{tagKey}:Scale must be a finite non-zero number (got {t.Scale})";
            }
            if (!double.IsFinite(t.Offset))
            {
                yield return $"{tagKey}:Offset must be a finite number (got {t.Offset})";
            }
            if (resolveTag is not null && !string.IsNullOrWhiteSpace(s.Asset) && resolveTag(s.Asset, tag) is null)
            {
                yield return $"{tagKey}:Tag '{tag}' is not a tag of asset '{s.Asset}' (declare it under Assets)";
            }
        }
    }
}
