using System.Net;
using System.Net.Sockets;

namespace EdgeAnomaly.Core.Net;

/// <summary>
/// Opens the TCP connection to an MQTT broker with the socket's buffer sizes left to the kernel. MQTTnet's own
/// channel sets SO_RCVBUF and SO_SNDBUF to 8 KiB on every socket, which turns off Linux's buffer auto-tuning and
/// locks both at 16 KiB: a client that falls behind a broker with a backlog (a QoS 1 flood at ingest, a drain)
/// then sees the receive window collapse to zero and reopen only on the sender's backed-off zero-window probes,
/// and the link crawls at a few KB/s with both ends idle (docs/storage.md, "Uplink"). Nagle stays off, as in MQTTnet.
/// </summary>
public static class BrokerSocket
{
    /// <summary>A connected stream to <paramref name="endPoint"/> (host name or address); the stream owns the socket.</summary>
    public static async Task<Stream> ConnectAsync(EndPoint endPoint, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(endPoint);
        // Dual-mode where the host has IPv6, so a host name resolving to either family connects.
#pragma warning disable CA2000 // The returned NetworkStream owns the socket; the catch disposes it when connecting fails.
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
#pragma warning restore CA2000
        try
        {
            await socket.ConnectAsync(endPoint, cancellationToken).ConfigureAwait(false);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }
}
