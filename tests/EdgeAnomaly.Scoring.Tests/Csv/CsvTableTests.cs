using EdgeAnomaly.Scoring.Csv;

namespace EdgeAnomaly.Scoring.Tests.Csv;

public class CsvTableTests
{
    private static CsvTable Read(string text, CsvReadOptions? options = null) => CsvTable.Read(new StringReader(text), options, "test.csv");

    [Fact]
    public void Semicolons_DateTimeText_AndAColumnSubset()
    {
        var t = Read("datetime;a;b;c\n2020-03-09 10:14:33;1.5;2;3\n2020-03-09 10:14:34;4;5;6\n", new CsvReadOptions { Columns = ["c", "a"] });
        Assert.Equal(';', t.Separator);
        Assert.Equal(["c", "a"], t.Columns);
        Assert.Equal(new DateTimeOffset(2020, 3, 9, 10, 14, 33, TimeSpan.Zero).ToUnixTimeMilliseconds(), t.TimesMs[0]);
        Assert.Equal(1000, t.TimesMs[1] - t.TimesMs[0]);
        Assert.Equal([3.0, 1.5], t.Row(0).ToArray());
    }

    [Fact]
    public void Commas_UnixSeconds_AndANamedTimeColumnThatIsNotFirst()
    {
        var t = Read("value,ts\n1,1700000000\n2,1700000060.5\n", new CsvReadOptions { TimeColumn = "ts" });
        Assert.Equal(["value"], t.Columns);
        Assert.Equal([1_700_000_000_000L, 1_700_000_060_500L], t.TimesMs);
    }

    [Fact]
    public void UnixMilliseconds_AndIsoWithOffset()
    {
        Assert.Equal(1_700_000_000_123L, Read("t,v\n1700000000123,1\n").TimesMs[0]);
        Assert.Equal(new DateTimeOffset(2024, 1, 2, 1, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds(), Read("t,v\n2024-01-02T03:00:00+02:00,1\n").TimesMs[0]);
    }

    [Fact]
    public void MissingColumn_IsAnErrorNamingIt()
    {
        var e = Assert.Throws<CsvFormatException>(() => Read("t;a\n1;2\n", new CsvReadOptions { Columns = ["pressure"] }));
        Assert.Contains("'pressure'", e.Message);
        Assert.Contains("a", e.Message);
    }

    [Fact]
    public void NonNumericCell_IsAnErrorNamingLineAndColumn()
    {
        var e = Assert.Throws<CsvFormatException>(() => Read("t;flow;current\n1;2;3\n2;2;3\n3;2;abc\n"));
        Assert.Contains("line 4", e.Message);
        Assert.Contains("'current'", e.Message);
        Assert.Contains("'abc'", e.Message);
    }

    [Fact]
    public void BadTimeCell_IsAnErrorNamingLineAndColumn()
    {
        var e = Assert.Throws<CsvFormatException>(() => Read("when,v\n2024-01-01 00:00:00,1\nyesterday,2\n"));
        Assert.Contains("line 3", e.Message);
        Assert.Contains("'when'", e.Message);
    }

    [Fact]
    public void ShortLine_IsAnError()
    {
        var e = Assert.Throws<CsvFormatException>(() => Read("t,a,b\n1,2,3\n2,3\n"));
        Assert.Contains("line 3", e.Message);
    }

    [Fact]
    public void EmptyNanAndInfCells_AreMissingSamples_Counted()
    {
        var t = Read("t,a,b\n1,,NaN\n2,inf,-Inf\n3,1,2\n");
        Assert.Equal(4, t.MissingCells);
        Assert.True(double.IsNaN(t.Row(0)[0]));
        Assert.True(double.IsNaN(t.Row(1)[1]));
        Assert.Equal(2.0, t.Row(2)[1]);
        Assert.Contains("4 empty/NaN/Inf cells", t.RepairSummary());
    }

    [Fact]
    public void UnsortedRows_AreSorted_AndRepeatedTimestampsKeepTheFirstRow()
    {
        var t = Read("t,v\n3,30\n1,10\n2,20\n2,99\n4,40\n");
        Assert.Equal([1000L, 2000, 3000, 4000], t.TimesMs);
        Assert.Equal(20.0, t.Row(1)[0]);
        Assert.Equal(1, t.DuplicateRowsDropped);
        Assert.True(t.UnsortedRows > 0);
    }

    [Fact]
    public void QuotedCells_AndDecimalCommaWithSemicolons()
    {
        var t = Read("\"time\";\"a;b\"\n1;\"2,5\"\n");
        Assert.Equal(["a;b"], t.Columns);
        Assert.Equal(2.5, t.Row(0)[0]);
    }
}
