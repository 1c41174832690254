using System.IO.Ports;

namespace EdgeAnomaly.Modbus.Tests.Integration;

/// <summary>The serial link disappears under a running RTU master (socat killed) and comes back (socat restarted).</summary>
[Collection(PymodbusCollection.Name)]
public sealed class SerialPortVanishesTests
{
    [Fact]
    public async Task SerialLinkVanishes_TransportErrors_ThenTheMasterReopensWhenItIsBack()
    {
        var image = RegisterImage.Create(7, 1);
        await using var server = await PymodbusServer.StartAsync(image, serial: true);
        await using var master = ModbusMasters.CreateRtu(
            new SerialLinkSettings(server.SerialDevice, Parity: Parity.None),
            new ModbusLinkOptions { Timeout = TimeSpan.FromSeconds(2) },
            TimeProvider.System);
        var values = new ushort[4];
        await master.ReadRegistersAsync(1, ModbusTable.HoldingRegister, 10, values, default);
        Assert.Equal(image.Units[1].Holding[10..14], values);

        await server.UnplugSerialAsync();
        for (var i = 0; i < 3; i++)
        {
            var e = await Assert.ThrowsAsync<ModbusTransportException>(() =>
                master.ReadRegistersAsync(1, ModbusTable.HoldingRegister, 10, values, default).AsTask());
            Assert.Contains(server.SerialDevice, e.Message, StringComparison.Ordinal);
        }
        Assert.Equal(3, master.Counters.TransportErrors);

        await server.ReplugSerialAsync();
        // pymodbus reopens its end on its own schedule; until then our requests may time out.
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            try
            {
                Array.Clear(values);
                await master.ReadRegistersAsync(1, ModbusTable.HoldingRegister, 10, values, default);
                break;
            }
            catch (ModbusException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(100);
            }
        }
        Assert.Equal(image.Units[1].Holding[10..14], values);
        Assert.True(master.Counters.Reconnects >= 1);
    }
}
