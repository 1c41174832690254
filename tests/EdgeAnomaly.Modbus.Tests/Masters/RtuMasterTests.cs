using Microsoft.Extensions.Time.Testing;

namespace EdgeAnomaly.Modbus.Tests.Masters;

public class RtuMasterTests
{
    private const int Baud = 19200;
    private readonly ScriptedSlave _slave = new();

    private (IModbusMaster Master, Links Links) Create(ModbusLinkOptions? options = null, TimeProvider? time = null, Func<ScriptedStream, Func<byte[], byte[]?>>? responder = null)
    {
        var links = new Links(responder ?? (_ => req => _slave.AnswerRtu(req)));
        return (ModbusMasters.CreateRtu(links.OpenAsync, Baud, options ?? Links.Options(), time ?? TimeProvider.System), links);
    }

    [Fact]
    public async Task ReadInputRegisters_WritesRtuFrameWithCrc_ReturnsTheSlavesValues()
    {
        _slave.Input[8] = 0x000A;
        var (master, links) = Create();
        var values = new ushort[1];
        await master.ReadRegistersAsync(0x11, ModbusTable.InputRegister, 8, values, default);
        Assert.Equal(10, values[0]);
        Assert.Equal(Hex.Of(Hex.WithCrc("11 04 00 08 00 01")), Hex.Of(Assert.Single(links.Current.Written)));
        Assert.Equal(1, master.Counters.Responses);
    }

    [Fact]
    public async Task EveryFunctionCode_RoundTripsAgainstTheSlaveImage()
    {
        var (master, _) = Create();
        await master.WriteSingleRegisterAsync(3, 1, 0x1234, default);
        await master.WriteMultipleRegistersAsync(3, 2, new ushort[] { 5, 6 }, default);
        await master.WriteSingleCoilAsync(3, 7, true, default);
        await master.WriteMultipleCoilsAsync(3, 8, new[] { true, true, false, true }, default);
        _slave.Discretes[1] = true;
        _slave.Input[0] = 77;
        var holding = new ushort[3];
        await master.ReadRegistersAsync(3, ModbusTable.HoldingRegister, 1, holding, default);
        Assert.Equal(new ushort[] { 0x1234, 5, 6 }, holding);
        var coils = new bool[5];
        await master.ReadBitsAsync(3, ModbusTable.Coil, 7, coils, default);
        Assert.Equal(new[] { true, true, true, false, true }, coils);
        var discretes = new bool[2];
        await master.ReadBitsAsync(3, ModbusTable.DiscreteInput, 0, discretes, default);
        Assert.Equal(new[] { false, true }, discretes);
        var input = new ushort[1];
        await master.ReadRegistersAsync(3, ModbusTable.InputRegister, 0, input, default);
        Assert.Equal(77, input[0]);
    }

    [Fact]
    public async Task ExceptionResponse_IsTyped()
    {
        var (master, _) = Create();
        var e = await Assert.ThrowsAsync<ModbusSlaveException>(() => master.ReadBitsAsync(1, ModbusTable.Coil, 1999, new bool[2], default).AsTask());
        Assert.Equal(ModbusExceptionCode.IllegalDataAddress, e.Code);
        Assert.Equal(ModbusFunction.ReadCoils, e.Function);
        Assert.Equal(1, master.Counters.SlaveExceptions);
    }

    [Fact]
    public async Task BadCrc_IsAFrameError_NextRequestSucceeds()
    {
        var corrupt = true;
        var (master, _) = Create(responder: _ => req =>
        {
            var answer = _slave.AnswerRtu(req);
            if (corrupt)
            {
                corrupt = false;
                answer[^1] ^= 0xFF;
            }
            return answer;
        });
        var e = await Assert.ThrowsAsync<ModbusFrameException>(() => master.ReadRegistersAsync(1, ModbusTable.HoldingRegister, 0, new ushort[2], default).AsTask());
        Assert.Equal(ModbusFrameError.BadCrc, e.Error);
        _slave.Holding[0] = 5;
        var values = new ushort[2];
        await master.ReadRegistersAsync(1, ModbusTable.HoldingRegister, 0, values, default);
        Assert.Equal(5, values[0]);
        Assert.Equal(1, master.Counters.FrameErrors);
    }

    [Fact]
    public async Task WrongUnitAnswers_IsUnexpectedUnitId()
    {
        var (master, _) = Create(responder: _ => req => _slave.AnswerRtu(req, unit: 2));
        var e = await Assert.ThrowsAsync<ModbusFrameException>(() => master.ReadRegistersAsync(1, ModbusTable.HoldingRegister, 0, new ushort[1], default).AsTask());
        Assert.Equal(ModbusFrameError.UnexpectedUnitId, e.Error);
    }

    [Fact]
    public async Task TruncatedThenSilent_IsATruncatedFrame_AndTheLineResyncs()
    {
        var time = new FakeTimeProvider();
        var truncate = true;
        var (master, links) = Create(Links.Options(timeoutMs: 1000), time, _ => req =>
        {
            var answer = _slave.AnswerRtu(req);
            if (truncate)
            {
                truncate = false;
                return answer[..4];
            }
            return answer;
        });
        var call = master.ReadRegistersAsync(1, ModbusTable.HoldingRegister, 0, new ushort[2], default).AsTask();
        var e = await Assert.ThrowsAsync<ModbusFrameException>(() => time.Drive(call, stepMs: 10));
        Assert.Equal(ModbusFrameError.Truncated, e.Error);
        Assert.Equal(0, master.Counters.Timeouts);
        await time.Drive(master.ReadRegistersAsync(1, ModbusTable.HoldingRegister, 0, new ushort[2], default).AsTask());
        Assert.Equal(1, master.Counters.Responses);
    }

    [Fact]
    public async Task GarbageBeforeTheAnswer_IsAFrameError_TheTailIsDiscardedBeforeTheNextRequest()
    {
        var time = new FakeTimeProvider();
        var garbage = true;
        var (master, links) = Create(Links.Options(gapMs: 20), time, _ => req =>
        {
            var answer = _slave.AnswerRtu(req);
            if (garbage)
            {
                garbage = false;
                return [0x01, 0x7E, 0x33, .. answer];
            }
            return answer;
        });
        var e = await Assert.ThrowsAsync<ModbusFrameException>(() => time.Drive(master.ReadRegistersAsync(1, ModbusTable.HoldingRegister, 0, new ushort[2], default).AsTask()));
        Assert.Equal(ModbusFrameError.UnexpectedFunction, e.Error);
        _slave.Holding[1] = 31;
        var values = new ushort[2];
        await time.Drive(master.ReadRegistersAsync(1, ModbusTable.HoldingRegister, 0, values, default).AsTask());
        Assert.Equal(31, values[1]);
        Assert.True(master.Counters.DiscardedBytes > 0);
    }

    [Fact]
    public async Task SlaveNeverAnswers_TimesOutOnTheInjectedClock()
    {
        var time = new FakeTimeProvider();
        var (master, links) = Create(Links.Options(timeoutMs: 1000), time, _ => _ => null);
        var call = master.ReadRegistersAsync(1, ModbusTable.HoldingRegister, 0, new ushort[1], default).AsTask();
        await FakeTime.Until(() => links.Opened.Count == 1 && links.Current.Written.Count == 1, "request written");
        // 19200 baud: the 8-byte request takes 4.6 ms on the wire; the timeout counts from its end.
        time.Advance(TimeSpan.FromMilliseconds(1000));
        await Task.Delay(50);
        Assert.False(call.IsCompleted);
        time.Advance(TimeSpan.FromMilliseconds(5));
        var e = await Assert.ThrowsAsync<ModbusTimeoutException>(() => call);
        Assert.Equal(1, e.UnitId);
        Assert.Equal(1, master.Counters.Timeouts);
    }

    [Fact]
    public async Task LateAnswerAfterTimeout_IsDiscardedWhileWaitingForAQuietLine()
    {
        var time = new FakeTimeProvider();
        _slave.Holding[0] = 1;
        var silent = true;
        var (master, links) = Create(Links.Options(timeoutMs: 1000, gapMs: 20), time, _ => req => silent ? null : _slave.AnswerRtu(req));
        var first = master.ReadRegistersAsync(1, ModbusTable.HoldingRegister, 0, new ushort[1], default).AsTask();
        await Assert.ThrowsAsync<ModbusTimeoutException>(() => time.Drive(first, stepMs: 10));

        // The late answer to the first request (same unit, function and length) arrives during the gap.
        var late = _slave.AnswerRtu(links.Current.Written.First());
        links.Current.Inject(late);
        silent = false;
        _slave.Holding[0] = 2;
        var values = new ushort[1];
        await time.Drive(master.ReadRegistersAsync(1, ModbusTable.HoldingRegister, 0, values, default).AsTask());
        Assert.Equal(2, values[0]);
        Assert.Equal(late.Length, master.Counters.DiscardedBytes);
    }

    [Fact]
    public async Task MinimumFrameGap_IsKeptOnTheInjectedClock()
    {
        var time = new FakeTimeProvider();
        var (master, links) = Create(Links.Options(gapMs: 20), time);
        await master.ReadRegistersAsync(1, ModbusTable.HoldingRegister, 0, new ushort[1], default);
        var second = master.ReadRegistersAsync(1, ModbusTable.HoldingRegister, 0, new ushort[1], default).AsTask();
        await Task.Delay(50);
        Assert.Single(links.Current.Written);
        time.Advance(TimeSpan.FromMilliseconds(19));
        await Task.Delay(50);
        Assert.Single(links.Current.Written);
        time.Advance(TimeSpan.FromMilliseconds(1));
        await second;
        Assert.Equal(2, links.Current.Written.Count);
    }

    [Fact]
    public async Task Broadcast_ReturnsAfterTheTurnaround_WithoutWaitingForAnAnswer()
    {
        var time = new FakeTimeProvider();
        var (master, links) = Create(Links.Options(), time, _ => _ => null);
        var call = master.WriteSingleRegisterAsync(0, 4, 99, default).AsTask();
        await FakeTime.Until(() => links.Opened.Count == 1 && links.Current.Written.Count == 1, "broadcast written");
        time.Advance(TimeSpan.FromMilliseconds(99));
        await Task.Delay(50);
        Assert.False(call.IsCompleted);
        time.Advance(TimeSpan.FromMilliseconds(10));
        await call;
        Assert.Equal(Hex.Of(Hex.WithCrc("00 06 00 04 00 63")), Hex.Of(links.Current.Written.Single()));
        Assert.Equal(0, master.Counters.Timeouts);
        Assert.Equal(0, master.Counters.Responses);
        Assert.Equal(1, master.Counters.Requests);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(248)]
    [InlineData(255)]
    public async Task UnitsAnRtuBusCannotAddressForAReadOrWrite_ThrowBeforeAnyIo(byte unit)
    {
        var (master, links) = Create();
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => master.ReadRegistersAsync(unit, ModbusTable.HoldingRegister, 0, new ushort[1], default).AsTask());
        if (unit != 0)
        {
            await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => master.WriteSingleCoilAsync(unit, 0, true, default).AsTask());
        }
        Assert.Empty(links.Opened);
    }

    [Fact]
    public async Task DeviceVanishes_TransportErrorUntilItIsBack_ThenTheLinkReopens()
    {
        var (master, links) = Create();
        await master.ReadRegistersAsync(1, ModbusTable.HoldingRegister, 0, new ushort[1], default);
        links.Current.Break();
        links.OpenFailure = new FileNotFoundException("/dev/ttyUSB0 is gone");
        await Assert.ThrowsAsync<ModbusTransportException>(() => master.ReadRegistersAsync(1, ModbusTable.HoldingRegister, 0, new ushort[1], default).AsTask());
        var e = await Assert.ThrowsAsync<ModbusTransportException>(() => master.ReadRegistersAsync(1, ModbusTable.HoldingRegister, 0, new ushort[1], default).AsTask());
        Assert.Contains("gone", e.Message, StringComparison.Ordinal);
        links.OpenFailure = null;
        await master.ReadRegistersAsync(1, ModbusTable.HoldingRegister, 0, new ushort[1], default);
        Assert.Equal(2, links.Opened.Count);
        Assert.Equal(1, master.Counters.Reconnects);
        Assert.Equal(2, master.Counters.TransportErrors);
    }

    [Fact]
    public async Task ReadFailsWhileWaiting_IsATransportError()
    {
        var (master, links) = Create(responder: stream => _ =>
        {
            stream.Break();
            return null;
        });
        await Assert.ThrowsAsync<ModbusTransportException>(() => master.ReadRegistersAsync(1, ModbusTable.HoldingRegister, 0, new ushort[1], default).AsTask());
        Assert.True(links.Current.IsDisposed);
    }

    [Fact]
    public async Task LineThatNeverGoesQuiet_RefusesToSend()
    {
        // Real time: the babble is a byte per read, microseconds apart, against a 100 ms gap.
        var (master, links) = Create(Links.Options(timeoutMs: 500, gapMs: 100), TimeProvider.System, stream => req =>
        {
            // Answer, then babble forever (a second master, or the wrong baud rate).
            stream.Babble = 0x55;
            return _slave.AnswerRtu(req);
        });
        await master.ReadRegistersAsync(1, ModbusTable.HoldingRegister, 0, new ushort[1], default);
        // A test thread descheduled for longer than the gap sees a quiet line that a real one would not have had: the
        // master then sends and rejects the babble as a frame error (never as an answer). Up to three tries for a
        // refusal; a refused try writes nothing.
        ModbusFrameException e = null!;
        var writtenBefore = 0;
        for (var attempt = 0; attempt < 3; attempt++)
        {
            writtenBefore = links.Current.Written.Count;
            e = await Assert.ThrowsAsync<ModbusFrameException>(() => master.ReadRegistersAsync(1, ModbusTable.HoldingRegister, 0, new ushort[1], default).AsTask());
            if (e.Error == ModbusFrameError.LineNotQuiet)
            {
                break;
            }
        }
        Assert.Equal(ModbusFrameError.LineNotQuiet, e.Error);
        Assert.Equal(writtenBefore, links.Current.Written.Count);
        Assert.True(master.Counters.DiscardedBytes > 0);
        await master.DisposeAsync();
    }

    [Fact]
    public async Task RtuOverTcpFactory_RejectsBadEndpoints()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => ModbusMasters.CreateRtuOverTcp("localhost", 0, new ModbusLinkOptions(), TimeProvider.System));
        Assert.Throws<ArgumentException>(() => ModbusMasters.CreateTcp(" ", 502, new ModbusLinkOptions(), TimeProvider.System));
        var e = Assert.Throws<ArgumentException>(() => ModbusMasters.CreateRtu(new SerialLinkSettings("/dev/ttyS0", BaudRate: 0), new ModbusLinkOptions(), TimeProvider.System));
        Assert.Contains("Serial:BaudRate", e.Message, StringComparison.Ordinal);
        var o = new ModbusLinkOptions { Timeout = TimeSpan.Zero };
        Assert.Contains("Modbus:Timeout", Assert.Throws<ArgumentException>(() => ModbusMasters.CreateTcp("h", 502, o, TimeProvider.System)).Message, StringComparison.Ordinal);
        await Task.CompletedTask;
    }
}
