using EdgeAnomaly.Runtime.Alarm;
using Microsoft.Extensions.Logging.Abstractions;

namespace EdgeAnomaly.Gateway.Tests.Alarm;

public sealed class AlarmControllerTests
{
    private sealed class RecordingOutput : IAlarmOutput
    {
        public List<bool> Writes { get; } = [];

        public bool IsEnabled => true;

        public void Set(bool on) => Writes.Add(on);

        public void Dispose()
        {
        }
    }

    [Fact]
    public void Update_DrivesTheOutputOnlyOnChanges()
    {
        var output = new RecordingOutput();
        var alarm = new AlarmController(output);
        alarm.Update(0);
        alarm.Update(1);
        alarm.Update(3);
        alarm.Update(1);
        alarm.Update(0);
        alarm.Update(0);
        Assert.Equal([false, true, false], output.Writes);
        Assert.False(alarm.IsOn);
    }

    [Fact]
    public void Open_WithoutPin_IsDisabled()
    {
        using var output = GpioAlarmOutput.Open(new AlarmOptions(), NullLogger.Instance);
        Assert.False(output.IsEnabled);
    }

    [Fact]
    public void Open_PinOnMachineWithoutGpio_IsDisabledNotFatal()
    {
        using var output = GpioAlarmOutput.Open(new AlarmOptions { GpioPin = 17, GpioChip = 63 }, NullLogger.Instance);
        Assert.False(output.IsEnabled);
    }
}
