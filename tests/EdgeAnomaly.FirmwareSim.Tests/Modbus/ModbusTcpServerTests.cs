using System.Net;
using System.Net.Sockets;
using EdgeAnomaly.FirmwareSim.Modbus;
using EdgeAnomaly.TestSupport;

namespace EdgeAnomaly.FirmwareSim.Tests.Modbus;

/// <summary>The TCP server against a raw socket client: framing, ids, unit routing, faults, bad clients.</summary>
public class ModbusTcpServerTests
{
    private static readonly byte[] ReadCurrent = [0x04, 0x00, 0x00, 0x00, 0x02];

    [Fact]
    public async Task Request_EchoesTransactionAndUnit_AndRoutesByUnit()
    {
        await using var host = SimHost.Frozen(1, 2, 3);
        host.StartTcp();
        using var client = await RawTcpClient.ConnectAsync(host.Port);

        await client.SendAsync(RawTcpClient.Request(0xBEEF, 3, ReadCurrent));
        var response = await client.ReceiveAsync();

        Assert.NotNull(response);
        Assert.Equal(0xBEEF, response.Value.TransactionId);
        Assert.Equal(3, response.Value.Unit);
        Assert.Equal(Convert.FromHexString("0404412C0000"), response.Value.Pdu);   // 10.75 A
    }

    [Fact]
    public async Task PipelinedRequests_AreAnsweredInOrder()
    {
        await using var host = SimHost.Frozen(1, 2);
        host.StartTcp();
        using var client = await RawTcpClient.ConnectAsync(host.Port);

        await client.SendAsync([.. RawTcpClient.Request(1, 1, ReadCurrent), .. RawTcpClient.Request(2, 2, ReadCurrent), .. RawTcpClient.Request(3, 1, 0x2B)]);

        Assert.Equal((ushort)1, (await client.ReceiveAsync())!.Value.TransactionId);
        Assert.Equal((ushort)2, (await client.ReceiveAsync())!.Value.TransactionId);
        var third = (await client.ReceiveAsync())!.Value;
        Assert.Equal((ushort)3, third.TransactionId);
        Assert.Equal(new byte[] { 0xAB, 0x01 }, third.Pdu);
    }

    [Fact]
    public async Task ManyConcurrentConnections_EachGetTheirOwnAnswers()
    {
        await using var host = SimHost.Frozen(1, 2, 3, 4);
        host.StartTcp();

        var clients = Enumerable.Range(0, 20).Select(async c =>
        {
            using var client = await RawTcpClient.ConnectAsync(host.Port);
            for (var i = 0; i < 50; i++)
            {
                var transaction = (ushort)(c * 1000 + i);
                var unit = (byte)(1 + (i + c) % 4);
                await client.SendAsync(RawTcpClient.Request(transaction, unit, ReadCurrent));
                var response = (await client.ReceiveAsync())!.Value;
                Assert.Equal(transaction, response.TransactionId);
                Assert.Equal(unit, response.Unit);
                var current = RegisterEncodingFromPdu(response.Pdu);
                Assert.Equal(10f + unit * 0.25f, current);
            }
        });
        await Task.WhenAll(clients);

        // The counter moves just after the write that the client may already have read.
        await Eventually.True(() => host.Simulator.Counters.Responses == 1000, TimeSpan.FromSeconds(30), "every answer is counted");
        Assert.Equal(20, host.Simulator.Counters.Connections);
    }

    private static float RegisterEncodingFromPdu(byte[] pdu) =>
        RegisterEncoding.ReadFloat32([(ushort)(pdu[2] << 8 | pdu[3]), (ushort)(pdu[4] << 8 | pdu[5])], RegisterByteOrder.ABCD);

    [Fact]
    public async Task UnknownUnit_IsIgnored_OrAnswered0x0B_ByOption()
    {
        await using var host = SimHost.Frozen(1);
        host.StartTcp();
        host.StartTcp(answerUnknownUnit: true);
        using var silent = await RawTcpClient.ConnectAsync(host.TcpServers[0].LocalEndpoint.Port);
        using var answering = await RawTcpClient.ConnectAsync(host.TcpServers[1].LocalEndpoint.Port);

        await silent.SendAsync([.. RawTcpClient.Request(7, 9, ReadCurrent), .. RawTcpClient.Request(8, 1, ReadCurrent)]);
        await answering.SendAsync(RawTcpClient.Request(9, 9, ReadCurrent));

        // The first answer on the silent listener is the one for unit 1: unit 9 got none.
        Assert.Equal((ushort)8, (await silent.ReceiveAsync())!.Value.TransactionId);
        var answer = (await answering.ReceiveAsync())!.Value;
        Assert.Equal(new byte[] { 0x84, 0x0B }, answer.Pdu);
        Assert.Equal(2, host.Simulator.Counters.Ignored);
    }

    [Fact]
    public async Task UnitZeroAnd255_AddressThePerUnitListenersUnit()
    {
        await using var host = SimHost.Frozen(1, 2);
        host.StartTcp(onlyUnit: 2);
        using var client = await RawTcpClient.ConnectAsync(host.Port);

        await client.SendAsync([.. RawTcpClient.Request(1, 0, ReadCurrent), .. RawTcpClient.Request(2, 255, ReadCurrent), .. RawTcpClient.Request(3, 1, ReadCurrent), .. RawTcpClient.Request(4, 2, ReadCurrent)]);

        Assert.Equal(10.5f, RegisterEncodingFromPdu((await client.ReceiveAsync())!.Value.Pdu));
        Assert.Equal(10.5f, RegisterEncodingFromPdu((await client.ReceiveAsync())!.Value.Pdu));
        Assert.Equal((ushort)4, (await client.ReceiveAsync())!.Value.TransactionId);   // unit 1 is not on this listener
    }

    [Fact]
    public async Task MalformedHeader_ClosesThatConnection_OthersAndNewOnesAreServed()
    {
        await using var host = SimHost.Frozen(1);
        host.StartTcp();
        using var good = await RawTcpClient.ConnectAsync(host.Port);
        using var bad = await RawTcpClient.ConnectAsync(host.Port);

        await bad.SendAsync([0x00, 0x01, 0x12, 0x34, 0x00, 0x06, 0x01, 0x03, 0x00, 0x00, 0x00, 0x01]);   // protocol id 0x1234
        Assert.True(await bad.ClosedByServerAsync(TimeSpan.FromSeconds(30)));
        using var zeroLength = await RawTcpClient.ConnectAsync(host.Port);
        await zeroLength.SendAsync([0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x01]);
        Assert.True(await zeroLength.ClosedByServerAsync(TimeSpan.FromSeconds(30)));

        await good.SendAsync(RawTcpClient.Request(5, 1, ReadCurrent));
        Assert.Equal((ushort)5, (await good.ReceiveAsync())!.Value.TransactionId);
        using var later = await RawTcpClient.ConnectAsync(host.Port);
        await later.SendAsync(RawTcpClient.Request(6, 1, ReadCurrent));
        Assert.Equal((ushort)6, (await later.ReceiveAsync())!.Value.TransactionId);
        Assert.Equal(2, host.Simulator.Counters.Malformed);
    }

    [Fact]
    public async Task ClientsThatVanishMidRequest_DoNotStopTheServer()
    {
        await using var host = SimHost.Frozen(1);
        host.StartTcp();
        for (var i = 0; i < 20; i++)
        {
            using var client = await RawTcpClient.ConnectAsync(host.Port);
            var request = RawTcpClient.Request(1, 1, ReadCurrent);
            await client.SendAsync(request[..(i % request.Length)]);
            client.Stream.Socket.LingerState = new LingerOption(true, 0);   // RST instead of FIN for some
        }

        using var survivor = await RawTcpClient.ConnectAsync(host.Port);
        await survivor.SendAsync(RawTcpClient.Request(77, 1, ReadCurrent));
        Assert.Equal((ushort)77, (await survivor.ReceiveAsync())!.Value.TransactionId);
        await Eventually.True(() => host.TcpServers[0].ActiveConnections == 1, TimeSpan.FromSeconds(30), "vanished clients are cleaned up");
    }

    [Fact]
    public async Task CorruptFault_WrongTransactionId_ThenRecovers()
    {
        await using var host = SimHost.Create(new ModbusSimulatorOptions { Freeze = true, Faults = [ModbusFaultSpec.Parse("corrupt:1@1+1")] });
        host.StartTcp();
        using var client = await RawTcpClient.ConnectAsync(host.Port);
        host.Advance(TimeSpan.FromSeconds(1));

        await client.SendAsync(RawTcpClient.Request(100, 1, ReadCurrent));
        Assert.Equal((ushort)101, (await client.ReceiveAsync())!.Value.TransactionId);

        host.Advance(TimeSpan.FromSeconds(1));
        await client.SendAsync(RawTcpClient.Request(200, 1, ReadCurrent));
        Assert.Equal((ushort)200, (await client.ReceiveAsync())!.Value.TransactionId);
    }

    [Fact]
    public async Task DelayFault_LateAnswer_OtherUnitsOnTheSameConnectionAreAnsweredMeanwhile()
    {
        await using var host = SimHost.Create(new ModbusSimulatorOptions { Units = [1, 2], Freeze = true, Faults = [ModbusFaultSpec.Parse("delay:1@1+10:1500")] });
        host.StartTcp();
        using var client = await RawTcpClient.ConnectAsync(host.Port);
        host.Advance(TimeSpan.FromSeconds(1));
        var sent = System.Diagnostics.Stopwatch.StartNew();

        await client.SendAsync([.. RawTcpClient.Request(1, 1, ReadCurrent), .. RawTcpClient.Request(2, 2, ReadCurrent)]);

        var first = (await client.ReceiveAsync())!.Value;
        var second = (await client.ReceiveAsync())!.Value;
        Assert.Equal(((ushort)2, (byte)2), (first.TransactionId, first.Unit));
        Assert.Equal(((ushort)1, (byte)1), (second.TransactionId, second.Unit));
        Assert.True(sent.ElapsedMilliseconds >= 1400, $"late answer after {sent.ElapsedMilliseconds} ms");
        Assert.Equal(10.25f, RegisterEncodingFromPdu(second.Pdu));
    }

    [Fact]
    public async Task DropFault_SharedListener_ClosesConnectionsOfThatUnit_OtherUnitsKeepTheirs()
    {
        await using var host = SimHost.Create(new ModbusSimulatorOptions { Units = [1, 2], Freeze = true, Faults = [ModbusFaultSpec.Parse("drop:1@1+1")] });
        host.StartTcp();
        using var one = await RawTcpClient.ConnectAsync(host.Port);
        using var two = await RawTcpClient.ConnectAsync(host.Port);
        await one.SendAsync(RawTcpClient.Request(1, 1, ReadCurrent));
        await two.SendAsync(RawTcpClient.Request(1, 2, ReadCurrent));
        Assert.NotNull(await one.ReceiveAsync());
        Assert.NotNull(await two.ReceiveAsync());

        host.Advance(TimeSpan.FromSeconds(1));

        Assert.True(await one.ClosedByServerAsync(TimeSpan.FromSeconds(30)));
        await two.SendAsync(RawTcpClient.Request(2, 2, ReadCurrent));
        Assert.Equal((ushort)2, (await two.ReceiveAsync())!.Value.TransactionId);
        using var again = await RawTcpClient.ConnectAsync(host.Port);
        await again.SendAsync(RawTcpClient.Request(3, 1, ReadCurrent));
        Assert.True(await again.ClosedByServerAsync(TimeSpan.FromSeconds(30)));

        host.Advance(TimeSpan.FromSeconds(1));
        using var after = await RawTcpClient.ConnectAsync(host.Port);
        await after.SendAsync(RawTcpClient.Request(4, 1, ReadCurrent));
        Assert.Equal((ushort)4, (await after.ReceiveAsync())!.Value.TransactionId);
    }

    [Fact]
    public async Task DropFault_PerUnitListener_RefusesConnects_ThenListensAgainOnTheSamePort()
    {
        await using var host = SimHost.Create(new ModbusSimulatorOptions { Units = [1, 2], Freeze = true, Faults = [ModbusFaultSpec.Parse("drop:1@1+1")] });
        var server = host.StartTcp(onlyUnit: 1);
        var port = server.LocalEndpoint.Port;
        using var before = await RawTcpClient.ConnectAsync(port);

        host.Advance(TimeSpan.FromSeconds(1));

        Assert.True(await before.ClosedByServerAsync(TimeSpan.FromSeconds(30)));
        await Eventually.True(() => !CanConnect(port), TimeSpan.FromSeconds(30), "the listener is closed during the drop");

        host.Advance(TimeSpan.FromSeconds(1));

        await Eventually.True(() => CanConnect(port), TimeSpan.FromSeconds(30), "the listener is back after the drop");
        using var after = await RawTcpClient.ConnectAsync(port);
        await after.SendAsync(RawTcpClient.Request(9, 1, ReadCurrent));
        Assert.Equal((ushort)9, (await after.ReceiveAsync())!.Value.TransactionId);
    }

    private static bool CanConnect(int port)
    {
        try
        {
            using var client = new TcpClient();
            client.Connect(IPAddress.Loopback, port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
