using System.Globalization;
using System.Text;
using EdgeAnomaly.Scoring.Csv;
using EdgeAnomaly.Scoring.Pipeline;

namespace EdgeAnomaly.Scoring.Tests.Csv;

public class CsvScoringTests
{
    /// <summary>One level sampled every 2-7 minutes at irregular times, with a step change late in the series.</summary>
    private static string IrregularSeries(int rows, int shiftFrom)
    {
        var random = new Random(12);
        var sb = new StringBuilder("time;level\n");
        var t = new DateTime(2024, 5, 1, 0, 0, 0, DateTimeKind.Utc);
        for (var i = 0; i < rows; i++)
        {
            t = t.AddSeconds(120 + random.Next(0, 300));
            var level = 50 + (5 * Math.Sin(i / 20.0)) + random.NextDouble() + (i >= shiftFrom ? 25 : 0);
            sb.Append(t.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture)).Append(';')
              .Append(level.ToString("0.###", CultureInfo.InvariantCulture)).Append('\n');
        }
        return sb.ToString();
    }

    [Fact]
    public void IrregularSlowSingleSeries_AdaptsTheWindow_ReplaysEveryRow_AndFlagsTheShift()
    {
        var table = CsvTable.Read(new StringReader(IrregularSeries(600, 500)), source: "level.csv");
        var options = new ScoringOptions();
        var median = CsvScoring.MedianIntervalSeconds(table);
        Assert.InRange(median, 120, 420);
        var adapted = CsvScoring.AdaptToSampling(options, median);
        Assert.NotNull(adapted);
        Assert.Equal(Math.Ceiling(median), options.Features.StepSeconds);
        Assert.Equal(10 * Math.Ceiling(median), options.Features.WindowSeconds);

        var model = CsvScoring.Train(table, "tank", options, rows: 400);
        var output = new StringWriter();
        var summary = CsvScoring.Replay(table, model, output);
        var lines = output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(CsvScoring.ScoresHeader, lines[0]);
        Assert.Equal(601, lines.Length);
        Assert.Equal(600, summary.Rows);
        var flags = lines.Skip(1).Select(l => l.Split(',')[^1] == "1").ToArray();
        Assert.True(flags.Skip(505).Take(60).Count(f => f) > 40, "the level shift is flagged");
        Assert.True(flags.Take(400).Count(f => f) < 20, "training rows stay mostly quiet");
        Assert.True(summary.EventsOpened >= 1);
    }

    [Fact]
    public void DefaultWindow_IsKeptForFastData()
    {
        var options = new ScoringOptions();
        Assert.Null(CsvScoring.AdaptToSampling(options, 1.0));
        Assert.Equal(60, options.Features.WindowSeconds);
    }

    [Fact]
    public void Replay_RefusesColumnsThatAreNotTheModelsTags()
    {
        var table = CsvTable.Read(new StringReader(IrregularSeries(300, 1000)), source: "level.csv");
        var options = new ScoringOptions();
        CsvScoring.AdaptToSampling(options, CsvScoring.MedianIntervalSeconds(table));
        var model = CsvScoring.Train(table, "tank", options);
        var other = CsvTable.Read(new StringReader("time;pressure\n1;2\n2;3\n"), source: "other.csv");
        var e = Assert.Throws<ArgumentException>(() => CsvScoring.Replay(other, model, new StringWriter()));
        Assert.Contains("pressure", e.Message);
    }
}
