using System.Globalization;
using System.Text;
using BenchmarkDotNet.Attributes;
using EdgeAnomaly.Core.Diagnostics;
using EdgeAnomaly.Ingest;

namespace EdgeAnomaly.Bench.Detection;

/// <summary>
/// ReadingDecoder.DecodeReadings on one 50-reading batch (asset and tag named per reading, no "ts" and no "seq", so the
/// receive time stamps every reading and the same payload stays valid on every call). One operation = one reading.
/// </summary>
[MemoryDiagnoser]
public class DecoderBenchmarks
{
    public const int ReadingsPerBatch = 50;

    private ReadingDecoder _decoder = null!;
    private readonly ReadingBuffer _buffer = new(ReadingsPerBatch * 2);
    private byte[] _payload = [];
    private const string Topic = "ea/v1/nodes/esp32-bench/readings";
    private long _nowMs = 1_767_225_600_000;

    [GlobalSetup]
    public void Setup()
    {
        var fleet = Fleet.Create(copies: 7, readingCount: 1);
        _decoder = new ReadingDecoder(fleet.Registry, fleet.Config.Ingest, new GatewayCounters());
        var sb = new StringBuilder("{\"v\":1,\"readings\":[");
        var rng = new Random(7);
        for (var i = 0; i < ReadingsPerBatch; i++)
        {
            var tag = fleet.Registry.GetTag(i);
            sb.Append(i == 0 ? "" : ",");
            sb.Append(CultureInfo.InvariantCulture, $"{{\"asset\":\"{tag.Asset}\",\"tag\":\"{tag.Name}\",\"value\":{Math.Round(10 + rng.NextDouble(), 3)}}}");
        }
        sb.Append("]}");
        _payload = Encoding.UTF8.GetBytes(sb.ToString());
        var check = Decode();
        if (check != ReadingsPerBatch)
        {
            throw new InvalidOperationException($"benchmark payload decodes to {check} readings, expected {ReadingsPerBatch}");
        }
    }

    /// <summary>Bytes of the benchmark payload, for the report.</summary>
    public int PayloadBytes => _payload.Length;

    [Benchmark(OperationsPerInvoke = ReadingsPerBatch, Description = "DecodeReadings, 50-reading batch")]
    public int Decode()
    {
        _buffer.Clear();
        // Receive time advances 1 ms per message: the per-tag "timestamps increase" policy accepts every batch.
        var result = _decoder.DecodeReadings(Topic, _payload, ++_nowMs, _buffer);
        return result.Accepted;
    }
}
