using EdgeAnomaly.Core.Net;
using MQTTnet;

namespace EdgeAnomaly.Mqtt;

/// <summary>
/// The part of an MQTT 5 client's options that every gateway link to a broker shares: address, kernel-tuned socket
/// (<see cref="KernelTunedTcp"/>), client id, credentials and TLS with the broker certificate checked by
/// <see cref="ServerCertificateValidator"/>. Each client adds its own session, keep-alive and will settings.
/// </summary>
public static class BrokerClientOptions
{
    /// <param name="certificateValidator">
    /// Checks the broker certificate when <paramref name="useTls"/>; null accepts any certificate
    /// (<c>AllowUntrustedCertificates</c>: test benches only).
    /// </param>
    public static MqttClientOptionsBuilder Create(string host, int port, string clientId, string? username, string? password,
        bool useTls, ServerCertificateValidator? certificateValidator)
    {
        var builder = new MqttClientOptionsBuilder()
            .WithTcpServer(host, port)
            // Kernel-tuned socket buffers: MQTTnet locks them at 16 KiB, so a backlog at either end crawls (BrokerSocket).
            .WithStreamProvider(KernelTunedTcp.Instance)
            .WithClientId(clientId)
            .WithProtocolVersion(MQTTnet.Formatter.MqttProtocolVersion.V500);
        if (username is not null)
        {
            builder = builder.WithCredentials(username, password);
        }
        if (useTls)
        {
            builder = builder.WithTlsOptions(tls =>
            {
                tls.UseTls().WithTargetHost(host);
                if (certificateValidator is null)
                {
                    tls.WithAllowUntrustedCertificates().WithIgnoreCertificateChainErrors().WithCertificateValidationHandler(static _ => true);
                }
                else
                {
                    tls.WithCertificateValidationHandler(args => certificateValidator.Validate(args.Certificate, args.Chain, args.SslPolicyErrors));
                }
            });
        }
        return builder;
    }
}
