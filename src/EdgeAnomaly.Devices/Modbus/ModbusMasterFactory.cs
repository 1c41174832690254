using EdgeAnomaly.Modbus;
using Microsoft.Extensions.Logging;

namespace EdgeAnomaly.Devices.Modbus;

/// <summary>The real masters of EdgeAnomaly.Modbus: TCP, RTU on a serial port, RTU over TCP. Nothing opens until the first request.</summary>
public sealed class ModbusMasterFactory(TimeProvider time, ILogger? logger = null) : IModbusMasterFactory
{
    public IModbusMaster Create(ModbusLinkSpec link)
    {
        ArgumentNullException.ThrowIfNull(link);
        var options = new ModbusLinkOptions { Timeout = link.Timeout, MinimumFrameGap = link.MinimumFrameGap };
        return link.Kind switch
        {
            ModbusLinkKind.Tcp => ModbusMasters.CreateTcp(link.Host, link.Port, options, time, logger),
            ModbusLinkKind.RtuOverTcp => ModbusMasters.CreateRtuOverTcp(link.Host, link.Port, options, time, logger),
            _ => ModbusMasters.CreateRtu(new SerialLinkSettings(link.SerialPort, link.BaudRate, link.Parity, link.DataBits, link.StopBits),
                options, time, logger),
        };
    }
}
