using System.Globalization;
using System.Text;
using System.Text.Json;
using EdgeAnomaly.Modbus;

namespace EdgeAnomaly.Gateway.Cli;

/// <summary>
/// One decoded value, kept in its own type so 64-bit integers print exactly and float32 prints as the float it is
/// (11.07, not 11.069999694824219).
/// </summary>
internal readonly struct DecodedValue
{
    private readonly long _signed;
    private readonly ulong _unsigned;
    private readonly double _real;
    private readonly string? _text;
    private readonly Kind _kind;

    private enum Kind : byte
    {
        Signed,
        Unsigned,
        Float32,
        Float64,
        Text,
    }

    private DecodedValue(Kind kind, long signed = 0, ulong unsigned = 0, double real = 0, string? text = null)
    {
        _kind = kind;
        _signed = signed;
        _unsigned = unsigned;
        _real = real;
        _text = text;
    }

    /// <summary>Decodes the first registers of <paramref name="registers"/> (which must hold enough of them).</summary>
    public static DecodedValue Decode(ReadOnlySpan<ushort> registers, ModbusDataType type, ByteOrder order, int bit = 0) => type switch
    {
        ModbusDataType.Int64 => new(Kind.Signed, signed: ModbusValueCodec.DecodeInt64(registers, order)),
        ModbusDataType.UInt64 => new(Kind.Unsigned, unsigned: ModbusValueCodec.DecodeUInt64(registers, order)),
        ModbusDataType.Int16 or ModbusDataType.Int32 or ModbusDataType.Bool or ModbusDataType.Bit =>
            new(Kind.Signed, signed: (long)ModbusValueCodec.DecodeNumber(registers, type, order, bit)),
        ModbusDataType.UInt16 or ModbusDataType.UInt32 => new(Kind.Unsigned, unsigned: (ulong)ModbusValueCodec.DecodeNumber(registers, type, order)),
        ModbusDataType.Float32 => new(Kind.Float32, real: ModbusValueCodec.DecodeNumber(registers, type, order)),
        ModbusDataType.Float64 => new(Kind.Float64, real: ModbusValueCodec.DecodeNumber(registers, type, order)),
        _ => new(Kind.Text, text: ModbusValueCodec.DecodeString(registers, order)),
    };

    public string Text => _kind switch
    {
        Kind.Signed => _signed.ToString(CultureInfo.InvariantCulture),
        Kind.Unsigned => _unsigned.ToString(CultureInfo.InvariantCulture),
        Kind.Float32 => ((float)_real).ToString(CultureInfo.InvariantCulture),
        Kind.Float64 => _real.ToString(CultureInfo.InvariantCulture),
        _ => _text ?? "",
    };

    /// <summary>Writes the value as a JSON number (NaN and infinities, which JSON lacks, as strings).</summary>
    public void WriteTo(Utf8JsonWriter w, string property)
    {
        switch (_kind)
        {
            case Kind.Signed:
                w.WriteNumber(property, _signed);
                break;
            case Kind.Unsigned:
                w.WriteNumber(property, _unsigned);
                break;
            case Kind.Float32 when float.IsFinite((float)_real):
                w.WriteNumber(property, (float)_real);
                break;
            case Kind.Float64 when double.IsFinite(_real):
                w.WriteNumber(property, _real);
                break;
            default:
                w.WriteString(property, Text);
                break;
        }
    }
}

/// <summary>Text and JSON layouts of the commissioning commands; pure, so they are tested without a device.</summary>
internal static class ModbusCliFormat
{
    /// <summary>The types a probe tries, narrowest first.</summary>
    public static readonly ModbusDataType[] ProbeTypes =
    [
        ModbusDataType.Int16, ModbusDataType.UInt16, ModbusDataType.Int32, ModbusDataType.UInt32, ModbusDataType.Float32,
        ModbusDataType.Int64, ModbusDataType.UInt64, ModbusDataType.Float64,
    ];

    public static readonly ByteOrder[] Orders = [ByteOrder.ABCD, ByteOrder.CDAB, ByteOrder.BADC, ByteOrder.DCBA];

    private const int ProbeColumn = 24;

    public static string Hex(ushort value) => "0x" + value.ToString("X4", CultureInfo.InvariantCulture);

    public static string Binary(ushort value)
    {
        var s = Convert.ToString(value, 2).PadLeft(16, '0');
        return $"{s[..4]} {s[4..8]} {s[8..12]} {s[12..]}";
    }

    /// <summary>One line per register: address, hex, unsigned and signed decimal, bits.</summary>
    public static void WriteRegisters(StringBuilder sb, ushort first, ReadOnlySpan<ushort> registers)
    {
        sb.Append(CultureInfo.InvariantCulture, $"{"address",-8} {"hex",-6} {"uint16",6} {"int16",6}  binary").AppendLine();
        for (var i = 0; i < registers.Length; i++)
        {
            var r = registers[i];
            sb.Append(CultureInfo.InvariantCulture, $"{first + i,-8} {Hex(r),-6} {r,6} {(short)r,6}  {Binary(r)}").AppendLine();
        }
    }

    public static void WriteBits(StringBuilder sb, ushort first, ReadOnlySpan<bool> bits)
    {
        sb.AppendLine("address  value");
        for (var i = 0; i < bits.Length; i++)
        {
            sb.Append(CultureInfo.InvariantCulture, $"{first + i,-8} {(bits[i] ? 1 : 0)}").AppendLine();
        }
    }

    /// <summary>
    /// Consecutive values of <paramref name="type"/> from the start of the block (a string takes the whole block).
    /// Returns (offset in registers, value) pairs.
    /// </summary>
    public static List<(int Offset, DecodedValue Value)> DecodeSeries(ReadOnlySpan<ushort> registers, ModbusDataType type, ByteOrder order, int bit)
    {
        var values = new List<(int, DecodedValue)>();
        if (type == ModbusDataType.String)
        {
            values.Add((0, DecodedValue.Decode(registers, type, order)));
            return values;
        }
        var width = ModbusValueCodec.RegisterCount(type);
        for (var offset = 0; offset + width <= registers.Length; offset += width)
        {
            values.Add((offset, DecodedValue.Decode(registers[offset..], type, order, bit)));
        }
        return values;
    }

    /// <summary>
    /// The probe table: for every start address in the block, every 16/32/64-bit type that fits, in the four byte
    /// orders side by side; then the block as ASCII. The row that reads sensibly names the type and order.
    /// </summary>
    public static string ProbeTable(string tableName, ushort first, ReadOnlySpan<ushort> registers)
    {
        var sb = new StringBuilder();
        WriteRegisters(sb, first, registers);
        for (var offset = 0; offset < registers.Length; offset++)
        {
            sb.AppendLine();
            sb.Append(CultureInfo.InvariantCulture, $"starting at {tableName} {first + offset}:").AppendLine();
            sb.Append(CultureInfo.InvariantCulture, $"  {"type",-8}");
            foreach (var order in Orders)
            {
                sb.Append(' ').Append(order.ToString().PadRight(ProbeColumn));
            }
            sb.AppendLine();
            foreach (var type in ProbeTypes)
            {
                if (offset + ModbusValueCodec.RegisterCount(type) > registers.Length)
                {
                    continue;
                }
                sb.Append(CultureInfo.InvariantCulture, $"  {ModbusNameText(type),-8}");
                foreach (var order in Orders)
                {
                    sb.Append(' ').Append(Fit(DecodedValue.Decode(registers[offset..], type, order).Text));
                }
                sb.AppendLine();
            }
        }
        sb.AppendLine();
        sb.Append(CultureInfo.InvariantCulture, $"ascii (high byte first): \"{Printable(ModbusValueCodec.DecodeString(registers, ByteOrder.ABCD))}\"").AppendLine();
        sb.Append(CultureInfo.InvariantCulture, $"ascii (low byte first):  \"{Printable(ModbusValueCodec.DecodeString(registers, ByteOrder.BADC))}\"").AppendLine();
        // Columns are padded; the last one must not leave trailing blanks.
        var lines = sb.ToString().Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            lines[i] = lines[i].TrimEnd();
        }
        return string.Join('\n', lines);
    }

    public static void WriteProbeJson(Utf8JsonWriter w, ushort first, ReadOnlySpan<ushort> registers)
    {
        w.WriteStartArray("decodings");
        for (var offset = 0; offset < registers.Length; offset++)
        {
            foreach (var type in ProbeTypes)
            {
                if (offset + ModbusValueCodec.RegisterCount(type) > registers.Length)
                {
                    continue;
                }
                foreach (var order in Orders)
                {
                    w.WriteStartObject();
                    w.WriteNumber("address", first + offset);
                    w.WriteString("type", ModbusNameText(type));
                    w.WriteString("order", order.ToString());
                    DecodedValue.Decode(registers[offset..], type, order).WriteTo(w, "value");
                    w.WriteEndObject();
                }
            }
        }
        w.WriteEndArray();
    }

    public static string ModbusNameText(ModbusDataType type) => type.ToString().ToLowerInvariant();

    private static string Fit(string text) =>
        text.Length <= ProbeColumn ? text.PadRight(ProbeColumn) : text[..(ProbeColumn - 1)] + "~";

    private static string Printable(string text)
    {
        var sb = new StringBuilder(text.Length);
        foreach (var c in text)
        {
            sb.Append(c is >= ' ' and <= '~' ? c : '.');
        }
        return sb.ToString();
    }
}
