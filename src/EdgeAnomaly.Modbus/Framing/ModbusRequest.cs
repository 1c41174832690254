namespace EdgeAnomaly.Modbus;

/// <summary>
/// The fields of a request that its answer is checked against: function, start address, and the count (reads,
/// FC 15/16) or the written value (FC 05/06). The factories enforce the protocol's limits, so an out-of-range
/// request fails with <see cref="ArgumentOutOfRangeException"/> before any IO.
/// </summary>
public readonly record struct ModbusRequest(ModbusFunction Function, ushort Address, ushort Count, ushort Value)
{
    /// <summary>The value FC 05 sends for ON (OFF is 0x0000).</summary>
    public const ushort CoilOn = 0xFF00;

    public bool IsRead => Function is ModbusFunction.ReadCoils or ModbusFunction.ReadDiscreteInputs
        or ModbusFunction.ReadHoldingRegisters or ModbusFunction.ReadInputRegisters;

    public bool ReadsBits => Function is ModbusFunction.ReadCoils or ModbusFunction.ReadDiscreteInputs;

    /// <summary>The byte count a correct read response carries (0 for writes).</summary>
    public int ResponseByteCount => Function switch
    {
        ModbusFunction.ReadCoils or ModbusFunction.ReadDiscreteInputs => (Count + 7) / 8,
        ModbusFunction.ReadHoldingRegisters or ModbusFunction.ReadInputRegisters => Count * 2,
        _ => 0,
    };

    /// <summary>Length of a correct (non-exception) response PDU: function code included, no unit id, no CRC.</summary>
    public int ResponsePduLength => IsRead ? 2 + ResponseByteCount : 5;

    /// <summary>FC 03 (holding) or FC 04 (input), 1..125 registers.</summary>
    public static ModbusRequest ReadRegisters(ModbusTable table, ushort address, int count)
    {
        var function = table switch
        {
            ModbusTable.HoldingRegister => ModbusFunction.ReadHoldingRegisters,
            ModbusTable.InputRegister => ModbusFunction.ReadInputRegisters,
            _ => throw new ArgumentOutOfRangeException(nameof(table), table, "registers are read from the holding or input register table"),
        };
        CheckRange(address, count, ModbusLimits.MaxReadRegisters, nameof(count));
        return new ModbusRequest(function, address, (ushort)count, 0);
    }

    /// <summary>FC 01 (coils) or FC 02 (discrete inputs), 1..2000 bits.</summary>
    public static ModbusRequest ReadBits(ModbusTable table, ushort address, int count)
    {
        var function = table switch
        {
            ModbusTable.Coil => ModbusFunction.ReadCoils,
            ModbusTable.DiscreteInput => ModbusFunction.ReadDiscreteInputs,
            _ => throw new ArgumentOutOfRangeException(nameof(table), table, "bits are read from the coil or discrete input table"),
        };
        CheckRange(address, count, ModbusLimits.MaxReadBits, nameof(count));
        return new ModbusRequest(function, address, (ushort)count, 0);
    }

    public static ModbusRequest WriteSingleCoil(ushort address, bool value) =>
        new(ModbusFunction.WriteSingleCoil, address, 1, value ? CoilOn : (ushort)0);

    public static ModbusRequest WriteSingleRegister(ushort address, ushort value) =>
        new(ModbusFunction.WriteSingleRegister, address, 1, value);

    /// <summary>FC 15, 1..1968 coils.</summary>
    public static ModbusRequest WriteMultipleCoils(ushort address, int count)
    {
        CheckRange(address, count, ModbusLimits.MaxWriteBits, nameof(count));
        return new ModbusRequest(ModbusFunction.WriteMultipleCoils, address, (ushort)count, 0);
    }

    /// <summary>FC 16, 1..123 registers.</summary>
    public static ModbusRequest WriteMultipleRegisters(ushort address, int count)
    {
        CheckRange(address, count, ModbusLimits.MaxWriteRegisters, nameof(count));
        return new ModbusRequest(ModbusFunction.WriteMultipleRegisters, address, (ushort)count, 0);
    }

    private static void CheckRange(ushort address, int count, int max, string name)
    {
        if (count < 1 || count > max)
        {
            throw new ArgumentOutOfRangeException(name, count, $"a request carries 1..{max} items");
        }
        if (address + count > 0x10000)
        {
            throw new ArgumentOutOfRangeException(name, count, $"address {address} + count {count} runs past 65535");
        }
    }
}
