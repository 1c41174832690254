using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using EdgeAnomaly.Core.Events;
using EdgeAnomaly.Runtime.Models;
using EdgeAnomaly.Runtime.Pipeline;
using EdgeAnomaly.Scoring.Pipeline;
using MQTTnet;
using MQTTnet.Protocol;

namespace EdgeAnomaly.Gateway.Tests.Models;

/// <summary>Collects scored steps per asset and committed event revisions (both called on the pipeline thread).</summary>
internal sealed class ModelRecorder : IModelStepObserver, IEventObserver
{
    private readonly List<StepResult> _steps = [];

    public ConcurrentQueue<GatewayEvent> Events { get; } = new();

    public int StepCount
    {
        get
        {
            lock (_steps)
            {
                return _steps.Count;
            }
        }
    }

    public List<StepResult> Steps()
    {
        lock (_steps)
        {
            return [.. _steps];
        }
    }

    public void OnStep(string asset, in StepResult step)
    {
        lock (_steps)
        {
            _steps.Add(step);
        }
    }

    public void OnCommitted(IReadOnlyList<GatewayEvent> revisions)
    {
        foreach (var e in revisions)
        {
            Events.Enqueue(e);
        }
    }
}

internal static class ModelFixture
{
    /// <summary>Adds a Models section to a config written by the integration fixture.</summary>
    public static void AddModels(string configPath, JsonObject models)
    {
        var root = JsonNode.Parse(File.ReadAllText(configPath))!.AsObject();
        root["Models"] = models;
        File.WriteAllText(configPath, root.ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true }));
    }

    /// <summary>The fast scoring settings of <see cref="SyntheticAsset"/> as config JSON.</summary>
    public static JsonObject FastScoringJson() => new()
    {
        ["WindowSeconds"] = 20,
        ["StepSeconds"] = 5,
        ["Families"] = "Mean, Std",
        ["Trees"] = 50,
        ["ThresholdMargin"] = 1.5,
        ["MinEventSeconds"] = 10,
        ["MergeGapSeconds"] = 30,
    };

    /// <summary>Publishes rows of asset a01 (tags x, y), <paramref name="rowsPerMessage"/> whole rows per QoS 1 message.</summary>
    public static async Task PublishRowsAsync(IMqttClient client, string asset, IReadOnlyList<(long Ts, double X, double Y)> rows, int rowsPerMessage)
    {
        for (var i = 0; i < rows.Count; i += rowsPerMessage)
        {
            var sb = new StringBuilder(64 * rowsPerMessage);
            sb.Append(CultureInfo.InvariantCulture, $"{{\"v\":1,\"asset\":\"{asset}\",\"ts\":{rows[i].Ts},\"readings\":[");
            for (var r = i; r < Math.Min(rows.Count, i + rowsPerMessage); r++)
            {
                var (ts, x, y) = rows[r];
                if (r > i)
                {
                    sb.Append(',');
                }
                sb.Append(CultureInfo.InvariantCulture, $"{{\"tag\":\"x\",\"ts\":{ts},\"value\":{x:R}}},{{\"tag\":\"y\",\"ts\":{ts},\"value\":{y:R}}}");
            }
            sb.Append("]}");
            await client.PublishAsync(new MqttApplicationMessageBuilder().WithTopic("ea/v1/nodes/n1/readings")
                .WithPayload(Encoding.UTF8.GetBytes(sb.ToString())).WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build());
        }
    }

    public static void WriteCsv(string path, IReadOnlyList<(long Ts, double X, double Y)> rows)
    {
        var sb = new StringBuilder(rows.Count * 32);
        sb.Append("time,x,y\n");
        foreach (var (ts, x, y) in rows)
        {
            sb.Append(CultureInfo.InvariantCulture, $"{ts},{x:R},{y:R}\n");
        }
        File.WriteAllText(path, sb.ToString());
    }
}
