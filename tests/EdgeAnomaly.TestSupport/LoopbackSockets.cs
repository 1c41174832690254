using System.Globalization;
using System.Net.Sockets;

namespace EdgeAnomaly.TestSupport;

/// <summary>
/// The kernel's view of this process's own TCP connections (Linux /proc): which socket talks to a broker port, and
/// its buffer sizes as getsockopt reports them. Lets a test check what a client library did to its socket.
/// </summary>
public static class LoopbackSockets
{
    /// <summary>SO_RCVBUF and SO_SNDBUF of each established connection of this process to <paramref name="remotePort"/>.</summary>
    public static List<(int ReceiveBuffer, int SendBuffer)> BuffersOfConnectionsTo(int remotePort)
    {
        var inodes = new HashSet<string>(StringComparer.Ordinal);
        foreach (var table in new[] { "/proc/self/net/tcp", "/proc/self/net/tcp6" })
        {
            if (!File.Exists(table))
            {
                continue;
            }
            foreach (var line in File.ReadLines(table).Skip(1))
            {
                // sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode
                var f = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                var remote = f[2];
                var port = int.Parse(remote.AsSpan(remote.IndexOf(':', StringComparison.Ordinal) + 1), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
                if (port == remotePort && f[3] == "01")
                {
                    inodes.Add(f[9]);
                }
            }
        }
        var found = new List<(int, int)>();
        foreach (var fdPath in Directory.EnumerateFiles("/proc/self/fd"))
        {
            string? target;
            try
            {
                target = new FileInfo(fdPath).LinkTarget;
            }
            catch (IOException)
            {
                continue; // closed meanwhile
            }
            if (target is null || !target.StartsWith("socket:[", StringComparison.Ordinal) || !inodes.Contains(target[8..^1]))
            {
                continue;
            }
            var fd = int.Parse(Path.GetFileName(fdPath), CultureInfo.InvariantCulture);
            using var handle = new SafeSocketHandle(fd, ownsHandle: false);
            using var socket = new Socket(handle);
            found.Add((socket.ReceiveBufferSize, socket.SendBufferSize));
        }
        return found;
    }

    /// <summary>SO_RCVBUF and SO_SNDBUF of a fresh connection to <paramref name="port"/> whose buffers nobody set: the kernel's defaults.</summary>
    public static async Task<(int ReceiveBuffer, int SendBuffer)> KernelDefaultsAsync(int port)
    {
        using var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(System.Net.IPAddress.Loopback, port).ConfigureAwait(false);
        return (socket.ReceiveBufferSize, socket.SendBufferSize);
    }
}
