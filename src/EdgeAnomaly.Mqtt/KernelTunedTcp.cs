using System.Net;
using EdgeAnomaly.Core.Net;
using MQTTnet.Channel;

namespace EdgeAnomaly.Mqtt;

/// <summary>MQTTnet's TCP transport through <see cref="BrokerSocket"/>: kernel-tuned socket buffers (TLS is layered on top by MQTTnet).</summary>
public sealed class KernelTunedTcp : IMqttClientStreamProvider
{
    public static readonly KernelTunedTcp Instance = new();

    public Task<Stream> ConnectAsync(EndPoint brokerEndPoint, CancellationToken cancellationToken) =>
        BrokerSocket.ConnectAsync(brokerEndPoint, cancellationToken);
}
