namespace EdgeAnomaly.Modbus;

/// <summary>
/// Modbus RTU application data units: unit id, PDU, CRC-16 (low byte first). The master finds the end of a good
/// response from its length (<see cref="ResponseLength"/>), not from line silence; silence is only used to resync
/// after garbage (see <see cref="SilentInterval"/>).
/// </summary>
public static class ModbusRtuFrame
{
    /// <summary>Largest RTU frame: unit id + 253-byte PDU + CRC.</summary>
    public const int MaxLength = 256;

    /// <summary>Smallest RTU response: an exception response (unit, function | 0x80, code, CRC).</summary>
    public const int MinResponseLength = 5;

    /// <summary>Highest individual slave address; 0 is broadcast, 248..255 are reserved.</summary>
    public const byte MaxUnitId = 247;

    /// <summary>Writes unit id + PDU + CRC into <paramref name="destination"/>; returns the frame length.</summary>
    public static int EncodeRequest(byte unitId, ReadOnlySpan<byte> pdu, Span<byte> destination)
    {
        destination[0] = unitId;
        pdu.CopyTo(destination[1..]);
        var length = 1 + pdu.Length;
        ModbusCrc16.Append(destination[..length], destination[length..]);
        return length + 2;
    }

    /// <summary>
    /// Total length of the response frame that starts at <paramref name="received"/>[0], or 0 when more bytes are
    /// needed to tell. Throws <see cref="ModbusFrameException"/> as soon as the head cannot belong to an answer
    /// to <paramref name="request"/> (wrong function, wrong byte count), so the master need not wait for a
    /// timeout to notice garbage.
    /// </summary>
    public static int ResponseLength(ReadOnlySpan<byte> received, in ModbusRequest request)
    {
        var length = TryResponseLength(received, request, out var error);
        if (error is { } e)
        {
            throw new ModbusFrameException(e, e == ModbusFrameError.UnexpectedFunction
                ? $"function 0x{received[1]:X2} in answer to 0x{(byte)request.Function:X2}"
                : $"byte count {received[2]}, expected {request.ResponseByteCount}");
        }
        return length;
    }

    /// <summary>
    /// Checks a complete response frame (CRC, then unit id, then the PDU against the request) and returns its PDU.
    /// Throws <see cref="ModbusSlaveException"/> for an exception response and <see cref="ModbusFrameException"/>
    /// for anything else that is wrong.
    /// </summary>
    public static ReadOnlySpan<byte> DecodeResponse(ReadOnlySpan<byte> frame, byte unitId, in ModbusRequest request)
    {
        var check = CheckResponse(frame, unitId, request);
        if (!check.IsValid)
        {
            throw check.ToException(unitId, request, check.Error is { } e ? Describe(e, frame, unitId, request) : "")!;
        }
        return frame[1..^2];
    }

    /// <summary><see cref="DecodeResponse"/> without exceptions; when valid, the PDU is frame[1..^2].</summary>
    public static ModbusResponseCheck CheckResponse(ReadOnlySpan<byte> frame, byte unitId, in ModbusRequest request)
    {
        if (frame.Length < MinResponseLength)
        {
            return ModbusFrameError.Truncated;
        }
        if (frame.Length > MaxLength)
        {
            return ModbusFrameError.Overlong;
        }
        if (!ModbusCrc16.IsValid(frame))
        {
            // A frame cut short or followed by extra bytes also fails the CRC; name the length problem when the
            // head says how long the frame should be.
            var expected = TryResponseLength(frame, request, out var headError);
            if (headError is null && expected > 0 && frame.Length < expected)
            {
                return ModbusFrameError.Truncated;
            }
            if (headError is null && expected > 0 && frame.Length > expected && ModbusCrc16.IsValid(frame[..expected]))
            {
                return ModbusFrameError.Overlong;
            }
            return ModbusFrameError.BadCrc;
        }
        if (frame[0] != unitId)
        {
            return ModbusFrameError.UnexpectedUnitId;
        }
        return ModbusPdu.CheckResponse(frame[1..^2], request);
    }

    /// <summary>
    /// <see cref="ResponseLength"/> without exceptions: null and the length (0 = need more bytes), or the error
    /// that the head of the frame already shows.
    /// </summary>
    public static ModbusFrameError? TryGetResponseLength(ReadOnlySpan<byte> received, in ModbusRequest request, out int length)
    {
        length = TryResponseLength(received, request, out var error);
        return error;
    }

    private static string Describe(ModbusFrameError error, ReadOnlySpan<byte> frame, byte unitId, in ModbusRequest request)
    {
        var frameLevel = frame.Length < MinResponseLength || frame.Length > MaxLength || !ModbusCrc16.IsValid(frame);
        return error switch
        {
            ModbusFrameError.BadCrc => $"CRC {frame[^2]:X2} {frame[^1]:X2} does not match the {frame.Length}-byte frame",
            ModbusFrameError.UnexpectedUnitId => $"unit {frame[0]} answered, expected {unitId}",
            ModbusFrameError.Truncated or ModbusFrameError.Overlong when frameLevel =>
                $"RTU frame of {frame.Length} bytes, expected {(TryResponseLength(frame, request, out _) is > 0 and var n ? n : MinResponseLength)}",
            _ => ModbusPdu.Describe(error, frame[1..^2], request),
        };
    }

    /// <summary>Time of one character on the line: 11 bits (start, 8 data, parity or second stop, stop).</summary>
    public static TimeSpan CharacterTime(int baudRate)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(baudRate);
        return TimeSpan.FromTicks((long)Math.Ceiling(11.0 * TimeSpan.TicksPerSecond / baudRate));
    }

    /// <summary>
    /// The 3.5-character silent interval that separates frames; above 19200 baud the spec fixes it at 1.75 ms
    /// (Modbus over serial line v1.02, 2.5.1.1).
    /// </summary>
    public static TimeSpan SilentInterval(int baudRate)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(baudRate);
        return baudRate > 19200
            ? TimeSpan.FromTicks(17_500)
            : TimeSpan.FromTicks((long)Math.Ceiling(3.5 * 11.0 * TimeSpan.TicksPerSecond / baudRate));
    }

    private static int TryResponseLength(ReadOnlySpan<byte> received, in ModbusRequest request, out ModbusFrameError? error)
    {
        error = null;
        if (received.Length < 2)
        {
            return 0;
        }
        var function = (byte)request.Function;
        if (received[1] == (function | 0x80))
        {
            return MinResponseLength;
        }
        if (received[1] != function)
        {
            error = ModbusFrameError.UnexpectedFunction;
            return 0;
        }
        if (!request.IsRead)
        {
            return 8;
        }
        if (received.Length < 3)
        {
            return 0;
        }
        if (received[2] != request.ResponseByteCount)
        {
            error = ModbusFrameError.BadByteCount;
            return 0;
        }
        return 3 + received[2] + 2;
    }
}
