using System.Text.Json;
using MQTTnet;
using MQTTnet.Protocol;

namespace EdgeAnomaly.Gateway.Tests.Integration;

/// <summary>Subscribes to the gateway's health topic on the central broker and keeps every report.</summary>
internal sealed class HealthRecorder : IAsyncDisposable
{
    private readonly IMqttClient _client = new MqttClientFactory().CreateMqttClient();
    private readonly List<JsonElement> _reports = [];

    public async Task StartAsync(string host, int port, string gatewayId)
    {
        _client.ApplicationMessageReceivedAsync += e =>
        {
            using var doc = JsonDocument.Parse(System.Buffers.BuffersExtensions.ToArray(e.ApplicationMessage.Payload));
            lock (_reports)
            {
                _reports.Add(doc.RootElement.Clone());
            }
            return Task.CompletedTask;
        };
        await _client.ConnectAsync(new MqttClientOptionsBuilder().WithTcpServer(host, port).Build()).ConfigureAwait(false);
        await _client.SubscribeAsync($"ea/v1/gateways/{gatewayId}/health", MqttQualityOfServiceLevel.AtMostOnce).ConfigureAwait(false);
    }

    public JsonElement? Last
    {
        get
        {
            lock (_reports)
            {
                return _reports.Count == 0 ? null : _reports[^1];
            }
        }
    }

    public IReadOnlyList<JsonElement> Snapshot()
    {
        lock (_reports)
        {
            return [.. _reports];
        }
    }

    /// <summary>Readings of one source kind ("modbus") in the latest report, 0 before the first.</summary>
    public long Readings(string kind) =>
        Last is { } last && last.TryGetProperty("sources", out var s) && s.TryGetProperty(kind, out var k) ? k.GetProperty("readings").GetInt64() : 0;

    /// <summary>Status ("ok", "degraded") of a device in the latest report, null when absent.</summary>
    public string? DeviceStatus(string name) => Last is { } last ? DeviceStatus(last, name) : null;

    public static string? DeviceStatus(JsonElement report, string name)
    {
        if (!report.TryGetProperty("devices", out var devices))
        {
            return null;
        }
        foreach (var d in devices.EnumerateArray())
        {
            if (d.GetProperty("name").GetString() == name)
            {
                return d.GetProperty("status").GetString();
            }
        }
        return null;
    }

    public async ValueTask DisposeAsync()
    {
        if (_client.IsConnected)
        {
            await _client.DisconnectAsync().ConfigureAwait(false);
        }
        _client.Dispose();
    }
}
