using EdgeAnomaly.Devices.Modbus;
using EdgeAnomaly.Modbus;
using Microsoft.Extensions.Logging;

namespace EdgeAnomaly.Runtime.Sources;

/// <summary>Opens the real master of a link: TCP, RTU on a serial port, or RTU frames over TCP.</summary>
public sealed class GatewayModbusMasterFactory(TimeProvider time, ILoggerFactory loggers) : IModbusMasterFactory
{
    public IModbusMaster Create(ModbusLinkSpec link)
    {
        var options = new ModbusLinkOptions { Timeout = link.Timeout, MinimumFrameGap = link.MinimumFrameGap };
        var log = loggers.CreateLogger("EdgeAnomaly.Modbus");
        return link.Kind switch
        {
            ModbusLinkKind.Tcp => ModbusMasters.CreateTcp(link.Host, link.Port, options, time, log),
            ModbusLinkKind.RtuOverTcp => ModbusMasters.CreateRtuOverTcp(link.Host, link.Port, options, time, log),
            _ => ModbusMasters.CreateRtu(new SerialLinkSettings(link.SerialPort, link.BaudRate, link.Parity, link.DataBits, link.StopBits),
                options, time, log),
        };
    }
}

/// <summary>The poll scheduler's device states as health entries.</summary>
public sealed class ModbusSourceStatus(ModbusPollScheduler scheduler) : ILocalSourceStatus
{
    public void Collect(List<LocalDeviceHealth> into)
    {
        foreach (var d in scheduler.GetStatus().Devices)
        {
            into.Add(new LocalDeviceHealth(d.Name, LocalSourceKind.Modbus, FormattableString.Invariant($"{d.Link} unit {d.UnitId}"),
                d.State == DeviceState.Degraded, d.Requests, d.Timeouts,
                d.SlaveExceptions + d.FrameErrors + d.TransportErrors + d.DecodeErrors));
        }
    }
}
