using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace EdgeAnomaly.Modbus.Tests.Masters;

public class FaultLogTests
{
    [Fact]
    public async Task RepeatedFaults_OneLinePerInterval_WithTheSuppressedCount()
    {
        var time = new FakeTimeProvider();
        var log = new CapturingLogger();
        var slave = new ScriptedSlave();
        var links = new Links(_ => req =>
        {
            var answer = slave.AnswerTcp(req);
            answer[^1] ^= 1;
            answer[7] = 0x7F;
            return answer;
        });
        var options = Links.Options();
        options.FaultLogInterval = TimeSpan.FromSeconds(10);
        await using var master = ModbusMasters.CreateTcp(links.OpenAsync, options, time, log);
        for (var i = 0; i < 5; i++)
        {
            await Assert.ThrowsAsync<ModbusFrameException>(() => master.ReadRegistersAsync(1, ModbusTable.HoldingRegister, 0, new ushort[1], default).AsTask());
        }
        Assert.Single(log.Warnings);
        time.Advance(TimeSpan.FromSeconds(10));
        await Assert.ThrowsAsync<ModbusFrameException>(() => master.ReadRegistersAsync(1, ModbusTable.HoldingRegister, 0, new ushort[1], default).AsTask());
        Assert.Equal(2, log.Warnings.Count);
        Assert.Contains("4 more faults", log.Warnings[1], StringComparison.Ordinal);
        Assert.Contains("UnexpectedFunction", log.Warnings[1], StringComparison.Ordinal);
        Assert.Equal(6, master.Counters.FrameErrors);
    }

    private sealed class CapturingLogger : ILogger
    {
        public List<string> Warnings { get; } = [];

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (logLevel == LogLevel.Warning)
            {
                Warnings.Add(formatter(state, exception));
            }
        }
    }
}
