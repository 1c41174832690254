using System.Buffers;
using System.Collections.Concurrent;
using MQTTnet;

namespace EdgeAnomaly.FirmwareSim.Tests.Publishing;

/// <summary>A real MQTTnet subscriber on the test broker, recording (topic, payload, retain) as received.</summary>
internal sealed class Subscriber : IAsyncDisposable
{
    private readonly IMqttClient _client;

    private Subscriber(IMqttClient client)
    {
        _client = client;
    }

    public ConcurrentQueue<(string Topic, byte[] Payload, bool Retained)> Received { get; } = new();

    public static async Task<Subscriber> ConnectAsync(int port, string filter)
    {
        var factory = new MqttClientFactory();
        var client = factory.CreateMqttClient();
        var subscriber = new Subscriber(client);
        client.ApplicationMessageReceivedAsync += e =>
        {
            subscriber.Received.Enqueue((e.ApplicationMessage.Topic, e.ApplicationMessage.Payload.ToArray(), e.ApplicationMessage.Retain));
            return Task.CompletedTask;
        };
        await client.ConnectAsync(new MqttClientOptionsBuilder()
            .WithTcpServer("127.0.0.1", port)
            .WithClientId("test-sub-" + Guid.NewGuid().ToString("N")[..8])
            .WithCleanSession(true)
            .Build());
        await client.SubscribeAsync(factory.CreateSubscribeOptionsBuilder()
            .WithTopicFilter(f => f.WithTopic(filter).WithQualityOfServiceLevel(MQTTnet.Protocol.MqttQualityOfServiceLevel.AtLeastOnce))
            .Build());
        return subscriber;
    }

    public List<(string Topic, byte[] Payload, bool Retained)> On(string topic) => [.. Received.Where(m => m.Topic == topic)];

    public async ValueTask DisposeAsync()
    {
        if (_client.IsConnected)
        {
            await _client.DisconnectAsync();
        }
        _client.Dispose();
    }
}
