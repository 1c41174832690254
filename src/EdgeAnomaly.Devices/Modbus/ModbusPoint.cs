using EdgeAnomaly.Modbus;

namespace EdgeAnomaly.Devices.Modbus;

/// <summary>
/// One tag of a device's register map, resolved: protocol address, width in registers (or 1 bit), how to decode.
/// <see cref="Index"/> is the tag's position in the device's Tags list.
/// </summary>
public readonly record struct ModbusPoint(
    int Index,
    int TagId,
    ModbusTable Table,
    ushort Address,
    int Count,
    ModbusDataType Type,
    ByteOrder Order,
    int Bit = 0,
    double Scale = 1,
    double Offset = 0)
{
    /// <summary>First address after the value.</summary>
    public int End => Address + Count;

    /// <summary>True when the two points cover some of the same registers or bits.</summary>
    public bool Overlaps(in ModbusPoint other) =>
        Table == other.Table && Address < other.End && other.Address < End;

    /// <summary>Same registers decoded the same way (scale and offset may differ).</summary>
    public bool SameLayout(in ModbusPoint other) =>
        Table == other.Table && Address == other.Address && Count == other.Count && Type == other.Type &&
        (Count == 1 || Order == other.Order);
}

public enum ModbusLinkKind
{
    Tcp,
    Rtu,
    RtuOverTcp,
}

/// <summary>
/// One physical link: a TCP endpoint or one serial bus. All devices with the same <see cref="Key"/> share one
/// master, so transactions on a bus never overlap.
/// </summary>
public sealed record ModbusLinkSpec(
    ModbusLinkKind Kind,
    string Host,
    int Port,
    string SerialPort,
    int BaudRate,
    System.IO.Ports.Parity Parity,
    System.IO.Ports.StopBits StopBits,
    int DataBits,
    TimeSpan Timeout,
    TimeSpan MinimumFrameGap)
{
    /// <summary>"tcp:host:port", "rtu:/dev/ttyUSB0" or "rtu-over-tcp:host:port".</summary>
    public string Key => Kind switch
    {
        ModbusLinkKind.Tcp => $"tcp:{Host}:{Port}",
        ModbusLinkKind.Rtu => $"rtu:{SerialPort}",
        _ => $"rtu-over-tcp:{Host}:{Port}",
    };

    /// <summary>True for links that carry RTU frames and therefore keep the minimum frame gap.</summary>
    public bool IsRtu => Kind != ModbusLinkKind.Tcp;
}

/// <summary>A device whose options validated: its link, resolved tags, and its plan per poll group.</summary>
public sealed class CompiledModbusDevice
{
    internal CompiledModbusDevice(ModbusDeviceOptions options, ModbusLinkSpec link, byte unitId, ModbusPoint[] points,
        ModbusGroupPlan[] groups)
    {
        Options = options;
        Link = link;
        UnitId = unitId;
        Points = points;
        Groups = groups;
    }

    public ModbusDeviceOptions Options { get; }

    public string Name => Options.Name;

    public ModbusLinkSpec Link { get; internal set; }

    public byte UnitId { get; }

    public ModbusPoint[] Points { get; }

    public ModbusGroupPlan[] Groups { get; }

    /// <summary>Read requests in one cycle of every group (the "minimal coalesced count" per group summed).</summary>
    public int RequestsPerCycle
    {
        get
        {
            var n = 0;
            foreach (var g in Groups)
            {
                n += g.Requests.Length;
            }
            return n;
        }
    }
}
