using EdgeAnomaly.FirmwareSim.Publishing;

namespace EdgeAnomaly.FirmwareSim.Tests.Publishing;

public class ReconnectBackoffTests
{
    [Theory]
    [InlineData(0, 200)]
    [InlineData(1, 400)]
    [InlineData(3, 1600)]
    [InlineData(5, 5000)]
    [InlineData(1000, 5000)]
    [InlineData(-1, 200)]
    public void Delay_Attempt_DoublesFromMinAndCapsAtMax(int attempt, int expectedMs)
    {
        Assert.Equal(TimeSpan.FromMilliseconds(expectedMs), ReconnectBackoff.Delay(attempt, TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(5)));
    }
}
