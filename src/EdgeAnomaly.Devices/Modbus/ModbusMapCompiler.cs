using System.Globalization;
using EdgeAnomaly.Modbus;

namespace EdgeAnomaly.Devices.Modbus;

/// <summary>
/// Turns one device's options into a <see cref="CompiledModbusDevice"/>, collecting every problem as a message that
/// names its key ("Devices:Modbus:2:Tags:5:Type ..."). Validation and the scheduler use the same code, so what
/// validates is exactly what runs.
/// </summary>
public static class ModbusMapCompiler
{
    public const int DefaultTcpPort = 502;

    /// <param name="device">The options.</param>
    /// <param name="key">Its configuration path, e.g. "Devices:Modbus:2".</param>
    /// <param name="groups">Poll group intervals by name.</param>
    /// <param name="resolveTag">Tag id of (asset, tag), null when not declared; null to skip the check (ids are then -1).</param>
    /// <param name="errors">Receives the problems.</param>
    /// <returns>The compiled device, or null when it has errors.</returns>
    public static CompiledModbusDevice? Compile(ModbusDeviceOptions device, string key,
        IReadOnlyDictionary<string, TimeSpan> groups, Func<string, string, int?>? resolveTag, List<string> errors)
    {
        var before = errors.Count;
        if (string.IsNullOrWhiteSpace(device.Name))
        {
            errors.Add($"{key}:Name is missing");
        }
        if (string.IsNullOrWhiteSpace(device.Asset))
        {
            errors.Add($"{key}:Asset is missing");
        }
        var link = CompileLink(device, key, errors);
        var unitMax = device.Rtu is not null || device.RtuOverTcp is not null ? 247 : 255;
        var unitMin = device.Rtu is not null || device.RtuOverTcp is not null ? 1 : 0;
        if (device.UnitId < unitMin || device.UnitId > unitMax)
        {
            errors.Add($"{key}:UnitId must be {unitMin}..{unitMax} on this link (got {device.UnitId})");
        }
        if (!ModbusNames.TryParseByteOrder(device.ByteOrder, out var deviceOrder))
        {
            errors.Add($"{key}:ByteOrder '{device.ByteOrder}' is not one of {ModbusNames.ByteOrderChoices}");
        }
        if (device.AddressBase is not (0 or 1))
        {
            errors.Add($"{key}:AddressBase must be 0 or 1 (got {device.AddressBase})");
        }
        if (device.Timeout < TimeSpan.FromMilliseconds(10) || device.Timeout > TimeSpan.FromSeconds(60))
        {
            errors.Add($"{key}:Timeout must be 00:00:00.010..00:01:00 (got {device.Timeout})");
        }
        if (device.Retries is < 0 or > 10)
        {
            errors.Add($"{key}:Retries must be 0..10 (got {device.Retries})");
        }
        var maxRegisters = device.MaxRegistersPerRequest;
        if (maxRegisters is < 1 or > ModbusLimits.MaxReadRegisters)
        {
            errors.Add($"{key}:MaxRegistersPerRequest must be 1..{ModbusLimits.MaxReadRegisters} (got {maxRegisters})");
            maxRegisters = ModbusLimits.MaxReadRegisters;
        }
        var maxBits = device.MaxBitsPerRequest;
        if (maxBits is < 1 or > ModbusLimits.MaxReadBits)
        {
            errors.Add($"{key}:MaxBitsPerRequest must be 1..{ModbusLimits.MaxReadBits} (got {maxBits})");
            maxBits = ModbusLimits.MaxReadBits;
        }
        if (device.MaxRegisterGap < 0 || device.MaxRegisterGap > maxRegisters)
        {
            errors.Add($"{key}:MaxRegisterGap must be 0..{maxRegisters} (got {device.MaxRegisterGap})");
        }
        if (device.MaxBitGap < 0 || device.MaxBitGap > maxBits)
        {
            errors.Add($"{key}:MaxBitGap must be 0..{maxBits} (got {device.MaxBitGap})");
        }
        if (device.FailuresBeforeDegraded is < 1 or > 1000)
        {
            errors.Add($"{key}:FailuresBeforeDegraded must be 1..1000 (got {device.FailuresBeforeDegraded})");
        }
        if (device.DegradedRetry is null)
        {
            errors.Add($"{key}:DegradedRetry is missing");
        }
        else
        {
            errors.AddRange(device.DegradedRetry.Validate(key + ":DegradedRetry"));
        }

        var points = new List<ModbusPoint>(device.Tags.Count);
        var pointGroups = new List<string>(device.Tags.Count);
        var pointKeys = new List<string>(device.Tags.Count);
        if (device.Tags.Count == 0)
        {
            errors.Add($"{key}:Tags is empty: a device needs at least one tag");
        }
        var names = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < device.Tags.Count; i++)
        {
            var tagKey = $"{key}:Tags:{i}";
            var tag = device.Tags[i];
            if (tag is null)
            {
                errors.Add($"{tagKey} is empty");
                continue;
            }
            if (string.IsNullOrWhiteSpace(tag.Name))
            {
                errors.Add($"{tagKey}:Name is missing");
            }
            else if (names.TryGetValue(tag.Name, out var first))
            {
                errors.Add($"{tagKey}:Name '{tag.Name}' is already used by {key}:Tags:{first}");
            }
            else
            {
                names[tag.Name] = i;
            }
            if (CompileTag(tag, i, tagKey, device, deviceOrder, maxRegisters, groups, resolveTag, errors) is { } point)
            {
                points.Add(point);
                pointGroups.Add(tag.PollGroup);
                pointKeys.Add(tagKey);
            }
        }
        CheckOverlaps(points, pointKeys, errors);
        if (errors.Count != before || link is null)
        {
            return null;
        }

        var limits = new PlannerLimits(maxRegisters, maxBits, device.MaxRegisterGap, device.MaxBitGap);
        var plans = new List<ModbusGroupPlan>();
        foreach (var groupName in pointGroups.Distinct(StringComparer.Ordinal))
        {
            var members = new List<ModbusPoint>();
            for (var i = 0; i < points.Count; i++)
            {
                if (string.Equals(pointGroups[i], groupName, StringComparison.Ordinal))
                {
                    members.Add(points[i]);
                }
            }
            var (requests, planned) = PollPlanner.Plan(members, limits);
            plans.Add(new ModbusGroupPlan(groupName, groups[groupName], requests, planned));
        }
        return new CompiledModbusDevice(device, link, (byte)device.UnitId, [.. points], [.. plans]);
    }

    private static ModbusPoint? CompileTag(ModbusTagOptions tag, int index, string tagKey, ModbusDeviceOptions device,
        ByteOrder deviceOrder, int maxRegisters, IReadOnlyDictionary<string, TimeSpan> groups,
        Func<string, string, int?>? resolveTag, List<string> errors)
    {
        var before = errors.Count;
        ModbusTable? table = null;
        if (!string.IsNullOrWhiteSpace(tag.Table))
        {
            if (ModbusNames.TryParseTable(tag.Table, out var t))
            {
                table = t;
            }
            else
            {
                errors.Add($"{tagKey}:Table '{tag.Table}' is not one of {ModbusNames.TableChoices}");
                return null;
            }
        }
        var addressBase = device.AddressBase is 0 or 1 ? device.AddressBase : 0;
        if (!ModbusNames.TryParseAddress(tag.Address, addressBase, table, out var resolvedTable, out var address, out var addressError))
        {
            errors.Add($"{tagKey}:Address {addressError}");
            return null;
        }
        var bitTable = ModbusNames.IsBitTable(resolvedTable);
        ModbusDataType type;
        if (string.IsNullOrWhiteSpace(tag.Type))
        {
            type = bitTable ? ModbusDataType.Bool : ModbusDataType.UInt16;
        }
        else if (!ModbusNames.TryParseType(tag.Type, out type))
        {
            errors.Add($"{tagKey}:Type '{tag.Type}' is not one of {ModbusNames.TypeChoices}");
            return null;
        }
        if (bitTable && type != ModbusDataType.Bool)
        {
            errors.Add($"{tagKey}:Type '{tag.Type}' cannot be read from the {ModbusNames.TableName(resolvedTable)} table: coils and discrete inputs are single bits (type bool)");
        }
        if (!bitTable && type == ModbusDataType.Bool)
        {
            errors.Add($"{tagKey}:Type bool is for coil and discrete tables; for one bit of a {ModbusNames.TableName(resolvedTable)} register use type bit with Bit 0..15");
        }
        var bit = 0;
        if (type == ModbusDataType.Bit)
        {
            if (tag.Bit is not { } b)
            {
                errors.Add($"{tagKey}:Bit is missing: type bit needs Bit 0..15");
            }
            else if (b is < 0 or > 15)
            {
                errors.Add($"{tagKey}:Bit must be 0..15 (got {b})");
            }
            else
            {
                bit = b;
            }
        }
        else if (tag.Bit is not null)
        {
            errors.Add($"{tagKey}:Bit applies to type bit only (this tag is {ModbusNames.TypeNameOf(type)})");
        }
        var length = 0;
        if (type == ModbusDataType.String)
        {
            if (tag.Length is not { } n || n < 1)
            {
                errors.Add($"{tagKey}:Length must be 1..{maxRegisters} registers for type string (got {tag.Length?.ToString(CultureInfo.InvariantCulture) ?? "none"})");
            }
            else if (n > maxRegisters)
            {
                errors.Add($"{tagKey}:Length {n} is more registers than one request may read ({maxRegisters}); a value is never split across requests");
            }
            else
            {
                length = n;
            }
        }
        else if (tag.Length is not null)
        {
            errors.Add($"{tagKey}:Length applies to type string only");
        }
        var order = deviceOrder;
        if (!string.IsNullOrWhiteSpace(tag.ByteOrder) && !ModbusNames.TryParseByteOrder(tag.ByteOrder, out order))
        {
            errors.Add($"{tagKey}:ByteOrder '{tag.ByteOrder}' is not one of {ModbusNames.ByteOrderChoices}");
        }
        if (!double.IsFinite(tag.Scale) || tag.Scale == 0)
        {
            errors.Add($"{tagKey}:Scale must be a finite non-zero number (got {tag.Scale})");
        }
        if (!double.IsFinite(tag.Offset))
        {
            errors.Add($"{tagKey}:Offset must be a finite number (got {tag.Offset})");
        }
        if (string.IsNullOrWhiteSpace(tag.PollGroup) || !groups.ContainsKey(tag.PollGroup))
        {
            errors.Add($"{tagKey}:PollGroup '{tag.PollGroup}' is not declared in Devices:PollGroups (known: {string.Join(", ", groups.Keys.Order(StringComparer.Ordinal))})");
        }
        var count = bitTable ? 1 : ModbusNames.RegisterCount(type, length);
        if (count > 0 && address + count > ushort.MaxValue + 1)
        {
            errors.Add($"{tagKey}:Address {address} + {count} registers runs past the end of the table (65535)");
        }
        var tagId = -1;
        if (resolveTag is not null && !string.IsNullOrWhiteSpace(tag.Name) && !string.IsNullOrWhiteSpace(device.Asset))
        {
            if (resolveTag(device.Asset, tag.Name) is { } id)
            {
                tagId = id;
            }
            else
            {
                errors.Add($"{tagKey}:Name '{tag.Name}' is not a tag of asset '{device.Asset}' (declare it under Assets)");
            }
        }
        if (errors.Count != before)
        {
            return null;
        }
        return new ModbusPoint(index, tagId, resolvedTable, address, count, type, order, bit, tag.Scale, tag.Offset);
    }

    private static void CheckOverlaps(List<ModbusPoint> points, List<string> keys, List<string> errors)
    {
        for (var i = 0; i < points.Count; i++)
        {
            for (var j = 0; j < i; j++)
            {
                var a = points[i];
                var b = points[j];
                if (!a.Overlaps(b) || a.SameLayout(b) || a.Type == ModbusDataType.Bit || b.Type == ModbusDataType.Bit)
                {
                    continue;
                }
                errors.Add($"{keys[i]}:Address {ModbusNames.TableName(a.Table)} {a.Address}..{a.End - 1} ({ModbusNames.TypeNameOf(a.Type)}) overlaps {keys[j]} ({ModbusNames.TableName(b.Table)} {b.Address}..{b.End - 1}, {ModbusNames.TypeNameOf(b.Type)}) read as a different type or byte order");
                break; // one message per tag is enough to find it
            }
        }
    }

    private static ModbusLinkSpec? CompileLink(ModbusDeviceOptions device, string key, List<string> errors)
    {
        var set = (device.Tcp is not null ? 1 : 0) + (device.Rtu is not null ? 1 : 0) + (device.RtuOverTcp is not null ? 1 : 0);
        if (set != 1)
        {
            errors.Add($"{key} must set exactly one of Tcp, Rtu, RtuOverTcp (got {set})");
            return null;
        }
        if (device.Rtu is { } rtu)
        {
            var ok = true;
            if (string.IsNullOrWhiteSpace(rtu.Port))
            {
                errors.Add($"{key}:Rtu:Port is missing (e.g. /dev/ttyUSB0)");
                ok = false;
            }
            if (rtu.BaudRate is < 300 or > 4_000_000)
            {
                errors.Add($"{key}:Rtu:BaudRate must be 300..4000000 (got {rtu.BaudRate})");
                ok = false;
            }
            if (!TryParseParity(rtu.Parity, out var parity))
            {
                errors.Add($"{key}:Rtu:Parity '{rtu.Parity}' is not one of None, Even, Odd");
                ok = false;
            }
            if (rtu.StopBits is not (1 or 2))
            {
                errors.Add($"{key}:Rtu:StopBits must be 1 or 2 (got {rtu.StopBits})");
                ok = false;
            }
            if (rtu.DataBits is not (7 or 8))
            {
                errors.Add($"{key}:Rtu:DataBits must be 7 or 8 (got {rtu.DataBits})");
                ok = false;
            }
            return ok
                ? new ModbusLinkSpec(ModbusLinkKind.Rtu, "", 0, rtu.Port.Trim(), rtu.BaudRate, parity,
                    rtu.StopBits == 2 ? System.IO.Ports.StopBits.Two : System.IO.Ports.StopBits.One, rtu.DataBits,
                    device.Timeout, ModbusBusOptions.DefaultMinimumFrameGap)
                : null;
        }
        var kind = device.Tcp is not null ? ModbusLinkKind.Tcp : ModbusLinkKind.RtuOverTcp;
        var field = kind == ModbusLinkKind.Tcp ? "Tcp" : "RtuOverTcp";
        if (!TryParseEndpoint(device.Tcp ?? device.RtuOverTcp, out var host, out var port))
        {
            errors.Add($"{key}:{field} '{device.Tcp ?? device.RtuOverTcp}' is not host:port (port 1..65535, default {DefaultTcpPort})");
            return null;
        }
        return new ModbusLinkSpec(kind, host, port, "", 0, System.IO.Ports.Parity.None, System.IO.Ports.StopBits.One, 8,
            device.Timeout, kind == ModbusLinkKind.Tcp ? TimeSpan.Zero : ModbusBusOptions.DefaultMinimumFrameGap);
    }

    internal static bool TryParseParity(string? text, out System.IO.Ports.Parity parity)
    {
        switch (text?.Trim().ToUpperInvariant())
        {
            case "NONE" or "N": parity = System.IO.Ports.Parity.None; return true;
            case "EVEN" or "E": parity = System.IO.Ports.Parity.Even; return true;
            case "ODD" or "O": parity = System.IO.Ports.Parity.Odd; return true;
            default: parity = default; return false;
        }
    }

    /// <summary>"host", "host:port", "[v6]:port"; the port defaults to 502.</summary>
    public static bool TryParseEndpoint(string? text, out string host, out int port)
    {
        host = "";
        port = DefaultTcpPort;
        var s = text?.Trim() ?? "";
        if (s.Length == 0)
        {
            return false;
        }
        string portText = "";
        if (s[0] == '[')
        {
            var close = s.IndexOf(']', StringComparison.Ordinal);
            if (close < 2)
            {
                return false;
            }
            host = s[1..close];
            var rest = s[(close + 1)..];
            if (rest.Length > 0)
            {
                if (rest[0] != ':')
                {
                    return false;
                }
                portText = rest[1..];
            }
        }
        else
        {
            var colon = s.LastIndexOf(':');
            if (colon >= 0 && s.IndexOf(':', StringComparison.Ordinal) != colon)
            {
                return false; // bare IPv6 needs brackets
            }
            host = colon >= 0 ? s[..colon] : s;
            portText = colon >= 0 ? s[(colon + 1)..] : "";
        }
        if (host.Length == 0 || host.Contains(' ', StringComparison.Ordinal))
        {
            return false;
        }
        if (portText.Length > 0 &&
            (!int.TryParse(portText, NumberStyles.None, CultureInfo.InvariantCulture, out port) || port is < 1 or > 65535))
        {
            return false;
        }
        return true;
    }
}
