using EdgeAnomaly.Devices.Modbus;
using EdgeAnomaly.Modbus;

namespace EdgeAnomaly.Devices.Tests.Modbus;

public enum ScriptedFault
{
    None,
    NoAnswer,
    SlaveException,
    CorruptFrame,
    LinkDown,
    Busy,
}

/// <summary>
/// A master whose slaves answer from a formula, with a latency and per-unit faults, on fake time. Records every
/// transaction and the largest number in flight at once (must stay 1 per link).
/// </summary>
internal sealed class ScriptedMaster(TimeProvider time, ModbusLinkSpec link) : IModbusMaster
{
    private readonly object _gate = new();
    private int _inFlight;

    public sealed record Call(long AtMs, byte Unit, ModbusTable Table, ushort Address, int Count);

    public ModbusLinkSpec Link { get; } = link;

    public List<Call> Calls { get; } = [];

    public int MaxInFlight { get; private set; }

    public TimeSpan Latency { get; set; }

    public Dictionary<byte, ScriptedFault> Faults { get; } = [];

    /// <summary>Faults for the next calls of a unit, taken before <see cref="Faults"/>.</summary>
    public Dictionary<byte, Queue<ScriptedFault>> NextFaults { get; } = [];

    /// <summary>Value of a register; default unit * 1000 + address.</summary>
    public Func<byte, ModbusTable, int, ushort> Register { get; set; } = (unit, _, address) => (ushort)(unit * 1000 + address);

    public ModbusLinkCounters Counters { get; } = new();

    public bool Disposed { get; private set; }

    public List<Call> CallsFor(byte unit)
    {
        lock (_gate)
        {
            return Calls.Where(c => c.Unit == unit).ToList();
        }
    }

    public ValueTask ReadRegistersAsync(byte unitId, ModbusTable table, ushort address, Memory<ushort> destination, CancellationToken ct) =>
        RunAsync(unitId, table, address, destination.Length, () =>
        {
            var span = destination.Span;
            for (var i = 0; i < span.Length; i++)
            {
                span[i] = Register(unitId, table, address + i);
            }
        }, ct);

    public ValueTask ReadBitsAsync(byte unitId, ModbusTable table, ushort address, Memory<bool> destination, CancellationToken ct) =>
        RunAsync(unitId, table, address, destination.Length, () =>
        {
            var span = destination.Span;
            for (var i = 0; i < span.Length; i++)
            {
                span[i] = (Register(unitId, table, address + i) & 1) == 1;
            }
        }, ct);

    private async ValueTask RunAsync(byte unit, ModbusTable table, ushort address, int count, Action fill, CancellationToken ct)
    {
        lock (_gate)
        {
            Calls.Add(new Call(time.GetUtcNow().ToUnixTimeMilliseconds(), unit, table, address, count));
            _inFlight++;
            MaxInFlight = Math.Max(MaxInFlight, _inFlight);
        }
        Counters.AddRequest();
        try
        {
            if (Latency > TimeSpan.Zero)
            {
                await Task.Delay(Latency, time, ct);
            }
            var fault = NextFaults.TryGetValue(unit, out var queue) && queue.Count > 0 ? queue.Dequeue() : Faults.GetValueOrDefault(unit);
            var function = table switch
            {
                ModbusTable.Coil => ModbusFunction.ReadCoils,
                ModbusTable.DiscreteInput => ModbusFunction.ReadDiscreteInputs,
                ModbusTable.InputRegister => ModbusFunction.ReadInputRegisters,
                _ => ModbusFunction.ReadHoldingRegisters,
            };
            switch (fault)
            {
                case ScriptedFault.NoAnswer:
                    await Task.Delay(Link.Timeout, time, ct);
                    Counters.AddTimeout();
                    throw new ModbusTimeoutException(unit, function, Link.Timeout);
                case ScriptedFault.SlaveException:
                    Counters.AddSlaveException();
                    throw new ModbusSlaveException(unit, function, ModbusExceptionCode.IllegalDataAddress);
                case ScriptedFault.Busy:
                    Counters.AddSlaveException();
                    throw new ModbusSlaveException(unit, function, ModbusExceptionCode.ServerDeviceBusy);
                case ScriptedFault.CorruptFrame:
                    Counters.AddFrameError();
                    throw new ModbusFrameException(ModbusFrameError.BadCrc, "scripted");
                case ScriptedFault.LinkDown:
                    Counters.AddTransportError();
                    throw new ModbusTransportException("scripted: connection refused");
            }
            fill();
            Counters.AddResponse();
        }
        finally
        {
            lock (_gate)
            {
                _inFlight--;
            }
        }
    }

    public ValueTask WriteSingleCoilAsync(byte unitId, ushort address, bool value, CancellationToken ct) => throw new NotSupportedException();

    public ValueTask WriteSingleRegisterAsync(byte unitId, ushort address, ushort value, CancellationToken ct) => throw new NotSupportedException();

    public ValueTask WriteMultipleCoilsAsync(byte unitId, ushort address, ReadOnlyMemory<bool> values, CancellationToken ct) => throw new NotSupportedException();

    public ValueTask WriteMultipleRegistersAsync(byte unitId, ushort address, ReadOnlyMemory<ushort> values, CancellationToken ct) => throw new NotSupportedException();

    public ValueTask DisposeAsync()
    {
        Disposed = true;
        return ValueTask.CompletedTask;
    }
}

internal sealed class ScriptedMasterFactory(TimeProvider time) : IModbusMasterFactory
{
    public Dictionary<string, ScriptedMaster> Masters { get; } = [];

    public IModbusMaster Create(ModbusLinkSpec link)
    {
        var master = new ScriptedMaster(time, link);
        Masters.Add(link.Key, master);
        return master;
    }
}

/// <summary>Keeps a copy of every batch, as the gateway's channel does.</summary>
internal sealed class RecordingSink : IReadingSink
{
    private readonly object _gate = new();

    public List<(string Source, Core.Readings.Reading[] Readings)> Batches { get; } = [];

    public ValueTask WriteAsync(ReadingBatch batch, CancellationToken ct)
    {
        lock (_gate)
        {
            Batches.Add((batch.Source, batch.Readings.ToArray()));
        }
        return ValueTask.CompletedTask;
    }

    public List<Core.Readings.Reading> ReadingsOf(string source)
    {
        lock (_gate)
        {
            return Batches.Where(b => b.Source == source).SelectMany(b => b.Readings).ToList();
        }
    }

    public int Count
    {
        get
        {
            lock (_gate)
            {
                return Batches.Count;
            }
        }
    }
}
