using System.IO.Ports;
using Microsoft.Extensions.Logging;

namespace EdgeAnomaly.FirmwareSim.Modbus;

/// <summary>Serial settings of an RTU line.</summary>
public sealed class SerialLineOptions
{
    /// <summary>Device path: a serial port, or one end of a socat pty pair.</summary>
    public string Device { get; init; } = "";

    public int Baud { get; init; } = 19200;

    public Parity Parity { get; init; } = Parity.None;

    public StopBits StopBits { get; init; } = StopBits.One;

    /// <summary>
    /// Silence that ends a frame. Default: 3.5 character times at the baud rate (11 bits per character),
    /// but at least 10 ms, because a pty or USB adapter delivers bytes in bursts with no real line timing.
    /// </summary>
    public TimeSpan? FrameGap { get; init; }

    public TimeSpan EffectiveFrameGap => FrameGap ?? TimeSpan.FromMilliseconds(Math.Max(10, 3.5 * 11 * 1000.0 / Baud));

    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(Device))
        {
            throw new ArgumentException("rtu: a device path is required");
        }
        if (Baud is < 300 or > 4_000_000)
        {
            throw new ArgumentException($"baud: {Baud} is outside 300..4000000");
        }
        if (StopBits is not (StopBits.One or StopBits.Two))
        {
            throw new ArgumentException("stop-bits: 1 or 2");
        }
        if (FrameGap is { } gap && (gap <= TimeSpan.Zero || gap > TimeSpan.FromSeconds(5)))
        {
            throw new ArgumentException("rtu-gap-ms: must be in (0, 5000] ms");
        }
    }

    public string Describe() => $"{Baud} {Parity switch { Parity.Even => "E", Parity.Odd => "O", _ => "N" }}8{(StopBits == StopBits.Two ? 2 : 1)}";
}

/// <summary>
/// An open RTU line: <see cref="SerialPort"/> (whose BaseStream supports cancellable async reads) when it can
/// open the device, else a plain unbuffered <see cref="FileStream"/> on the same path (a pty needs no line settings).
/// </summary>
public sealed class SerialLine : IDisposable
{
    private readonly SerialPort? _port;

    private SerialLine(SerialPort? port, Stream stream)
    {
        _port = port;
        Stream = stream;
    }

    public Stream Stream { get; }

    /// <summary>True when <see cref="SerialPort"/> opened the device; false for the file-stream fallback.</summary>
    public bool UsesSerialPort => _port is not null;

    /// <summary>
    /// Opens the device with <see cref="SerialPort"/>, falling back to a file stream when that fails;
    /// <paramref name="preferSerialPort"/> false goes straight to the file stream (tests of the fallback).
    /// </summary>
    public static SerialLine Open(SerialLineOptions options, ILogger logger, bool preferSerialPort = true)
    {
        if (!preferSerialPort)
        {
            return new SerialLine(null, OpenFile(options.Device));
        }
        SerialPort? port = null;
        try
        {
            port = new SerialPort(options.Device, options.Baud, options.Parity, 8, options.StopBits)
            {
                Handshake = Handshake.None,
                ReadTimeout = SerialPort.InfiniteTimeout,
                WriteTimeout = 5000,
            };
            port.Open();
            return new SerialLine(port, port.BaseStream);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException or InvalidOperationException or PlatformNotSupportedException or TypeInitializationException or DllNotFoundException)
        {
            port?.Dispose();
            ModbusLog.SerialFallback(logger, options.Device, ex.Message);
            return new SerialLine(null, OpenFile(options.Device));
        }
    }

    private static FileStream OpenFile(string device) =>
        new(device, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite, bufferSize: 0);

    public void Dispose()
    {
        Stream.Dispose();
        _port?.Dispose();
    }
}
