namespace EdgeAnomaly.Modbus;

/// <summary>
/// CRC-16/MODBUS (reflected polynomial 0xA001, initial value 0xFFFF), table-driven. On the wire the CRC follows the
/// frame low byte first: 01 03 00 00 00 0A has CRC 0xCDC5 and is sent as ... C5 CD.
/// </summary>
public static class ModbusCrc16
{
    private static readonly ushort[] Table = BuildTable();

    public static ushort Compute(ReadOnlySpan<byte> data)
    {
        var table = Table;
        ushort crc = 0xFFFF;
        foreach (var b in data)
        {
            crc = (ushort)((crc >> 8) ^ table[(byte)(crc ^ b)]);
        }
        return crc;
    }

    /// <summary>Writes the CRC of <paramref name="frame"/> into the two bytes after it (low byte first).</summary>
    public static void Append(ReadOnlySpan<byte> frame, Span<byte> crcDestination)
    {
        var crc = Compute(frame);
        crcDestination[0] = (byte)crc;
        crcDestination[1] = (byte)(crc >> 8);
    }

    /// <summary>True when the last two bytes of <paramref name="frameWithCrc"/> are the CRC of the bytes before them.</summary>
    public static bool IsValid(ReadOnlySpan<byte> frameWithCrc)
    {
        if (frameWithCrc.Length < 3)
        {
            return false;
        }
        var crc = Compute(frameWithCrc[..^2]);
        return frameWithCrc[^2] == (byte)crc && frameWithCrc[^1] == (byte)(crc >> 8);
    }

    private static ushort[] BuildTable()
    {
        var table = new ushort[256];
        for (var i = 0; i < 256; i++)
        {
            var value = (ushort)i;
            for (var bit = 0; bit < 8; bit++)
            {
                value = (value & 1) != 0 ? (ushort)((value >> 1) ^ 0xA001) : (ushort)(value >> 1);
            }
            table[i] = value;
        }
        return table;
    }
}
