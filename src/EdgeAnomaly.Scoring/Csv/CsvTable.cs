using System.Globalization;
using System.Text;

namespace EdgeAnomaly.Scoring.Csv;

/// <summary>A CSV problem the user has to fix; the message names the file line and the column.</summary>
public sealed class CsvFormatException : Exception
{
    public CsvFormatException(string message) : base(message)
    {
    }

    public CsvFormatException(string message, Exception inner) : base(message, inner)
    {
    }

    public CsvFormatException()
    {
    }
}

public sealed class CsvReadOptions
{
    /// <summary>Name of the time column; null means the first column.</summary>
    public string? TimeColumn { get; set; }

    /// <summary>Value columns to read, in this order; null or empty means every column except the time column.</summary>
    public IReadOnlyList<string>? Columns { get; set; }
}

/// <summary>
/// A time column and one or more numeric columns read from CSV, sorted by time.
/// <para>Format: a header line, then one row per line. The separator is detected from the header (';' or ',', or a
/// tab). Time cells may be ISO-8601 (with or without an offset; no offset means UTC), "YYYY-MM-DD hh:mm:ss[.fff]",
/// or unix seconds / milliseconds (a number above 10^11 is taken as milliseconds); the first data row decides the
/// format for the file.</para>
/// <para>Repairs, each counted: an empty cell, NaN, Inf or -Inf is a missing sample (NaN), handled downstream as live
/// data quality handles a missing reading; rows out of time order are stably sorted; of several rows with the same
/// timestamp the first is kept. Anything else that is not a number is an error naming the line and the column, as
/// is a missing column or a line with too few cells.</para>
/// </summary>
public sealed class CsvTable
{
    private CsvTable(string timeColumn, string[] columns, long[] times, double[] values)
    {
        TimeColumn = timeColumn;
        Columns = columns;
        TimesMs = times;
        Values = values;
    }

    public string TimeColumn { get; }

    public IReadOnlyList<string> Columns { get; }

    public int RowCount => TimesMs.Length;

    /// <summary>Row times, unix ms, ascending and distinct.</summary>
    public long[] TimesMs { get; }

    /// <summary>Row-major values, <see cref="RowCount"/> x <see cref="Columns"/>.Count; NaN marks a missing sample.</summary>
    public double[] Values { get; }

    public int MissingCells { get; private set; }

    public int UnsortedRows { get; private set; }

    public int DuplicateRowsDropped { get; private set; }

    public char Separator { get; private set; }

    public ReadOnlySpan<double> Row(int row) => Values.AsSpan(row * Columns.Count, Columns.Count);

    /// <summary>What was repaired, in words (empty when nothing was).</summary>
    public string RepairSummary()
    {
        var parts = new List<string>();
        if (MissingCells > 0)
        {
            parts.Add($"{MissingCells} empty/NaN/Inf cells read as missing samples");
        }
        if (UnsortedRows > 0)
        {
            parts.Add($"{UnsortedRows} rows out of time order sorted");
        }
        if (DuplicateRowsDropped > 0)
        {
            parts.Add($"{DuplicateRowsDropped} rows with a repeated timestamp dropped (first kept)");
        }
        return string.Join("; ", parts);
    }

    public static CsvTable Read(string path, CsvReadOptions? options = null)
    {
        using var reader = new StreamReader(path, Encoding.UTF8, detectEncodingFromByteOrderMarks: true);
        return Read(reader, options, Path.GetFileName(path));
    }

    public static CsvTable Read(TextReader reader, CsvReadOptions? options = null, string source = "csv")
    {
        ArgumentNullException.ThrowIfNull(reader);
        options ??= new CsvReadOptions();
        var header = reader.ReadLine() ?? throw new CsvFormatException($"{source}: the file is empty (no header line).");
        var separator = DetectSeparator(header);
        var names = Split(header, separator).Select(n => n.Trim()).ToArray();
        if (names.Length < 2)
        {
            throw new CsvFormatException($"{source}: the header has {names.Length} column(s); a time column and at least one value column are needed (separator ';', ',' or tab).");
        }
        var timeIndex = 0;
        if (!string.IsNullOrEmpty(options.TimeColumn))
        {
            timeIndex = Array.IndexOf(names, options.TimeColumn);
            if (timeIndex < 0)
            {
                throw new CsvFormatException($"{source}: time column '{options.TimeColumn}' not found; columns are {string.Join(", ", names)}.");
            }
        }
        int[] valueIndexes;
        if (options.Columns is { Count: > 0 } wanted)
        {
            valueIndexes = new int[wanted.Count];
            for (var i = 0; i < wanted.Count; i++)
            {
                valueIndexes[i] = Array.IndexOf(names, wanted[i]);
                if (valueIndexes[i] < 0)
                {
                    throw new CsvFormatException($"{source}: column '{wanted[i]}' not found; columns are {string.Join(", ", names)}.");
                }
                if (valueIndexes[i] == timeIndex)
                {
                    throw new CsvFormatException($"{source}: column '{wanted[i]}' is the time column.");
                }
            }
        }
        else
        {
            valueIndexes = Enumerable.Range(0, names.Length).Where(i => i != timeIndex).ToArray();
        }
        var columns = valueIndexes.Select(i => names[i]).ToArray();
        var times = new List<long>();
        var values = new List<double>();
        var missing = 0;
        TimeFormat? format = null;
        var line = 1;
        string? text;
        var cells = new List<string>();
        while ((text = reader.ReadLine()) is not null)
        {
            line++;
            if (text.Length == 0 || string.IsNullOrWhiteSpace(text))
            {
                continue;
            }
            cells.Clear();
            SplitInto(text, separator, cells);
            if (cells.Count < names.Length)
            {
                throw new CsvFormatException($"{source} line {line}: {cells.Count} cells, the header has {names.Length} columns.");
            }
            var timeCell = cells[timeIndex].Trim();
            format ??= DetectTimeFormat(timeCell, source, line, names[timeIndex]);
            times.Add(ParseTime(timeCell, format.Value, source, line, names[timeIndex]));
            for (var c = 0; c < valueIndexes.Length; c++)
            {
                var v = ParseValue(cells[valueIndexes[c]], separator, source, line, columns[c], out var wasMissing);
                if (wasMissing)
                {
                    missing++;
                }
                values.Add(v);
            }
        }
        if (times.Count == 0)
        {
            throw new CsvFormatException($"{source}: no data rows after the header.");
        }
        var table = SortAndDeduplicate(names[timeIndex], columns, times, values, out var unsorted, out var duplicates);
        table.MissingCells = missing;
        table.UnsortedRows = unsorted;
        table.DuplicateRowsDropped = duplicates;
        table.Separator = separator;
        return table;
    }

    /// <summary>Builds a table from rows already in memory (same sort and duplicate policy as reading a file).</summary>
    public static CsvTable FromRows(string timeColumn, IReadOnlyList<string> columns, IReadOnlyList<long> times, IReadOnlyList<double[]> rows)
    {
        var values = new List<double>(rows.Count * columns.Count);
        foreach (var row in rows)
        {
            if (row.Length != columns.Count)
            {
                throw new ArgumentException($"A row has {row.Length} values, expected {columns.Count}.", nameof(rows));
            }
            values.AddRange(row);
        }
        var table = SortAndDeduplicate(timeColumn, [.. columns], [.. times], values, out var unsorted, out var duplicates);
        table.UnsortedRows = unsorted;
        table.DuplicateRowsDropped = duplicates;
        return table;
    }

    private static CsvTable SortAndDeduplicate(string timeColumn, string[] columns, List<long> times, List<double> values, out int unsorted, out int duplicates)
    {
        var width = columns.Length;
        var order = Enumerable.Range(0, times.Count).ToArray();
        unsorted = 0;
        for (var i = 1; i < times.Count; i++)
        {
            if (times[i] < times[i - 1])
            {
                unsorted++;
            }
        }
        if (unsorted > 0)
        {
            // Stable: rows with equal times keep file order, so "first kept" below means first in the file.
            order = order.OrderBy(i => times[i]).ToArray();
        }
        var keptTimes = new List<long>(times.Count);
        var keptValues = new List<double>(values.Count);
        duplicates = 0;
        foreach (var i in order)
        {
            if (keptTimes.Count > 0 && keptTimes[^1] == times[i])
            {
                duplicates++;
                continue;
            }
            keptTimes.Add(times[i]);
            for (var c = 0; c < width; c++)
            {
                keptValues.Add(values[(i * width) + c]);
            }
        }
        return new CsvTable(timeColumn, columns, [.. keptTimes], [.. keptValues]);
    }

    private static char DetectSeparator(string header)
    {
        var semicolons = header.Count(c => c == ';');
        var commas = header.Count(c => c == ',');
        var tabs = header.Count(c => c == '\t');
        if (tabs > semicolons && tabs > commas)
        {
            return '\t';
        }
        return semicolons >= commas && semicolons > 0 ? ';' : ',';
    }

    private static string[] Split(string line, char separator)
    {
        var cells = new List<string>();
        SplitInto(line, separator, cells);
        return [.. cells];
    }

    /// <summary>Splits one line; double quotes protect separators, "" inside quotes is a quote.</summary>
    private static void SplitInto(string line, char separator, List<string> cells)
    {
        if (line.IndexOf('"', StringComparison.Ordinal) < 0)
        {
            cells.AddRange(line.Split(separator));
            return;
        }
        var sb = new StringBuilder();
        var quoted = false;
        for (var i = 0; i < line.Length; i++)
        {
            var c = line[i];
            if (quoted)
            {
                if (c == '"' && i + 1 < line.Length && line[i + 1] == '"')
                {
                    sb.Append('"');
                    i++;
                }
                else if (c == '"')
                {
                    quoted = false;
                }
                else
                {
                    sb.Append(c);
                }
            }
            else if (c == '"')
            {
                quoted = true;
            }
            else if (c == separator)
            {
                cells.Add(sb.ToString());
                sb.Clear();
            }
            else
            {
                sb.Append(c);
            }
        }
        cells.Add(sb.ToString());
    }

    private enum TimeFormat
    {
        UnixSeconds,
        UnixMilliseconds,
        Text,
    }

    private static readonly string[] TextFormats =
    [
        "yyyy-MM-dd HH:mm:ss", "yyyy-MM-dd HH:mm:ss.FFFFFFF", "yyyy-MM-dd HH:mm", "yyyy-MM-ddTHH:mm:ss", "yyyy-MM-ddTHH:mm:ss.FFFFFFF",
    ];

    private static TimeFormat DetectTimeFormat(string cell, string source, int line, string column)
    {
        if (double.TryParse(cell, NumberStyles.Float, CultureInfo.InvariantCulture, out var number) && double.IsFinite(number))
        {
            return Math.Abs(number) > 1e11 ? TimeFormat.UnixMilliseconds : TimeFormat.UnixSeconds;
        }
        if (TryParseText(cell, out _))
        {
            return TimeFormat.Text;
        }
        throw new CsvFormatException($"{source} line {line}, column '{column}': '{cell}' is not a time (ISO-8601, 'YYYY-MM-DD hh:mm:ss' or unix seconds/ms).");
    }

    private static long ParseTime(string cell, TimeFormat format, string source, int line, string column)
    {
        switch (format)
        {
            case TimeFormat.UnixSeconds or TimeFormat.UnixMilliseconds:
                if (double.TryParse(cell, NumberStyles.Float, CultureInfo.InvariantCulture, out var number) && double.IsFinite(number))
                {
                    return format == TimeFormat.UnixSeconds ? (long)Math.Round(number * 1000) : (long)Math.Round(number);
                }
                break;
            default:
                if (TryParseText(cell, out var ms))
                {
                    return ms;
                }
                break;
        }
        throw new CsvFormatException($"{source} line {line}, column '{column}': '{cell}' is not a time in the format of the first row ({format}).");
    }

    private static bool TryParseText(string cell, out long unixMs)
    {
        if (DateTime.TryParseExact(cell, TextFormats, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var exact))
        {
            unixMs = new DateTimeOffset(exact, TimeSpan.Zero).ToUnixTimeMilliseconds();
            return true;
        }
        if (cell.Length >= 10 && char.IsDigit(cell[0]) && cell[4] == '-'
            && DateTimeOffset.TryParse(cell, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var iso))
        {
            unixMs = iso.ToUnixTimeMilliseconds();
            return true;
        }
        unixMs = 0;
        return false;
    }

    private static double ParseValue(string raw, char separator, string source, int line, string column, out bool missing)
    {
        var cell = raw.AsSpan().Trim();
        missing = false;
        if (cell.IsEmpty || cell.Equals("nan", StringComparison.OrdinalIgnoreCase)
            || cell.Equals("inf", StringComparison.OrdinalIgnoreCase) || cell.Equals("-inf", StringComparison.OrdinalIgnoreCase)
            || cell.Equals("+inf", StringComparison.OrdinalIgnoreCase) || cell.Equals("infinity", StringComparison.OrdinalIgnoreCase)
            || cell.Equals("-infinity", StringComparison.OrdinalIgnoreCase))
        {
            missing = true;
            return double.NaN;
        }
        if (double.TryParse(cell, NumberStyles.Float, CultureInfo.InvariantCulture, out var value))
        {
            if (!double.IsFinite(value))
            {
                missing = true;
                return double.NaN;
            }
            return value;
        }
        // With ';' as separator a decimal comma is common (and unambiguous when there is exactly one and no point).
        if (separator == ';' && cell.Count(',') == 1 && !cell.Contains('.')
            && double.TryParse(cell.ToString().Replace(',', '.'), NumberStyles.Float, CultureInfo.InvariantCulture, out value) && double.IsFinite(value))
        {
            return value;
        }
        throw new CsvFormatException($"{source} line {line}, column '{column}': '{raw.Trim()}' is not a number.");
    }
}
