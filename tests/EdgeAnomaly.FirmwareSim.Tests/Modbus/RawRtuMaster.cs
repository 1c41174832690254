using System.IO.Ports;
using EdgeAnomaly.FirmwareSim.Modbus;

namespace EdgeAnomaly.FirmwareSim.Tests.Modbus;

/// <summary>A bare RTU master on a pty end, for tests that send exact bytes (garbage, broadcasts, foreign units).</summary>
internal sealed class RawRtuMaster : IDisposable
{
    private readonly SerialPort _port;

    public RawRtuMaster(string device)
    {
        _port = new SerialPort(device, 19200, Parity.None, 8, StopBits.One) { ReadTimeout = 30_000, WriteTimeout = 30_000 };
        _port.Open();
    }

    public static byte[] Frame(params byte[] payload)
    {
        var frame = new byte[payload.Length + 2];
        payload.CopyTo(frame, 0);
        ModbusCrc.Append(frame, payload.Length);
        return frame;
    }

    public void Send(byte[] bytes) => _port.BaseStream.Write(bytes);

    /// <summary>Reads one response frame, sized from its function code; throws TimeoutException after 30 s.</summary>
    public byte[] Receive()
    {
        var head = ReadExactly(2);
        int rest;
        if ((head[1] & 0x80) != 0)
        {
            rest = 3;
        }
        else if (head[1] is >= 1 and <= 4 or 0x11)
        {
            rest = ReadExactly(1)[0] + 2;
            return [.. head, (byte)(rest - 2), .. ReadExactly(rest)];
        }
        else
        {
            rest = 6;
        }
        return [.. head, .. ReadExactly(rest)];
    }

    private byte[] ReadExactly(int count)
    {
        var buffer = new byte[count];
        var read = 0;
        while (read < count)
        {
            read += _port.Read(buffer, read, count - read);
        }
        return buffer;
    }

    public void Dispose() => _port.Dispose();
}
