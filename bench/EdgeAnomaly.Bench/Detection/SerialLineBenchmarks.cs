using System.Text;
using BenchmarkDotNet.Attributes;
using EdgeAnomaly.Devices.Serial;

namespace EdgeAnomaly.Bench.Detection;

/// <summary>
/// SerialLineDecoder.Decode on JSON sensor lines of 8 values, flat (<c>{"temp":21.5,...}</c>) and nested
/// (<c>{"ts":...,"values":{...}}</c>), with keys naming the asset's tags directly (no key mapping). One operation = one
/// value, so the figure compares with the MQTT decoder's per-reading cost.
/// </summary>
[MemoryDiagnoser]
public class SerialLineBenchmarks
{
    public const int ValuesPerLine = 8;

    private static readonly string[] Keys = ["temp", "hum", "press", "flow", "level", "rpm", "current", "run"];
    private SerialLineDecoder _decoder = null!;
    private byte[] _flat = [];
    private byte[] _nested = [];
    private long _nowMs = 1_767_225_600_000;

    [GlobalSetup]
    public void Setup()
    {
        _decoder = new SerialLineDecoder(SerialLineFormat.Json, "node", [],
            (_, tag) => Array.IndexOf(Keys, tag) is var i and >= 0 ? i : null, useDeviceTimestamp: true);
        var values = new StringBuilder();
        for (var i = 0; i < Keys.Length; i++)
        {
            values.Append(i == 0 ? "" : ",").Append('"').Append(Keys[i]).Append("\":").Append(i == Keys.Length - 1 ? "true" : $"{21.5 + i:F2}");
        }
        _flat = Encoding.UTF8.GetBytes("{" + values + "}");
        _nested = Encoding.UTF8.GetBytes("{\"ts\":1767225600000,\"values\":{" + values + "}}");
        if (Flat() != ValuesPerLine || Nested() != ValuesPerLine)
        {
            throw new InvalidOperationException("benchmark lines do not decode to 8 values each");
        }
    }

    [Benchmark(OperationsPerInvoke = ValuesPerLine, Description = "Serial JSON line, 8 values")]
    public int Flat() => _decoder.Decode(_flat, ++_nowMs, out _).Length;

    [Benchmark(OperationsPerInvoke = ValuesPerLine, Description = "Serial JSON line, ts + values{8}")]
    public int Nested() => _decoder.Decode(_nested, ++_nowMs, out _).Length;
}
