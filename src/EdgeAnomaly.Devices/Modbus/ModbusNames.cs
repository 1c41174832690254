using System.Globalization;
using EdgeAnomaly.Modbus;

namespace EdgeAnomaly.Devices.Modbus;

/// <summary>The words a register map is written in (Telegraf / Neuron style), parsed without exceptions.</summary>
public static class ModbusNames
{
    public const string TableChoices = "coil, discrete, input, holding";
    public const string TypeChoices = "bool, int16, uint16, int32, uint32, int64, uint64, float32, float64, bit, string";
    public const string ByteOrderChoices = "ABCD, CDAB, BADC, DCBA";

    public static bool TryParseTable(string? text, out ModbusTable table)
    {
        switch (text?.Trim().ToLowerInvariant())
        {
            case "coil" or "coils":
                table = ModbusTable.Coil;
                return true;
            case "discrete" or "discrete_input" or "discrete_inputs" or "discreteinput" or "discreteinputs":
                table = ModbusTable.DiscreteInput;
                return true;
            case "input" or "input_register" or "input_registers" or "inputregister" or "inputregisters":
                table = ModbusTable.InputRegister;
                return true;
            case "holding" or "holding_register" or "holding_registers" or "holdingregister" or "holdingregisters":
                table = ModbusTable.HoldingRegister;
                return true;
            default:
                table = default;
                return false;
        }
    }

    public static string TableName(ModbusTable table) => table switch
    {
        ModbusTable.Coil => "coil",
        ModbusTable.DiscreteInput => "discrete",
        ModbusTable.InputRegister => "input",
        _ => "holding",
    };

    public static bool IsBitTable(ModbusTable table) => table is ModbusTable.Coil or ModbusTable.DiscreteInput;

    public static bool TryParseType(string? text, out ModbusDataType type)
    {
        switch (text?.Trim().ToLowerInvariant())
        {
            case "bool": type = ModbusDataType.Bool; return true;
            case "int16": type = ModbusDataType.Int16; return true;
            case "uint16": type = ModbusDataType.UInt16; return true;
            case "int32": type = ModbusDataType.Int32; return true;
            case "uint32": type = ModbusDataType.UInt32; return true;
            case "int64": type = ModbusDataType.Int64; return true;
            case "uint64": type = ModbusDataType.UInt64; return true;
            case "float32": type = ModbusDataType.Float32; return true;
            case "float64": type = ModbusDataType.Float64; return true;
            case "bit": type = ModbusDataType.Bit; return true;
            case "string": type = ModbusDataType.String; return true;
            default: type = default; return false;
        }
    }

    /// <summary>The configuration word for a type (the inverse of <see cref="TryParseType"/>).</summary>
    public static string TypeNameOf(ModbusDataType type) => type.ToString().ToLowerInvariant();

    public static bool TryParseByteOrder(string? text, out ByteOrder order)
    {
        switch (text?.Trim().ToUpperInvariant())
        {
            case "ABCD": order = ByteOrder.ABCD; return true;
            case "CDAB": order = ByteOrder.CDAB; return true;
            case "BADC": order = ByteOrder.BADC; return true;
            case "DCBA": order = ByteOrder.DCBA; return true;
            default: order = default; return false;
        }
    }

    /// <summary>Registers a value of <paramref name="type"/> occupies (1 bit for bool on coil/discrete tables).</summary>
    public static int RegisterCount(ModbusDataType type, int stringRegisters) =>
        type == ModbusDataType.String ? stringRegisters : ModbusValueCodec.RegisterCount(type);

    /// <summary>
    /// Parses a tag address. With a table given, the address is a plain number ("17", "0x11") in the device's
    /// <paramref name="addressBase"/> (0: protocol addresses; 1: manual-style, register 1 is protocol address 0).
    /// Without a table, it must be a Modicon reference whose first digit names the table and which is always
    /// one-based: 0xxxx coil, 1xxxx discrete, 3xxxx input, 4xxxx holding, five digits (40001 = holding 0) or
    /// six (400001 = holding 0, up to 465536).
    /// </summary>
    public static bool TryParseAddress(string? text, int addressBase, ModbusTable? table,
        out ModbusTable resolvedTable, out ushort address, out string error)
    {
        resolvedTable = table ?? default;
        address = 0;
        var s = text?.Trim() ?? "";
        if (s.Length == 0)
        {
            error = "is missing";
            return false;
        }
        if (table is { } t)
        {
            long value;
            if (s.StartsWith("0x", StringComparison.OrdinalIgnoreCase))
            {
                if (!long.TryParse(s.AsSpan(2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out value))
                {
                    error = $"'{s}' is not a number";
                    return false;
                }
            }
            else if (!long.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out value))
            {
                error = $"'{s}' is not a number";
                return false;
            }
            var protocolAddress = value - addressBase;
            if (protocolAddress is < 0 or > ushort.MaxValue)
            {
                error = $"'{s}' is outside {addressBase}..{ushort.MaxValue + addressBase} (AddressBase {addressBase})";
                return false;
            }
            resolvedTable = t;
            address = (ushort)protocolAddress;
            error = "";
            return true;
        }
        if (s.Length is not (5 or 6) || !long.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out var reference))
        {
            error = $"'{s}' needs a Table, or must be a Modicon reference such as 40001 (holding), 30001 (input), 10001 (discrete), 00001 (coil)";
            return false;
        }
        var digit = s[0];
        switch (digit)
        {
            case '0': resolvedTable = ModbusTable.Coil; break;
            case '1': resolvedTable = ModbusTable.DiscreteInput; break;
            case '3': resolvedTable = ModbusTable.InputRegister; break;
            case '4': resolvedTable = ModbusTable.HoldingRegister; break;
            default:
                error = $"'{s}' is not a Modicon reference: the first digit must be 0 (coil), 1 (discrete), 3 (input) or 4 (holding)";
                return false;
        }
        var scale = s.Length == 5 ? 10_000L : 100_000L;
        var offset = reference - ((digit - '0') * scale) - 1;
        if (offset < 0 || offset > (s.Length == 5 ? 9998 : ushort.MaxValue))
        {
            error = $"'{s}' is not a Modicon reference: numbering starts at {digit}{new string('0', s.Length - 2)}1";
            return false;
        }
        address = (ushort)offset;
        error = "";
        return true;
    }
}
