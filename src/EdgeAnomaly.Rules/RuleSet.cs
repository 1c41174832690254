using EdgeAnomaly.Core.Events;
using EdgeAnomaly.Rules.Expressions;

namespace EdgeAnomaly.Rules;

/// <summary>
/// A parsed rules file, not yet bound to assets (see <see cref="RuleCompiler.Compile"/>).
/// <see cref="AllowFewerInstances"/> is the file's explicit consent (top-level <c>allow_fewer_instances: true</c>)
/// that a reload may leave fewer rule instances than the rules in force; without it such a reload is refused.
/// </summary>
public sealed record RuleSet(string FileName, int Version, IReadOnlyList<RuleDefinition> Rules, bool AllowFewerInstances = false);

/// <summary>
/// Which assets a rule applies to. An asset matches when its name matches any of <see cref="AssetPatterns"/>
/// (globs with * and ?, when any are given), its type is one of <see cref="AssetTypes"/> (when any are given),
/// and it has every tag in <see cref="Tags"/>.
/// </summary>
public sealed record RuleSelector(IReadOnlyList<string> AssetPatterns, IReadOnlyList<string> AssetTypes, IReadOnlyList<string> Tags)
{
    public bool MatchesNameAndType(string assetName, string assetType)
    {
        if (AssetTypes.Count > 0 && !Contains(AssetTypes, assetType))
        {
            return false;
        }
        if (AssetPatterns.Count == 0)
        {
            return true;
        }
        foreach (var pattern in AssetPatterns)
        {
            if (Glob.IsMatch(pattern, assetName))
            {
                return true;
            }
        }
        return false;
    }

    private static bool Contains(IReadOnlyList<string> list, string value)
    {
        foreach (var item in list)
        {
            if (string.Equals(item, value, StringComparison.Ordinal))
            {
                return true;
            }
        }
        return false;
    }
}

/// <summary>A condition as written, with where it was written (for warnings), and its compiled form.</summary>
public sealed class RuleCondition
{
    internal RuleCondition(string text, int line, int column, CompiledCondition compiled)
    {
        Text = text;
        Line = line;
        Column = column;
        Compiled = compiled;
    }

    public string Text { get; }

    public int Line { get; }

    public int Column { get; }

    internal CompiledCondition Compiled { get; }
}

/// <summary>One rule of the file, validated and compiled (conditions are compiled once, here, not per reading).</summary>
public sealed class RuleDefinition
{
    internal RuleDefinition(
        string id,
        RuleSelector select,
        RuleCondition when,
        RuleCondition? clear,
        double? hysteresis,
        TimeSpan sustain,
        Severity severity,
        string message,
        TimeSpan cooldown,
        int line,
        int column,
        string[] tagNames,
        (int TagSlot, long WindowMs)[] deltas,
        double threshold)
    {
        Id = id;
        Select = select;
        When = when;
        Clear = clear;
        Hysteresis = hysteresis;
        Sustain = sustain;
        Severity = severity;
        Message = message;
        Cooldown = cooldown;
        Line = line;
        Column = column;
        TagNames = tagNames;
        Deltas = deltas;
        Threshold = threshold;
    }

    public string Id { get; }

    /// <summary>"rule:{id}", the event source key.</summary>
    public string Key => "rule:" + Id;

    public RuleSelector Select { get; }

    public RuleCondition When { get; }

    /// <summary>Explicit clear condition, or the one derived from <see cref="Hysteresis"/>; null: clears when <see cref="When"/> stops holding.</summary>
    public RuleCondition? Clear { get; }

    public double? Hysteresis { get; }

    public TimeSpan Sustain { get; }

    public Severity Severity { get; }

    public string Message { get; }

    public TimeSpan Cooldown { get; }

    public int Line { get; }

    public int Column { get; }

    /// <summary>Every tag the rule reads; the first is the primary tag (selector tags first, then in order of use).</summary>
    public IReadOnlyList<string> TagNames { get; }

    /// <summary>The constant of a `tag OP constant` condition, else NaN.</summary>
    public double Threshold { get; }

    internal (int TagSlot, long WindowMs)[] Deltas { get; }
}

/// <summary>Asset name globs: * matches any run of characters, ? exactly one; case-sensitive.</summary>
public static class Glob
{
    public static bool IsMatch(string pattern, string text)
    {
        int p = 0, t = 0, starP = -1, starT = 0;
        while (t < text.Length)
        {
            if (p < pattern.Length && (pattern[p] == '?' || pattern[p] == text[t]))
            {
                p++;
                t++;
            }
            else if (p < pattern.Length && pattern[p] == '*')
            {
                starP = p++;
                starT = t;
            }
            else if (starP >= 0)
            {
                // Let the last star swallow one more character and retry from there.
                p = starP + 1;
                t = ++starT;
            }
            else
            {
                return false;
            }
        }
        while (p < pattern.Length && pattern[p] == '*')
        {
            p++;
        }
        return p == pattern.Length;
    }
}
