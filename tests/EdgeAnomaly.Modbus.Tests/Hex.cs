namespace EdgeAnomaly.Modbus.Tests;

/// <summary>Frames written as hex, the way they appear in a bus analyser ("01 03 02 00 2A ...").</summary>
internal static class Hex
{
    public static byte[] Bytes(string hex) => Convert.FromHexString(hex.Replace(" ", "", StringComparison.Ordinal));

    public static string Of(ReadOnlySpan<byte> bytes) => Convert.ToHexString(bytes);

    /// <summary>Appends the RTU CRC to a frame written without it.</summary>
    public static byte[] WithCrc(string hex)
    {
        var body = Bytes(hex);
        var frame = new byte[body.Length + 2];
        body.CopyTo(frame, 0);
        ModbusCrc16.Append(body, frame.AsSpan(body.Length));
        return frame;
    }
}
