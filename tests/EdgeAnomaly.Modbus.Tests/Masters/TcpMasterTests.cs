using Microsoft.Extensions.Time.Testing;

namespace EdgeAnomaly.Modbus.Tests.Masters;

public class TcpMasterTests
{
    private readonly ScriptedSlave _slave = new();

    private (IModbusMaster Master, Links Links) Create(ModbusLinkOptions? options = null, TimeProvider? time = null, Func<ScriptedStream, Func<byte[], byte[]?>>? responder = null)
    {
        var links = new Links(responder ?? (_ => _slave.AnswerTcp));
        return (ModbusMasters.CreateTcp(links.OpenAsync, options ?? Links.Options(), time ?? TimeProvider.System), links);
    }

    [Fact]
    public async Task ReadHoldingRegisters_WritesMbapRequest_ReturnsTheSlavesValues()
    {
        _slave.Holding[107] = 555;
        _slave.Holding[109] = 100;
        var (master, links) = Create();
        var values = new ushort[3];
        await master.ReadRegistersAsync(17, ModbusTable.HoldingRegister, 107, values, default);
        Assert.Equal(new ushort[] { 555, 0, 100 }, values);
        Assert.Equal("00010000000611" + "03006B0003", Hex.Of(Assert.Single(links.Current.Written)));
        Assert.Equal(1, master.Counters.Requests);
        Assert.Equal(1, master.Counters.Responses);
        Assert.Equal(0, master.Counters.Reconnects);
    }

    [Fact]
    public async Task EveryFunctionCode_RoundTripsAgainstTheSlaveImage()
    {
        var (master, _) = Create();
        await master.WriteSingleRegisterAsync(1, 10, 0xBEEF, default);
        await master.WriteMultipleRegistersAsync(1, 20, new ushort[] { 1, 2, 3, 65535 }, default);
        await master.WriteSingleCoilAsync(1, 5, true, default);
        bool[] pattern = [true, false, true, true, false, false, true, true, true];
        await master.WriteMultipleCoilsAsync(1, 100, pattern, default);
        _slave.Input[7] = 4242;
        _slave.Discretes[3] = true;

        var holding = new ushort[14];
        await master.ReadRegistersAsync(1, ModbusTable.HoldingRegister, 10, holding, default);
        Assert.Equal(0xBEEF, holding[0]);
        Assert.Equal(new ushort[] { 1, 2, 3, 65535 }, holding[10..14]);
        var input = new ushort[1];
        await master.ReadRegistersAsync(1, ModbusTable.InputRegister, 7, input, default);
        Assert.Equal(4242, input[0]);
        var coils = new bool[9];
        await master.ReadBitsAsync(1, ModbusTable.Coil, 100, coils, default);
        Assert.Equal(pattern, coils);
        var single = new bool[1];
        await master.ReadBitsAsync(1, ModbusTable.Coil, 5, single, default);
        Assert.True(single[0]);
        var discretes = new bool[5];
        await master.ReadBitsAsync(1, ModbusTable.DiscreteInput, 0, discretes, default);
        Assert.Equal(new[] { false, false, false, true, false }, discretes);
        Assert.Equal(9, master.Counters.Responses);
    }

    [Fact]
    public async Task ExceptionResponse_IsTypedAndCounted_ConnectionKept()
    {
        var (master, links) = Create();
        var e = await Assert.ThrowsAsync<ModbusSlaveException>(() =>
            master.ReadRegistersAsync(1, ModbusTable.HoldingRegister, 999, new ushort[5], default).AsTask());
        Assert.Equal(ModbusExceptionCode.IllegalDataAddress, e.Code);
        Assert.Equal(1, master.Counters.SlaveExceptions);
        await master.ReadRegistersAsync(1, ModbusTable.HoldingRegister, 0, new ushort[5], default);
        Assert.Single(links.Opened);
    }

    [Fact]
    public async Task RequestLimits_ThrowBeforeAnyIo()
    {
        var (master, links) = Create();
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => master.ReadRegistersAsync(1, ModbusTable.HoldingRegister, 0, new ushort[126], default).AsTask());
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => master.ReadBitsAsync(1, ModbusTable.Coil, 0, new bool[2001], default).AsTask());
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => master.WriteMultipleRegistersAsync(1, 0, new ushort[124], default).AsTask());
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => master.WriteMultipleCoilsAsync(1, 0, new bool[1969], default).AsTask());
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => master.ReadRegistersAsync(1, ModbusTable.HoldingRegister, 0, Memory<ushort>.Empty, default).AsTask());
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => master.ReadRegistersAsync(1, ModbusTable.Coil, 0, new ushort[1], default).AsTask());
        Assert.Empty(links.Opened);
        Assert.Equal(0, master.Counters.Requests);
    }

    [Fact]
    public async Task WrongUnitId_IsAFrameError_AndTheConnectionStays()
    {
        var (master, links) = Create(responder: _ => req =>
        {
            var answer = _slave.AnswerTcp(req);
            answer[6] = 99;
            return answer;
        });
        var e = await Assert.ThrowsAsync<ModbusFrameException>(() => master.ReadRegistersAsync(1, ModbusTable.HoldingRegister, 0, new ushort[2], default).AsTask());
        Assert.Equal(ModbusFrameError.UnexpectedUnitId, e.Error);
        Assert.Equal(1, master.Counters.FrameErrors);
        Assert.Single(links.Opened);
        Assert.False(links.Current.IsDisposed);
    }

    [Fact]
    public async Task LateAnswerAfterTimeout_IsDiscardedByTransactionId_NeverTakenForTheNextAnswer()
    {
        var time = new FakeTimeProvider();
        _slave.Holding[0] = 1111;
        var silentOnce = true;
        var (master, links) = Create(Links.Options(timeoutMs: 1000), time, _ => req =>
        {
            if (silentOnce)
            {
                silentOnce = false;
                return null;
            }
            return _slave.AnswerTcp(req);
        });
        var first = master.ReadRegistersAsync(1, ModbusTable.HoldingRegister, 0, new ushort[1], default).AsTask();
        await FakeTime.Until(() => links.Opened.Count == 1 && links.Current.Written.Count == 1, "first request written");
        time.Advance(TimeSpan.FromMilliseconds(1000));
        await Assert.ThrowsAsync<ModbusTimeoutException>(() => first);
        Assert.Equal(1, master.Counters.Timeouts);

        // The slave answers the first request late, with a different value, just before the second answer.
        _slave.Holding[0] = 2222;
        var late = _slave.AnswerTcp(links.Current.Written.First());
        late[9] = 0x99;
        links.Current.Inject(late);
        var values = new ushort[1];
        await master.ReadRegistersAsync(1, ModbusTable.HoldingRegister, 0, values, default);
        Assert.Equal(2222, values[0]);
        Assert.Equal(1, master.Counters.DiscardedFrames);
        Assert.Single(links.Opened);
    }

    [Fact]
    public async Task LateAnswerSplitAcrossTheTimeout_IsStillDiscardedWhole()
    {
        var time = new FakeTimeProvider();
        var call = 0;
        var (master, links) = Create(Links.Options(timeoutMs: 1000), time, stream => req =>
        {
            var answer = _slave.AnswerTcp(req);
            if (++call == 1)
            {
                stream.Inject(answer[..5]);
                return null;
            }
            return answer;
        });
        var first = master.ReadRegistersAsync(1, ModbusTable.HoldingRegister, 0, new ushort[3], default).AsTask();
        await FakeTime.Until(() => links.Opened.Count == 1 && links.Current.Written.Count == 1, "first request written");
        await Task.Delay(20);
        time.Advance(TimeSpan.FromMilliseconds(1000));
        await Assert.ThrowsAsync<ModbusTimeoutException>(() => first);
        var rest = _slave.AnswerTcp(links.Current.Written.First())[5..];
        links.Current.Inject(rest);
        _slave.Holding[0] = 7;
        var values = new ushort[3];
        await master.ReadRegistersAsync(1, ModbusTable.HoldingRegister, 0, values, default);
        Assert.Equal(7, values[0]);
        Assert.Equal(1, master.Counters.DiscardedFrames);
    }

    [Fact]
    public async Task ConsecutiveTimeouts_DropTheConnection_NextCallReconnects()
    {
        var time = new FakeTimeProvider();
        var answer = false;
        var options = Links.Options(timeoutMs: 1000);
        options.TcpTimeoutsBeforeReconnect = 2;
        var (master, links) = Create(options, time, _ => req => answer ? _slave.AnswerTcp(req) : null);
        for (var i = 1; i <= 2; i++)
        {
            var call = master.ReadRegistersAsync(1, ModbusTable.InputRegister, 0, new ushort[1], default).AsTask();
            var n = i;
            await FakeTime.Until(() => links.Opened.Count == 1 && links.Current.Written.Count == n, "request written");
            time.Advance(TimeSpan.FromMilliseconds(1000));
            await Assert.ThrowsAsync<ModbusTimeoutException>(() => call);
        }
        Assert.True(links.Current.IsDisposed);
        answer = true;
        await master.ReadRegistersAsync(1, ModbusTable.InputRegister, 0, new ushort[1], default);
        Assert.Equal(2, links.Opened.Count);
        Assert.Equal(1, master.Counters.Reconnects);
        Assert.Equal(2, master.Counters.Timeouts);
    }

    [Fact]
    public async Task OnlyForeignTransactionIds_EndInATimeout()
    {
        var time = new FakeTimeProvider();
        var (master, links) = Create(Links.Options(timeoutMs: 1000), time, _ => req =>
        {
            var answer = _slave.AnswerTcp(req);
            answer[1] ^= 0x55;
            return answer;
        });
        var call = master.ReadRegistersAsync(1, ModbusTable.HoldingRegister, 0, new ushort[1], default).AsTask();
        await FakeTime.Until(() => master.Counters.DiscardedFrames == 1, "foreign answer discarded");
        time.Advance(TimeSpan.FromMilliseconds(1000));
        await Assert.ThrowsAsync<ModbusTimeoutException>(() => call);
        Assert.Single(links.Opened);
    }

    [Theory]
    [InlineData("00 01 00 07 00 05 01 03 02 00 01")]   // protocol id 7
    [InlineData("00 01 00 00 03 00 01 03 02 00 01")]   // length 768
    [InlineData("00 01 00 00 00 00 01 03 02 00 01")]   // length 0
    public async Task HeaderThatCannotBeModbus_DropsTheConnection_NextCallReconnects(string garbage)
    {
        var first = true;
        var (master, links) = Create(responder: _ => req =>
        {
            if (first)
            {
                first = false;
                return Hex.Bytes(garbage);
            }
            return _slave.AnswerTcp(req);
        });
        var e = await Assert.ThrowsAsync<ModbusFrameException>(() => master.ReadRegistersAsync(1, ModbusTable.HoldingRegister, 0, new ushort[1], default).AsTask());
        Assert.True(e.Error is ModbusFrameError.BadProtocolId or ModbusFrameError.BadLength);
        Assert.True(links.Current.IsDisposed);
        await master.ReadRegistersAsync(1, ModbusTable.HoldingRegister, 0, new ushort[1], default);
        Assert.Equal(1, master.Counters.Reconnects);
        Assert.Equal(1, master.Counters.FrameErrors);
    }

    [Fact]
    public async Task PeerClosesTheConnection_TransportError_ThenReconnects()
    {
        var first = true;
        var (master, links) = Create(responder: stream => req =>
        {
            if (first)
            {
                first = false;
                stream.EndOfStream();
                return null;
            }
            return _slave.AnswerTcp(req);
        });
        await Assert.ThrowsAsync<ModbusTransportException>(() => master.ReadRegistersAsync(1, ModbusTable.HoldingRegister, 0, new ushort[1], default).AsTask());
        Assert.Equal(1, master.Counters.TransportErrors);
        await master.ReadRegistersAsync(1, ModbusTable.HoldingRegister, 0, new ushort[1], default);
        Assert.Equal(2, links.Opened.Count);
        Assert.Equal(1, master.Counters.Reconnects);
    }

    [Fact]
    public async Task ConnectionRefused_IsATransportError_UntilThePeerIsBack()
    {
        var (master, links) = Create();
        links.OpenFailure = new System.Net.Sockets.SocketException(111);
        for (var i = 0; i < 3; i++)
        {
            await Assert.ThrowsAsync<ModbusTransportException>(() => master.WriteSingleCoilAsync(1, 0, true, default).AsTask());
        }
        Assert.Equal(3, master.Counters.TransportErrors);
        links.OpenFailure = null;
        await master.WriteSingleCoilAsync(1, 0, true, default);
        Assert.True(_slave.Coils[0]);
    }

    [Fact]
    public async Task ConnectThatHangs_TimesOutAsATransportError()
    {
        var time = new FakeTimeProvider();
        var options = Links.Options();
        options.ConnectTimeout = TimeSpan.FromSeconds(3);
        var master = ModbusMasters.CreateTcp(async ct =>
        {
            await Task.Delay(Timeout.Infinite, ct);
            return new ScriptedStream();
        }, options, time);
        var call = master.ReadRegistersAsync(1, ModbusTable.HoldingRegister, 0, new ushort[1], default).AsTask();
        await Task.Delay(20);
        Assert.False(call.IsCompleted);
        time.Advance(TimeSpan.FromSeconds(3));
        var e = await Assert.ThrowsAsync<ModbusTransportException>(() => call);
        Assert.Contains("not open within 3000 ms", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnswerArrivingByteByByte_IsAssembled()
    {
        _slave.Holding[3] = 0x0102;
        var (master, _) = Create(responder: stream => req =>
        {
            foreach (var b in _slave.AnswerTcp(req))
            {
                stream.Inject([b]);
            }
            return null;
        });
        var values = new ushort[1];
        await master.ReadRegistersAsync(1, ModbusTable.HoldingRegister, 3, values, default);
        Assert.Equal(0x0102, values[0]);
    }

    [Fact]
    public async Task ConcurrentCallers_AreSerialised_EachGetsItsOwnAnswer()
    {
        for (var i = 0; i < 100; i++)
        {
            _slave.Holding[i] = (ushort)(i * 3);
        }
        var inFlight = 0;
        var overlapped = false;
        ScriptedStream? link = null;
        var (master, _) = Create(responder: stream => req =>
        {
            link = stream;
            if (Interlocked.Increment(ref inFlight) > 1)
            {
                overlapped = true;
            }
            var answer = _slave.AnswerTcp(req);
            // Answer from another thread a moment later, like a device would.
            _ = Task.Run(async () =>
            {
                await Task.Delay(1);
                Interlocked.Decrement(ref inFlight);
                stream.Inject(answer);
            });
            return null;
        });
        var calls = Enumerable.Range(0, 100).Select(async i =>
        {
            var value = new ushort[1];
            await master.ReadRegistersAsync(1, ModbusTable.HoldingRegister, (ushort)i, value, default);
            return (i, value[0]);
        }).ToArray();
        foreach (var (i, value) in await Task.WhenAll(calls))
        {
            Assert.Equal(i * 3, value);
        }
        Assert.False(overlapped, "a request went out before the previous answer");
        Assert.Equal(100, master.Counters.Responses);
    }

    [Fact]
    public async Task CallerCancellation_LeavesTheLinkUsable()
    {
        var answer = false;
        var (master, links) = Create(responder: _ => req => answer ? _slave.AnswerTcp(req) : null);
        using var cts = new CancellationTokenSource();
        var call = master.ReadRegistersAsync(1, ModbusTable.HoldingRegister, 0, new ushort[1], cts.Token).AsTask();
        await FakeTime.Until(() => links.Opened.Count == 1 && links.Current.Written.Count == 1, "request written");
        cts.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call);
        answer = true;
        _slave.Holding[0] = 9;
        var values = new ushort[1];
        await master.ReadRegistersAsync(1, ModbusTable.HoldingRegister, 0, values, default);
        Assert.Equal(9, values[0]);
        Assert.Single(links.Opened);
    }

    [Fact]
    public async Task Dispose_ClosesTheLink_LaterCallsThrowObjectDisposed()
    {
        var (master, links) = Create();
        await master.ReadRegistersAsync(1, ModbusTable.HoldingRegister, 0, new ushort[1], default);
        await master.DisposeAsync();
        Assert.True(links.Current.IsDisposed);
        await Assert.ThrowsAsync<ObjectDisposedException>(() => master.ReadRegistersAsync(1, ModbusTable.HoldingRegister, 0, new ushort[1], default).AsTask());
    }
}
