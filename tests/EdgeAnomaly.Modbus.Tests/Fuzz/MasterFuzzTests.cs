using EdgeAnomaly.Modbus.Tests.Masters;
using Xunit.Abstractions;

namespace EdgeAnomaly.Modbus.Tests.Fuzz;

/// <summary>
/// Mutated and random answers through running masters (framing, buffering, resync and reconnect together):
/// every call ends in a value or a <see cref="ModbusException"/>, and a clean answer afterwards is read correctly.
/// </summary>
public class MasterFuzzTests(ITestOutputHelper output)
{
    private const int Transactions = 300;

    [Fact]
    public Task TcpMaster_MutatedAnswers_OnlyModbusExceptions_ThenRecovers() =>
        Run(isRtu: false, seed: 11);

    [Fact]
    public Task RtuMaster_MutatedAnswers_OnlyModbusExceptions_ThenRecovers() =>
        Run(isRtu: true, seed: 12);

    private async Task Run(bool isRtu, int seed)
    {
        var fuzz = new FrameFuzzer(seed);
        var slave = new ScriptedSlave();
        var clean = false;
        var links = new Links(stream => request =>
        {
            var good = isRtu ? slave.AnswerRtu(request) : slave.AnswerTcp(request);
            if (clean)
            {
                return good;
            }
            if (fuzz.Chance(10))
            {
                return null;
            }
            var answer = fuzz.Mutate(good, fixCrc: isRtu).ToArray();
            // Sometimes in two pieces, like a slow serial line or a split TCP segment.
            if (answer.Length > 2 && fuzz.Chance(3))
            {
                stream.Inject(answer[..(answer.Length / 2)]);
                return answer[(answer.Length / 2)..];
            }
            return answer;
        });
        // Short timeout so silent and truncated answers cost little; the gap stays small for the same reason.
        var options = new ModbusLinkOptions { Timeout = TimeSpan.FromMilliseconds(30), MinimumFrameGap = TimeSpan.FromMilliseconds(1) };
        await using var master = isRtu
            ? ModbusMasters.CreateRtu(links.OpenAsync, 115200, options, TimeProvider.System)
            : ModbusMasters.CreateTcp(links.OpenAsync, options, TimeProvider.System);

        var outcomes = new SortedDictionary<string, int>();
        var registers = new ushort[ModbusLimits.MaxReadRegisters];
        var bits = new bool[ModbusLimits.MaxReadBits];
        for (var i = 0; i < Transactions; i++)
        {
            var request = fuzz.NextRequest();
            var address = (ushort)Math.Min((int)request.Address, 900);
            string outcome;
            try
            {
                await Call(master, request, address, registers, bits);
                outcome = "ok";
            }
            catch (ModbusFrameException e)
            {
                outcome = e.Error.ToString();
            }
            catch (ModbusException e)
            {
                outcome = e.GetType().Name;
            }
            outcomes[outcome] = outcomes.GetValueOrDefault(outcome) + 1;
        }
        output.WriteLine($"{(isRtu ? "RTU" : "TCP")}: {string.Join(", ", outcomes.Select(p => $"{p.Key}={p.Value}"))}; " +
            $"requests {master.Counters.Requests}, discarded bytes {master.Counters.DiscardedBytes}, discarded frames {master.Counters.DiscardedFrames}, reconnects {master.Counters.Reconnects}");
        Assert.True(outcomes.GetValueOrDefault("ok") > Transactions / 20, "too few clean transactions");
        Assert.True(outcomes.Count >= 4, "the mutations reached too few kinds of outcome");

        clean = true;
        slave.Holding[5] = 0xCAFE;
        var value = new ushort[1];
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            try
            {
                await master.ReadRegistersAsync(1, ModbusTable.HoldingRegister, 5, value, default);
                break;
            }
            catch (ModbusException) when (DateTime.UtcNow < deadline)
            {
                // A late piece of an earlier mutated answer may still be in flight once.
            }
        }
        Assert.Equal(0xCAFE, value[0]);
    }

    private static async Task Call(IModbusMaster master, ModbusRequest request, ushort address, ushort[] registers, bool[] bits)
    {
        var count = Math.Min((int)request.Count, 50);
        switch (request.Function)
        {
            case ModbusFunction.ReadCoils or ModbusFunction.ReadDiscreteInputs:
                await master.ReadBitsAsync(1, request.Function == ModbusFunction.ReadCoils ? ModbusTable.Coil : ModbusTable.DiscreteInput, address, bits.AsMemory(0, count), default);
                break;
            case ModbusFunction.ReadHoldingRegisters or ModbusFunction.ReadInputRegisters:
                await master.ReadRegistersAsync(1, request.Function == ModbusFunction.ReadHoldingRegisters ? ModbusTable.HoldingRegister : ModbusTable.InputRegister, address, registers.AsMemory(0, count), default);
                break;
            case ModbusFunction.WriteSingleCoil:
                await master.WriteSingleCoilAsync(1, address, request.Value != 0, default);
                break;
            case ModbusFunction.WriteSingleRegister:
                await master.WriteSingleRegisterAsync(1, address, request.Value, default);
                break;
            case ModbusFunction.WriteMultipleCoils:
                await master.WriteMultipleCoilsAsync(1, address, bits.AsMemory(0, count), default);
                break;
            default:
                await master.WriteMultipleRegistersAsync(1, address, registers.AsMemory(0, count), default);
                break;
        }
    }
}
