namespace EdgeAnomaly.Modbus;

/// <summary>
/// A Modbus master on one link (a TCP connection or one serial bus). Implementations run one transaction at a
/// time on the link — concurrent callers queue — so slaves sharing an RS-485 line never see interleaved frames.
/// Every call is one transaction with the link's timeout; retries and degraded-state handling are the poll
/// scheduler's job. Failures surface as <see cref="ModbusException"/> subtypes, never as raw IO exceptions.
/// </summary>
public interface IModbusMaster : IAsyncDisposable
{
    /// <summary>FC 03 / 04: fills <paramref name="destination"/> (length = register count, 1..125).</summary>
    ValueTask ReadRegistersAsync(byte unitId, ModbusTable table, ushort address, Memory<ushort> destination, CancellationToken ct);

    /// <summary>FC 01 / 02: fills <paramref name="destination"/> (length = bit count, 1..2000).</summary>
    ValueTask ReadBitsAsync(byte unitId, ModbusTable table, ushort address, Memory<bool> destination, CancellationToken ct);

    /// <summary>FC 05.</summary>
    ValueTask WriteSingleCoilAsync(byte unitId, ushort address, bool value, CancellationToken ct);

    /// <summary>FC 06.</summary>
    ValueTask WriteSingleRegisterAsync(byte unitId, ushort address, ushort value, CancellationToken ct);

    /// <summary>FC 15.</summary>
    ValueTask WriteMultipleCoilsAsync(byte unitId, ushort address, ReadOnlyMemory<bool> values, CancellationToken ct);

    /// <summary>FC 16.</summary>
    ValueTask WriteMultipleRegistersAsync(byte unitId, ushort address, ReadOnlyMemory<ushort> values, CancellationToken ct);

    /// <summary>Counters of this link (transactions, timeouts, CRC errors, exceptions, reconnects).</summary>
    ModbusLinkCounters Counters { get; }
}
