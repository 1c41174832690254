using System.Buffers;
using System.Text.Json;

namespace EdgeAnomaly.FirmwareSim.Generation;

/// <summary>A reading waiting in a node's buffer for the next message.</summary>
internal readonly record struct PendingReading(long TimestampMs, string Asset, string Tag, double Value, int AssetIndex, int TagIndex);

/// <summary>Writes contract v1 reading payloads. One writer per simulator, buffers reused between messages.</summary>
internal sealed class PayloadWriter
{
    private readonly ArrayBufferWriter<byte> _buffer = new(4096);
    private readonly Utf8JsonWriter _json;

    public PayloadWriter()
    {
        _json = new Utf8JsonWriter(_buffer, new JsonWriterOptions { SkipValidation = true });
    }

    /// <summary>{"v":1,"seq":123,"ts":...,"asset":"pump-1","tag":"current.a","value":12.5}</summary>
    public byte[] Single(uint? seq, in PendingReading r)
    {
        var w = Begin();
        w.WriteStartObject();
        w.WriteNumber("v", 1);
        if (seq is { } s)
        {
            w.WriteNumber("seq", s);
        }
        w.WriteNumber("ts", r.TimestampMs);
        w.WriteString("asset", r.Asset);
        w.WriteString("tag", r.Tag);
        w.WriteNumber("value", r.Value);
        w.WriteEndObject();
        return End();
    }

    /// <summary>A single reading whose value is the string "NaN": a firmware printing a float it could not read.</summary>
    public byte[] SingleWithStringValue(uint seq, long ts, string asset, string tag, string value)
    {
        var w = Begin();
        w.WriteStartObject();
        w.WriteNumber("v", 1);
        w.WriteNumber("seq", seq);
        w.WriteNumber("ts", ts);
        w.WriteString("asset", asset);
        w.WriteString("tag", tag);
        w.WriteString("value", value);
        w.WriteEndObject();
        return End();
    }

    /// <summary>
    /// Batch: batch-level asset and ts are the first reading's; a reading repeats asset or ts only where it differs,
    /// which exercises the contract's defaulting as real firmware would use it.
    /// </summary>
    public byte[] Batch(uint seq, List<PendingReading> readings, int start, int count)
    {
        var first = readings[start];
        var w = Begin();
        w.WriteStartObject();
        w.WriteNumber("v", 1);
        w.WriteNumber("seq", seq);
        w.WriteString("asset", first.Asset);
        w.WriteNumber("ts", first.TimestampMs);
        w.WriteStartArray("readings");
        for (var i = start; i < start + count; i++)
        {
            var r = readings[i];
            w.WriteStartObject();
            if (r.AssetIndex != first.AssetIndex)
            {
                w.WriteString("asset", r.Asset);
            }
            w.WriteString("tag", r.Tag);
            w.WriteNumber("value", r.Value);
            if (r.TimestampMs != first.TimestampMs)
            {
                w.WriteNumber("ts", r.TimestampMs);
            }
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteEndObject();
        return End();
    }

    private Utf8JsonWriter Begin()
    {
        _buffer.ResetWrittenCount();
        _json.Reset(_buffer);
        return _json;
    }

    private byte[] End()
    {
        _json.Flush();
        return _buffer.WrittenSpan.ToArray();
    }
}
