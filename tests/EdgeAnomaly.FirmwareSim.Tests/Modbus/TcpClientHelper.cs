using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace EdgeAnomaly.FirmwareSim.Tests.Modbus;

/// <summary>A bare Modbus TCP client for tests that need to see the exact bytes (headers, ids, closes).</summary>
internal sealed class RawTcpClient : IDisposable
{
    private readonly TcpClient _client = new();
    private NetworkStream? _stream;

    public static async Task<RawTcpClient> ConnectAsync(int port)
    {
        var client = new RawTcpClient();
        await client._client.ConnectAsync(IPAddress.Loopback, port);
        client._stream = client._client.GetStream();
        return client;
    }

    public NetworkStream Stream => _stream!;

    public static byte[] Request(ushort transactionId, byte unit, params byte[] pdu)
    {
        var frame = new byte[7 + pdu.Length];
        BinaryPrimitives.WriteUInt16BigEndian(frame, transactionId);
        BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(4), (ushort)(pdu.Length + 1));
        frame[6] = unit;
        pdu.CopyTo(frame, 7);
        return frame;
    }

    public async Task SendAsync(byte[] bytes) => await Stream.WriteAsync(bytes);

    /// <summary>Reads one response: (transaction id, unit, PDU). Throws on timeout; null when the server closed.</summary>
    public async Task<(ushort TransactionId, byte Unit, byte[] Pdu)?> ReceiveAsync(TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(30));
        var header = new byte[7];
        try
        {
            if (await Stream.ReadAtLeastAsync(header, 7, throwOnEndOfStream: false, cts.Token) < 7)
            {
                return null;
            }
            var pdu = new byte[BinaryPrimitives.ReadUInt16BigEndian(header.AsSpan(4)) - 1];
            await Stream.ReadExactlyAsync(pdu, cts.Token);
            return (BinaryPrimitives.ReadUInt16BigEndian(header), header[6], pdu);
        }
        catch (IOException)
        {
            return null;
        }
    }

    /// <summary>True when the server closes the connection within the timeout (reads hit end of stream).</summary>
    public async Task<bool> ClosedByServerAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        var buffer = new byte[64];
        try
        {
            while (true)
            {
                if (await Stream.ReadAsync(buffer, cts.Token) == 0)
                {
                    return true;
                }
            }
        }
        catch (IOException)
        {
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    public void Dispose() => _client.Dispose();
}
