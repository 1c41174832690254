using System.Globalization;

namespace EdgeAnomaly.Rules;

/// <summary>
/// Duration literals of the rules file and of the gateway configuration: 500ms, 10s, 5m, 1h, 2d, 1.5s, and sums like
/// 1h30m; "0" alone is zero.
/// </summary>
public static class Durations
{
    /// <summary>Milliseconds of one unit, or 0 when the text is not a unit.</summary>
    public static double UnitMilliseconds(ReadOnlySpan<char> unit) => unit switch
    {
        "ms" => 1,
        "s" => 1_000,
        "m" => 60_000,
        "h" => 3_600_000,
        "d" => 86_400_000,
        _ => 0,
    };

    public static bool TryParse(string? text, out TimeSpan duration)
    {
        duration = TimeSpan.Zero;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }
        var s = text.AsSpan().Trim();
        if (s is "0")
        {
            return true;
        }
        double totalMs = 0;
        var i = 0;
        while (i < s.Length)
        {
            var numberStart = i;
            while (i < s.Length && (char.IsAsciiDigit(s[i]) || s[i] == '.'))
            {
                i++;
            }
            if (i == numberStart || !double.TryParse(s[numberStart..i], NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var number))
            {
                return false;
            }
            var unitStart = i;
            while (i < s.Length && char.IsAsciiLetter(s[i]))
            {
                i++;
            }
            var unitMs = UnitMilliseconds(s[unitStart..i]);
            if (unitMs <= 0)
            {
                return false;
            }
            totalMs += number * unitMs;
        }
        if (totalMs > TimeSpan.MaxValue.TotalMilliseconds / 2)
        {
            return false;
        }
        duration = TimeSpan.FromMilliseconds(totalMs);
        return true;
    }

    /// <summary>Shortest literal that reads back to the same duration (for messages and docs).</summary>
    public static string Format(TimeSpan duration)
    {
        var ms = (long)duration.TotalMilliseconds;
        if (ms == 0)
        {
            return "0s";
        }
        if (ms % 3_600_000 == 0)
        {
            return (ms / 3_600_000).ToString(CultureInfo.InvariantCulture) + "h";
        }
        if (ms % 60_000 == 0)
        {
            return (ms / 60_000).ToString(CultureInfo.InvariantCulture) + "m";
        }
        if (ms % 1_000 == 0)
        {
            return (ms / 1_000).ToString(CultureInfo.InvariantCulture) + "s";
        }
        return ms.ToString(CultureInfo.InvariantCulture) + "ms";
    }
}
