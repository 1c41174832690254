using System.Text;
using EdgeAnomaly.Core.Readings;
using EdgeAnomaly.Core.Tags;

namespace EdgeAnomaly.Rules;

/// <summary>
/// The gateway's one way from a parsed rules file to an engine (at start, on reload, in <c>config check</c>): a rule
/// that reads a tag none of its assets declares is a typo (<c>levl.x</c> for <c>level.x</c>) and refuses the file
/// like a syntax error, instead of compiling to an engine that silently never fires.
/// </summary>
public static class RuleCompiler
{
    /// <summary>Compiles <paramref name="rules"/>; throws <see cref="RuleFileException"/> naming the first rule and tag when any tag is unknown.</summary>
    public static RuleEngine Compile(RuleSet rules, TagRegistry registry, TagValues values)
    {
        ArgumentNullException.ThrowIfNull(rules);
        ArgumentNullException.ThrowIfNull(registry);
        var unknown = UnknownTags(rules, registry);
        if (unknown.Count > 0)
        {
            var first = unknown[0];
            var reason = first.Reason + (unknown.Count > 1 ? $" (and {unknown.Count - 1} more unknown tag reference(s))" : "");
            throw new RuleFileException(rules.FileName, first.Line, first.Column, reason);
        }
        return RuleEngine.Compile(rules, registry, values);
    }

    /// <summary>
    /// Every (rule, tag) where the rule's condition (<c>when</c> or <c>clear</c>) reads the tag, the tag is not listed under
    /// <c>select.tags</c>, and no asset the rule selects by name and type declares it (for a rule that selects no asset:
    /// no asset at all). In file order.
    /// </summary>
    public static List<UnknownTag> UnknownTags(RuleSet rules, TagRegistry registry)
    {
        ArgumentNullException.ThrowIfNull(rules);
        ArgumentNullException.ThrowIfNull(registry);
        var found = new List<UnknownTag>();
        foreach (var rule in rules.Rules)
        {
            var selected = new List<AssetInfo>();
            foreach (var asset in registry.Assets)
            {
                if (rule.Select.MatchesNameAndType(asset.Name, asset.Type))
                {
                    selected.Add(asset);
                }
            }
            if (selected.Count == 0)
            {
                // A rule whose assets are gone is a warning at compile; its tags are still checked against the plant.
                selected.AddRange(registry.Assets);
            }
            foreach (var tag in rule.TagNames)
            {
                // A tag under select.tags says "only assets that have it": absent everywhere it is a warning, not a typo.
                if (!ListContains(rule.Select.Tags, tag) && !DeclaredByAny(registry, selected, tag))
                {
                    found.Add(new UnknownTag(rule.Id, tag, rule.When.Line, ColumnOf(rule.When, tag),
                        $"rule '{rule.Id}' reads unknown tag '{tag}': no asset it selects declares it{Suggest(registry, selected)}"));
                }
            }
        }
        return found;
    }

    /// <summary>Column of the tag inside a one-line condition, else of the condition (a selector tag, a block scalar).</summary>
    private static int ColumnOf(RuleCondition condition, string tag)
    {
        var at = condition.Text.IndexOf(tag, StringComparison.Ordinal);
        return at >= 0 && condition.Text.AsSpan(0, at).IndexOfAny('\n', '\r') < 0 ? condition.Column + at : condition.Column;
    }

    private static bool ListContains(IReadOnlyList<string> list, string value)
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

    private static bool DeclaredByAny(TagRegistry registry, List<AssetInfo> assets, string tag)
    {
        foreach (var asset in assets)
        {
            if (registry.TryGetTag(asset.Id, tag, out _))
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>" (declared: a, b, ...)" — the tags the selected assets do have, so the typo is plain to see.</summary>
    private static string Suggest(TagRegistry registry, List<AssetInfo> assets)
    {
        var names = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var asset in assets)
        {
            foreach (var id in asset.TagIds)
            {
                names.Add(registry.GetTag(id).Name);
            }
        }
        if (names.Count == 0)
        {
            return "";
        }
        var sb = new StringBuilder(" (declared: ");
        var shown = 0;
        foreach (var name in names)
        {
            if (shown == 12)
            {
                sb.Append(", ...");
                break;
            }
            sb.Append(shown++ == 0 ? "" : ", ").Append(name);
        }
        return sb.Append(')').ToString();
    }
}

/// <summary>A tag a rule reads that its assets do not declare; <see cref="Line"/>/<see cref="Column"/> locate the rule's condition.</summary>
public sealed record UnknownTag(string RuleId, string Tag, int Line, int Column, string Reason);
