using System.Globalization;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;

namespace EdgeAnomaly.Modbus;

/// <summary>
/// Creates masters. One master per link: per TCP endpoint, and per serial bus (shared by every slave on it, so
/// their transactions never interleave). Nothing is opened here; a master opens its link on first use and
/// reopens it after a failure.
/// </summary>
public static class ModbusMasters
{
    /// <summary>Modbus TCP to <paramref name="host"/>:<paramref name="port"/> (usually 502).</summary>
    public static IModbusMaster CreateTcp(string host, int port, ModbusLinkOptions options, TimeProvider time, ILogger? log = null)
    {
        CheckEndpoint(host, port);
        return new ModbusTcpMaster($"tcp://{host}:{port.ToString(CultureInfo.InvariantCulture)}", ct => ConnectAsync(host, port, ct), options, time, log);
    }

    /// <summary>Modbus TCP over a caller-supplied stream (tests, replay, tunnels); called again to reconnect.</summary>
    public static IModbusMaster CreateTcp(Func<CancellationToken, ValueTask<Stream>> connect, ModbusLinkOptions options, TimeProvider time, ILogger? log = null) =>
        new ModbusTcpMaster("tcp://stream", connect, options, time, log);

    /// <summary>RTU frames (with CRC, no MBAP header) over TCP, as serial device servers / converters speak them.</summary>
    public static IModbusMaster CreateRtuOverTcp(string host, int port, ModbusLinkOptions options, TimeProvider time, ILogger? log = null)
    {
        CheckEndpoint(host, port);
        return new ModbusRtuMaster($"rtu-over-tcp://{host}:{port.ToString(CultureInfo.InvariantCulture)}", ct => ConnectAsync(host, port, ct), null, options, time, log);
    }

    /// <summary>Modbus RTU on a serial port (System.IO.Ports, async reads on the port's stream).</summary>
    public static IModbusMaster CreateRtu(SerialLinkSettings settings, ModbusLinkOptions options, TimeProvider time, ILogger? log = null)
    {
        ArgumentNullException.ThrowIfNull(settings);
        settings.Validate();
        return new ModbusRtuMaster($"rtu:{settings.PortName}@{settings.BaudRate.ToString(CultureInfo.InvariantCulture)}",
            _ => ValueTask.FromResult<Stream>(SerialLineStream.Open(settings)), settings.BaudRate, options, time, log);
    }

    /// <summary>Modbus RTU over a caller-supplied stream at <paramref name="baudRate"/> (tests, replay); called again to reopen.</summary>
    public static IModbusMaster CreateRtu(Func<CancellationToken, ValueTask<Stream>> open, int baudRate, ModbusLinkOptions options, TimeProvider time, ILogger? log = null) =>
        new ModbusRtuMaster("rtu://stream", open, baudRate, options, time, log);

    private static async ValueTask<Stream> ConnectAsync(string host, int port, CancellationToken ct)
    {
#pragma warning disable CA2000 // The returned NetworkStream owns the socket; the catch disposes it when connecting fails.
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
#pragma warning restore CA2000
        try
        {
            await socket.ConnectAsync(host, port, ct).ConfigureAwait(false);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    private static void CheckEndpoint(string host, int port)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(host);
        ArgumentOutOfRangeException.ThrowIfLessThan(port, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(port, 65535);
    }
}
