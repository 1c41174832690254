using EdgeAnomaly.Scoring.Pipeline;

namespace EdgeAnomaly.Scoring.Tests.Pipeline;

public class EventizerTests
{
    private static string Run(Eventizer e, string aboveSteps)
    {
        // one character per 10 s step: '#' above, '.' below; output: 'O' opened, 'C' closed, '1' open, '0' not
        var output = new char[aboveSteps.Length];
        for (var i = 0; i < aboveSteps.Length; i++)
        {
            var change = e.Observe(i * 10_000L, aboveSteps[i] == '#');
            output[i] = change switch
            {
                EventChange.Opened => 'O',
                EventChange.Closed => 'C',
                _ => e.IsOpen ? '1' : '0',
            };
        }
        return new string(output);
    }

    [Theory]
    // min event 30 s, merge gap 20 s, 10 s steps
    [InlineData("..##......", "0000000000")]            // 20 s run: too short
    [InlineData("..###.....", "0000O11C00")]            // opens when the run spans 30 s, held for the 20 s gap, then closes
    [InlineData("..##.##...", "00000O111C")]            // runs 10 s apart merge into one candidate
    [InlineData("..###..###....", "0000O1111111C0")]   // the 20 s dip is bridged
    [InlineData("..###...###.....", "0000O11C00O11C00")] // a 30 s dip is not: closes, and the next run opens a new event
    public void RunsBecomeEvents_WithMinLengthAndMergeGap(string above, string expected)
    {
        var result = Run(new Eventizer(30_000, 20_000, 10_000, 1), above);
        Assert.Equal(expected, result);
    }

    [Fact]
    public void EventStart_IsTheStartOfTheRunThatOpenedIt()
    {
        var e = new Eventizer(30_000, 20_000, 10_000, 1);
        Run(e, "..###");
        Assert.True(e.IsOpen);
        Assert.Equal(20_000, e.EventStartMs);
        Assert.Equal(40_000, e.LastAboveMs);
    }

    [Fact]
    public void SustainCount_RequiresConsecutiveStepsBeforeARunQualifies()
    {
        var e = new Eventizer(0, 0, 10_000, 3);
        Assert.Equal("00OC0000", Run(e, "###.##.."));
    }
}
