using System.Text.Json;
using EdgeAnomaly.FirmwareSim.Faults;
using EdgeAnomaly.FirmwareSim.Fleet;
using EdgeAnomaly.TestSupport;

namespace EdgeAnomaly.FirmwareSim.Tests.Faults;

public class FaultScheduleTests
{
    private static readonly FleetSpec Fleet = FleetSpec.Default(4, 2);

    [Fact]
    public void Random_SameSeed_SameSchedule_OtherSeedDiffers()
    {
        var a = FaultSchedule.Random(Fleet, 3, 6, TimeSpan.FromHours(10));
        var b = FaultSchedule.Random(Fleet, 3, 6, TimeSpan.FromHours(10));
        var c = FaultSchedule.Random(Fleet, 4, 6, TimeSpan.FromHours(10));

        Assert.Equal(a.Faults, b.Faults);
        Assert.NotEqual(a.Faults, c.Faults);
    }

    [Theory]
    [InlineData(2.0)]
    [InlineData(6.0)]
    [InlineData(20.0)]
    public void Random_RatePerHour_GivesAboutThatManyFaultsPerHour(double rate)
    {
        var hours = 200;
        var schedule = FaultSchedule.Random(Fleet, 1, rate, TimeSpan.FromHours(hours));

        // Overlapping draws are skipped, so the count may fall a little short of the Poisson mean, never far above it.
        Assert.InRange(schedule.Faults.Count, rate * hours * 0.8, rate * hours * 1.1);
        Assert.Equal(5, schedule.Faults.Select(f => f.Kind).Distinct().Count());
        Assert.Contains(schedule.Faults, f => f.IsNodeDropout);
    }

    [Fact]
    public void Random_Faults_NeverOverlapOnATagOrWithANodeDropout()
    {
        var schedule = FaultSchedule.Random(Fleet, 2, 30, TimeSpan.FromHours(50));

        var windows = schedule.Faults.Select(f => (f, Node: Fleet.Assets.First(a => a.Name == f.Asset).NodeId,
            End: f.Start + (f.Duration > TimeSpan.Zero ? f.Duration : TimeSpan.FromSeconds(1)))).ToList();
        for (var i = 0; i < windows.Count; i++)
        {
            for (var j = i + 1; j < windows.Count; j++)
            {
                var (x, y) = (windows[i], windows[j]);
                var overlap = x.f.Start < y.End && y.f.Start < x.End;
                var sameTarget = (x.f.Asset == y.f.Asset && x.f.Tag == y.f.Tag) || ((x.f.IsNodeDropout || y.f.IsNodeDropout) && x.Node == y.Node);
                Assert.False(overlap && sameTarget, $"{x.f} overlaps {y.f}");
            }
        }
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(-1.0)]
    public void Random_ZeroOrNegativeRate_IsEmptyOrThrows(double rate)
    {
        if (rate < 0)
        {
            Assert.Throws<ArgumentOutOfRangeException>(() => FaultSchedule.Random(Fleet, 1, rate, TimeSpan.FromHours(1)));
        }
        else
        {
            Assert.Empty(FaultSchedule.Random(Fleet, 1, rate, TimeSpan.FromHours(1)).Faults);
        }
    }

    [Fact]
    public void Parse_FaultFile_ReadsEveryFieldAndSortsByStart()
    {
        var schedule = FaultSchedule.Parse("""
            // comments are allowed
            {"faults": [
              {"asset":"pump-01","tag":"current.a","fault":"step","start_s":900,"duration_s":120,"magnitude":5},
              {"asset":"pump-01","tag":"current.a","fault":"spike","start_s":600,"magnitude":8},
              {"asset":"motor-01","fault":"dropout","start_s":60,"duration_s":30},
            ]}
            """);

        Assert.Equal(
            [
                new FaultSpec("motor-01", "*", FaultKind.Dropout, TimeSpan.FromSeconds(60), TimeSpan.FromSeconds(30)),
                new FaultSpec("pump-01", "current.a", FaultKind.Spike, TimeSpan.FromSeconds(600), TimeSpan.Zero, 8),
                new FaultSpec("pump-01", "current.a", FaultKind.Step, TimeSpan.FromSeconds(900), TimeSpan.FromSeconds(120), 5),
            ],
            schedule.Faults);
        Assert.True(schedule.Faults[0].IsNodeDropout);
    }

    [Theory]
    [InlineData("{}", "expected a JSON array")]
    [InlineData("[{\"tag\":\"x\",\"fault\":\"spike\"}]", "\"asset\"")]
    [InlineData("[{\"asset\":\"pump-01\",\"fault\":\"melt\"}]", "unknown fault 'melt'")]
    [InlineData("[{\"asset\":\"pump-01\",\"fault\":\"step\",\"start_s\":\"soon\"}]", "\"start_s\" must be a number")]
    public void Parse_BadFile_ThrowsFormatExceptionNamingTheProblem(string json, string expected)
    {
        var ex = Assert.Throws<FormatException>(() => FaultSchedule.Parse(json));
        Assert.Contains(expected, ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("pump-01", "current.a", FaultKind.Step, 0, "needs a duration")]
    [InlineData("pump-01", "*", FaultKind.Step, 10, "only valid for dropout")]
    public void Constructor_InvalidFault_Throws(string asset, string tag, FaultKind kind, int durationS, string expected)
    {
        var ex = Assert.Throws<ArgumentException>(() => new FaultSchedule([new FaultSpec(asset, tag, kind, TimeSpan.Zero, TimeSpan.FromSeconds(durationS), 1)]));
        Assert.Contains(expected, ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("nope-01", "current.a", "unknown asset")]
    [InlineData("pump-01", "nope", "unknown tag")]
    public void Validate_FaultOnUnknownAssetOrTag_Throws(string asset, string tag, string expected)
    {
        var schedule = new FaultSchedule([new FaultSpec(asset, tag, FaultKind.Spike, TimeSpan.Zero, TimeSpan.Zero, 5)]);

        var ex = Assert.Throws<ArgumentException>(() => schedule.Validate(Fleet));
        Assert.Contains(expected, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void LabelWriter_Labels_WritesOneParsableJsonLineEach()
    {
        using var dir = new TempDirectory();
        var path = dir.File("labels.jsonl");
        using (var file = new StreamWriter(path))
        {
            var writer = new LabelWriter(file);
            writer.Write(new FaultLabel("esp32-01", "pump-01", "current.a", FaultKind.Spike, 1000, 1500, 8));
            writer.Write(new FaultLabel("esp32-02", "motor-01", "*", FaultKind.Dropout, 2000, 62000, 0));
            Assert.Equal(2, writer.Written);
        }

        var lines = File.ReadAllLines(path);
        Assert.Equal(2, lines.Length);
        using var first = JsonDocument.Parse(lines[0]);
        var root = first.RootElement;
        Assert.Equal("pump-01", root.GetProperty("asset").GetString());
        Assert.Equal("current.a", root.GetProperty("tag").GetString());
        Assert.Equal("spike", root.GetProperty("fault").GetString());
        Assert.Equal(1000, root.GetProperty("start_ms").GetInt64());
        Assert.Equal(1500, root.GetProperty("end_ms").GetInt64());
        Assert.Equal(8, root.GetProperty("magnitude").GetDouble());
        using var second = JsonDocument.Parse(lines[1]);
        Assert.Equal("dropout", second.RootElement.GetProperty("fault").GetString());
    }
}
