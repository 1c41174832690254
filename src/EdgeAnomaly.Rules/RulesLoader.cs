using EdgeAnomaly.Core.Readings;
using EdgeAnomaly.Core.Tags;

namespace EdgeAnomaly.Rules;

/// <summary>
/// The gateway's one way from rules text to an engine, used at start, by <c>config check</c> and on every reload:
/// parse (<see cref="RuleFile"/>), compile refusing unknown tags (<see cref="RuleCompiler"/>), and, when rules are
/// already in force, refuse fewer rule instances unless the file says <c>allow_fewer_instances: true</c>.
/// </summary>
public static class RulesLoader
{
    /// <summary>Reads and loads the file at <paramref name="path"/>; errors name the file by its name alone.</summary>
    /// <exception cref="RuleFileException">Syntax error or unknown tag ("file:line:col: reason").</exception>
    /// <exception cref="IOException">The file cannot be read (also <see cref="UnauthorizedAccessException"/>).</exception>
    public static RuleEngine LoadFile(string path, TagRegistry registry, TagValues values)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        return Load(File.ReadAllText(path), Path.GetFileName(path), registry, values, inForce: null);
    }

    /// <summary>Parses and compiles <paramref name="text"/>; <paramref name="fileName"/> prefixes every error.</summary>
    /// <param name="inForce">The engine a reload would replace; null at start.</param>
    /// <exception cref="RuleFileException">Syntax error or unknown tag.</exception>
    /// <exception cref="FewerRuleInstancesException">Fewer instances than <paramref name="inForce"/> without the file's consent.</exception>
    public static RuleEngine Load(string text, string fileName, TagRegistry registry, TagValues values, RuleEngine? inForce)
    {
        var rules = RuleFile.Parse(text, fileName);
        var engine = RuleCompiler.Compile(rules, registry, values);
        // A tag typo or a deleted rule must not silently stop detection: removing rules takes the file's consent.
        if (inForce is not null && engine.InstanceCount < inForce.InstanceCount && !rules.AllowFewerInstances)
        {
            throw new FewerRuleInstancesException(fileName, engine.InstanceCount, inForce.InstanceCount,
                engine.Warnings.Count > 0 ? engine.Warnings[0] : "none");
        }
        return engine;
    }
}

/// <summary>A reload refused because it leaves fewer rule instances than are in force and the file does not allow it.</summary>
public sealed class FewerRuleInstancesException(string fileName, int instances, int inForce, string firstWarning)
    : Exception($"{fileName}: leaves {instances} rule instances where {inForce} are in force (first warning: {firstWarning})")
{
    public string FileName { get; } = fileName;
    public int Instances { get; } = instances;
    public int InForce { get; } = inForce;
    public string FirstWarning { get; } = firstWarning;
}
