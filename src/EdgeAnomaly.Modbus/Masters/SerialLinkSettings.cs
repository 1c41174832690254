using System.IO.Ports;

namespace EdgeAnomaly.Modbus;

/// <summary>A serial port for Modbus RTU. Modbus over serial line v1.02 asks for even parity by default.</summary>
public sealed record SerialLinkSettings(
    string PortName,
    int BaudRate = 19200,
    Parity Parity = Parity.Even,
    int DataBits = 8,
    StopBits StopBits = StopBits.One)
{
    /// <summary>Throws <see cref="ArgumentException"/> naming the first bad key (prefixed with <paramref name="section"/>).</summary>
    public void Validate(string section = "Serial")
    {
        Require(!string.IsNullOrWhiteSpace(PortName), nameof(PortName), "is required (e.g. /dev/ttyUSB0)", section);
        Require(BaudRate is >= 300 and <= 4_000_000, nameof(BaudRate), "must be 300..4000000", section);
        Require(DataBits is 7 or 8, nameof(DataBits), "must be 7 or 8 (RTU uses 8)", section);
        Require(StopBits != StopBits.None && Enum.IsDefined(StopBits), nameof(StopBits), "must be One, OnePointFive or Two", section);
        Require(Enum.IsDefined(Parity), nameof(Parity), "must be None, Odd, Even, Mark or Space", section);
    }

    private static void Require(bool ok, string key, string rule, string section)
    {
        if (!ok)
        {
            throw new ArgumentException($"{section}:{key} {rule}", key);
        }
    }
}
