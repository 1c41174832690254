using System.Diagnostics;
using Xunit.Abstractions;

namespace EdgeAnomaly.Modbus.Tests.Fuzz;

/// <summary>
/// Half a million random and mutated frames through each of the RTU and TCP response decoders (a million in all,
/// with the value extraction behind them). Every frame goes through the non-throwing check, which must throw
/// nothing at all; every fifth also through the throwing decoder, which must let out only
/// <see cref="ModbusException"/> subtypes and agree with the check. Seeds are fixed, so a failure replays.
/// </summary>
public class RtuDecoderFuzzTests(ITestOutputHelper output)
{
    [Fact]
    public void RtuDecoder_HalfAMillionMutatedFrames_NothingButModbusErrors()
    {
        var fuzz = new FrameFuzzer(seed: 1);
        var tally = new DecoderFuzz.Tally();
        var watch = Stopwatch.StartNew();
        for (var i = 0; i < DecoderFuzz.FramesPerDecoder; i++)
        {
            var request = fuzz.NextRequest();
            var unit = fuzz.NextUnit();
            var input = fuzz.Mutate(fuzz.RtuFrame(unit, fuzz.GoodPdu(request)), fixCrc: true);
            // The decoder is also asked about someone else's unit id.
            var expectedUnit = fuzz.Chance(20) ? fuzz.NextUnit() : unit;
            tally.Check(input, bytes =>
            {
                if (ModbusRtuFrame.TryGetResponseLength(bytes, request, out var length) is null
                    && length is > 0 and < ModbusRtuFrame.MinResponseLength)
                {
                    throw new InvalidOperationException($"response length {length} below the minimum");
                }
                var check = ModbusRtuFrame.CheckResponse(bytes, expectedUnit, request);
                if (check.IsValid)
                {
                    tally.Extract(bytes[1..^2], request);
                }
                return check;
            });
            if (i % 5 == 0)
            {
                tally.Throwing(input, bytes =>
                {
                    ModbusRtuFrame.ResponseLength(bytes, request);
                    tally.Extract(ModbusRtuFrame.DecodeResponse(bytes, expectedUnit, request), request);
                });
            }
        }
        tally.Report(output, "RTU", watch);
    }
}

public class TcpDecoderFuzzTests(ITestOutputHelper output)
{
    [Fact]
    public void TcpDecoder_HalfAMillionMutatedFrames_NothingButModbusErrors()
    {
        var fuzz = new FrameFuzzer(seed: 2);
        var tally = new DecoderFuzz.Tally();
        var watch = Stopwatch.StartNew();
        for (var i = 0; i < DecoderFuzz.FramesPerDecoder; i++)
        {
            var request = fuzz.NextRequest();
            var unit = fuzz.NextUnit();
            var transactionId = fuzz.NextTransactionId();
            var input = fuzz.Mutate(FrameFuzzer.TcpFrame(transactionId, unit, fuzz.GoodPdu(request)), fixCrc: false);
            var expectedTransaction = fuzz.Chance(20) ? fuzz.NextTransactionId() : transactionId;
            tally.Check(input, bytes =>
            {
                if (ModbusTcpFrame.TryGetFrameLength(bytes, out var length) is null
                    && length != 0 && (length < 8 || length > ModbusTcpFrame.MaxLength))
                {
                    throw new InvalidOperationException($"frame length {length} outside 8..{ModbusTcpFrame.MaxLength}");
                }
                var check = ModbusTcpFrame.CheckResponse(bytes, expectedTransaction, unit, request);
                if (check.IsValid)
                {
                    tally.Extract(bytes[ModbusTcpFrame.HeaderLength..], request);
                }
                return check;
            });
            if (i % 5 == 0)
            {
                tally.Throwing(input, bytes =>
                {
                    ModbusTcpFrame.FrameLength(bytes);
                    tally.Extract(ModbusTcpFrame.DecodeResponse(bytes, expectedTransaction, unit, request), request);
                });
            }
        }
        tally.Report(output, "TCP", watch);
    }
}

internal static class DecoderFuzz
{
    public const int FramesPerDecoder = 500_000;

    public delegate ModbusResponseCheck CheckFrame(ReadOnlySpan<byte> bytes);

    public delegate void DecodeFrame(ReadOnlySpan<byte> bytes);

    public sealed class Tally
    {
        private readonly ushort[] _registers = new ushort[ModbusLimits.MaxReadRegisters];
        private readonly bool[] _bits = new bool[ModbusLimits.MaxReadBits];
        private ModbusResponseCheck _lastCheck;

        public int Frames { get; private set; }
        public int Valid { get; private set; }
        public int SlaveExceptions { get; private set; }
        public int ThrowingRuns { get; private set; }
        public int Disagreements { get; private set; }
        public int Unexpected { get; private set; }
        public string? FirstProblem { get; private set; }
        public SortedDictionary<ModbusFrameError, int> FrameErrors { get; } = [];

        public void Extract(ReadOnlySpan<byte> pdu, in ModbusRequest request)
        {
            if (request.ReadsBits)
            {
                ModbusPdu.ReadBitValues(pdu, _bits.AsSpan(0, request.Count));
            }
            else if (request.IsRead)
            {
                ModbusPdu.ReadRegisterValues(pdu, _registers.AsSpan(0, request.Count));
            }
        }

        /// <summary>The non-throwing path: no exception of any kind may escape.</summary>
        public void Check(ReadOnlySpan<byte> bytes, CheckFrame check)
        {
            Frames++;
            try
            {
                _lastCheck = check(bytes);
            }
            catch (Exception e)
            {
                _lastCheck = default;
                Problem($"check threw {e.GetType().Name}: {e.Message}", bytes);
                Unexpected++;
                return;
            }
            if (_lastCheck.ExceptionCode is not null)
            {
                SlaveExceptions++;
            }
            else if (_lastCheck.Error is { } error)
            {
                FrameErrors[error] = FrameErrors.GetValueOrDefault(error) + 1;
            }
            else
            {
                Valid++;
            }
        }

        /// <summary>The throwing path on the same frame: only Modbus exceptions, matching the check's outcome.</summary>
        public void Throwing(ReadOnlySpan<byte> bytes, DecodeFrame decode)
        {
            ThrowingRuns++;
            ModbusResponseCheck outcome;
            try
            {
                decode(bytes);
                outcome = ModbusResponseCheck.Valid;
            }
            catch (ModbusSlaveException e)
            {
                outcome = ModbusResponseCheck.SlaveException(e.Code);
            }
            catch (ModbusFrameException e)
            {
                outcome = e.Error;
            }
            catch (Exception e)
            {
                Problem($"decoder threw {e.GetType().Name}: {e.Message}", bytes);
                Unexpected++;
                return;
            }
            // The length probe in front may name a head error first; otherwise both paths must agree exactly.
            if (outcome != _lastCheck && !(outcome.Error is ModbusFrameError.UnexpectedFunction or ModbusFrameError.BadByteCount
                or ModbusFrameError.BadProtocolId or ModbusFrameError.BadLength))
            {
                Problem($"check said {_lastCheck}, decoder said {outcome}", bytes);
                Disagreements++;
            }
        }

        public void Report(ITestOutputHelper output, string decoder, Stopwatch watch)
        {
            output.WriteLine($"{decoder}: {Frames:N0} frames ({ThrowingRuns:N0} also through the throwing decoder) in {watch.Elapsed.TotalSeconds:0.0} s: " +
                $"{Valid:N0} valid, {SlaveExceptions:N0} exception responses, frame errors {string.Join(", ", FrameErrors.Select(p => $"{p.Key}={p.Value:N0}"))}; " +
                $"unexpected exceptions {Unexpected}, disagreements {Disagreements}");
            Assert.True(Unexpected == 0, $"{Unexpected} non-Modbus exceptions, first problem: {FirstProblem}");
            Assert.True(Disagreements == 0, $"{Disagreements} disagreements, first problem: {FirstProblem}");
            Assert.Equal(FramesPerDecoder, Frames);
            // The mix must reach every layer, or the fuzzing proves little.
            Assert.True(Valid > FramesPerDecoder / 20, "too few frames decoded");
            Assert.True(SlaveExceptions > FramesPerDecoder / 100, "too few exception responses");
            Assert.True(FrameErrors.Count >= 6, $"only {FrameErrors.Count} kinds of frame error reached");
        }

        private void Problem(string what, ReadOnlySpan<byte> bytes) => FirstProblem ??= $"{what} on {Convert.ToHexString(bytes)}";
    }
}
