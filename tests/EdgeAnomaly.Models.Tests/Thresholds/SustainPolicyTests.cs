using EdgeAnomaly.Models.Thresholds;

namespace EdgeAnomaly.Models.Tests.Thresholds;

public class SustainPolicyTests
{
    [Theory]
    [InlineData(new double[] { 0, 0, 0 }, 1, 10, 1, 0, false)]
    [InlineData(new double[] { 0, 5, 0, 5, 5, 0 }, 1, 10, 3, 2, false)]
    [InlineData(new double[] { 5, 5, 5, 5, 5, 5 }, 1, 4, 4, 6, true)]
    [InlineData(new double[] { 0, 5, 0 }, 3, 10, 3, 1, false)]
    public void Learn_LongestRunPlusOne_ClampedToMinimumAndCap(double[] scores, int minimum, int cap, int required, int longest, bool capped)
    {
        var choice = SustainPolicy.Learn(scores, threshold: 1, minimum, cap);
        Assert.Equal(new SustainChoice(required, longest, capped), choice);
    }

    [Fact]
    public void Gate_FiresAfterRequiredConsecutive_AndResetsOnABreak()
    {
        var gate = new RunLengthGate(3);
        Assert.False(gate.Observe(true));
        Assert.False(gate.Observe(true));
        Assert.False(gate.Observe(false));
        Assert.False(gate.Observe(2.0, 1.0));
        Assert.False(gate.Observe(2.0, 1.0));
        Assert.True(gate.Observe(2.0, 1.0));
        Assert.True(gate.Observe(true));
        Assert.Equal(4, gate.Run);
        Assert.False(gate.Observe(1.0, 1.0));   // equal is not above
        Assert.Equal(0, gate.Run);
    }
}
