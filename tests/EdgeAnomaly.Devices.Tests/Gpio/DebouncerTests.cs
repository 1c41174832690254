using EdgeAnomaly.Devices.Gpio;

namespace EdgeAnomaly.Devices.Tests.Gpio;

public class DebouncerTests
{
    /// <summary>Samples "ms:level" every entry; expected reports "ms:level".</summary>
    [Theory]
    [InlineData(20, "0:1 5:1 10:1 15:1 20:1 25:1", "20:1")] // first stable level after the debounce time
    [InlineData(0, "0:1 5:0 10:0", "0:1 5:0")] // no debouncing: every change
    [InlineData(20, "0:0 20:0 25:1 30:0 35:1 40:0 45:0 65:0", "20:0")] // bounces shorter than 20 ms never report
    [InlineData(20, "0:0 20:0 25:1 30:1 40:1 45:1 50:1", "20:0 45:1")] // 1 from 25, stable for 20 ms at 45
    [InlineData(20, "0:0 20:0 25:1 30:0 35:1 40:1 50:1 55:1", "20:0 55:1")] // the bounce restarts the clock at 35
    [InlineData(20, "0:1 20:1 25:0 44:0 45:0 46:1 70:1", "20:1 45:0 70:1")] // 0 from 25 is stable at 45; 1 from 46 is stable at 70
    public void Update_Table(int debounceMs, string samples, string expected)
    {
        var d = new Debouncer(TimeSpan.FromMilliseconds(debounceMs));
        var reports = new List<string>();
        foreach (var s in samples.Split(' '))
        {
            var parts = s.Split(':');
            var ms = long.Parse(parts[0], System.Globalization.CultureInfo.InvariantCulture);
            if (d.Update(ms * TimeSpan.TicksPerMillisecond, parts[1] == "1"))
            {
                reports.Add($"{ms}:{(d.Stable == true ? 1 : 0)}");
            }
        }
        Assert.Equal(expected, string.Join(" ", reports));
    }

    [Fact]
    public void Stable_IsNullUntilALevelHeld()
    {
        var d = new Debouncer(TimeSpan.FromMilliseconds(20));
        Assert.False(d.Update(0, true));
        Assert.Null(d.Stable);
        Assert.False(d.Update(10 * TimeSpan.TicksPerMillisecond, false));
        Assert.Null(d.Stable);
    }
}
