using System.Collections;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Reflection;
using EdgeAnomaly.Rules;
using Microsoft.Extensions.Configuration;

namespace EdgeAnomaly.Runtime.Configuration;

/// <summary>
/// The one rule for every duration key of the configuration (every <see cref="TimeSpan"/> property reachable from
/// <see cref="GatewayConfig"/>, in any section, list or dictionary): "hh:mm:ss" / "d.hh:mm:ss[.fff]" or a number
/// with a unit (500ms, 10s, 5m, 1h, 2d, 1h30m). A bare number is refused naming the key, because the .NET binder
/// reads "10" as ten days: "HealthInterval": 10 would silently mean no health for ten days.
/// </summary>
public static class ConfigDurations
{
    public const string AcceptedForms = "write \"hh:mm:ss\" (e.g. \"00:00:10\", \"1.00:00:00\") or a number with a unit ms, s, m, h, d (e.g. \"10s\", \"500ms\", \"1h30m\")";

    /// <summary>What a configured duration text is.</summary>
    public enum Verdict
    {
        /// <summary>"hh:mm:ss" form; the binder reads it as is.</summary>
        TimeSpanText,

        /// <summary>A unit literal ("10s"); rewritten to "c" form before binding.</summary>
        UnitLiteral,

        /// <summary>A bare number ("10", 10): refused.</summary>
        BareNumber,

        /// <summary>Neither: refused.</summary>
        Invalid,
    }

    /// <summary>Classifies <paramref name="text"/>; <paramref name="value"/> is set for the two accepted forms.</summary>
    public static Verdict Classify(string text, out TimeSpan value)
    {
        value = TimeSpan.Zero;
        var s = text.AsSpan().Trim();
        if (double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out _))
        {
            return Verdict.BareNumber;
        }
        if (s.Contains(':'))
        {
            return TimeSpan.TryParse(s, CultureInfo.InvariantCulture, out value) ? Verdict.TimeSpanText : Verdict.Invalid;
        }
        var negative = s.StartsWith('-');
        if (Durations.TryParse(negative ? s[1..].ToString() : s.ToString(), out value))
        {
            value = negative ? -value : value;
            return Verdict.UnitLiteral;
        }
        return Verdict.Invalid;
    }

    /// <summary>
    /// Checks every duration key present in <paramref name="configuration"/> against <see cref="GatewayConfig"/>'s
    /// shape. Returns a configuration to bind (unit literals rewritten to "c" form) or throws
    /// <see cref="ConfigException"/> with one line per refused key.
    /// </summary>
    public static IConfiguration Normalize(IConfiguration configuration)
    {
        var errors = new List<string>();
        var rewrites = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        Walk(typeof(GatewayConfig), configuration, errors, rewrites);
        if (errors.Count > 0)
        {
            throw new ConfigException(errors);
        }
        if (rewrites.Count == 0)
        {
            return configuration;
        }
        return new ConfigurationBuilder().AddConfiguration(configuration).AddInMemoryCollection(rewrites).Build();
    }

    [UnconditionalSuppressMessage("Trimming", "IL2070", Justification = "The assemblies declaring the configuration types are trimmer roots (EdgeAnomaly.Gateway.csproj, EdgeAnomaly.Demo.csproj); tests/published-smoke.sh checks the refusal on the trimmed binary.")]
    private static void Walk(Type type, IConfiguration section, List<string> errors, Dictionary<string, string?> rewrites)
    {
        foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            if (property.GetIndexParameters().Length > 0)
            {
                continue;
            }
            var child = section.GetSection(property.Name);
            if (child.Value is null && !child.GetChildren().Any())
            {
                continue;
            }
            WalkValue(property.PropertyType, child, errors, rewrites);
        }
    }

    private static void WalkValue(Type declared, IConfigurationSection section, List<string> errors, Dictionary<string, string?> rewrites)
    {
        var type = Nullable.GetUnderlyingType(declared) ?? declared;
        if (type == typeof(TimeSpan))
        {
            Check(section, errors, rewrites);
            return;
        }
        if (type.IsPrimitive || type.IsEnum || type == typeof(string) || type == typeof(decimal) || type == typeof(DateTime)
            || type == typeof(DateTimeOffset) || type == typeof(Guid) || type == typeof(Uri))
        {
            return;
        }
        if (ElementType(type) is { } element)
        {
            foreach (var item in section.GetChildren())
            {
                WalkValue(element, item, errors, rewrites);
            }
            return;
        }
        if (type.IsClass || type.IsValueType)
        {
            Walk(type, section, errors, rewrites);
        }
    }

    /// <summary>Element type of an array, list or set, or value type of a string-keyed dictionary; null otherwise.</summary>
    [UnconditionalSuppressMessage("Trimming", "IL2070", Justification = "The assemblies declaring the configuration types are trimmer roots (EdgeAnomaly.Gateway.csproj, EdgeAnomaly.Demo.csproj); tests/published-smoke.sh checks the refusal on the trimmed binary.")]
    private static Type? ElementType(Type type)
    {
        if (type.IsArray)
        {
            return type.GetElementType();
        }
        if (!typeof(IEnumerable).IsAssignableFrom(type))
        {
            return null;
        }
        foreach (var candidate in (Type[])[type, .. type.GetInterfaces()])
        {
            if (candidate.IsGenericType && candidate.GetGenericTypeDefinition() == typeof(IDictionary<,>))
            {
                return candidate.GetGenericArguments()[1];
            }
        }
        foreach (var candidate in (Type[])[type, .. type.GetInterfaces()])
        {
            if (candidate.IsGenericType && candidate.GetGenericTypeDefinition() == typeof(IEnumerable<>))
            {
                return candidate.GetGenericArguments()[0];
            }
        }
        return null;
    }

    private static void Check(IConfigurationSection section, List<string> errors, Dictionary<string, string?> rewrites)
    {
        if (string.IsNullOrWhiteSpace(section.Value))
        {
            // Absent or empty: the binder keeps the default (or null for an optional duration).
            return;
        }
        switch (Classify(section.Value, out var value))
        {
            case Verdict.TimeSpanText:
                break;
            case Verdict.UnitLiteral:
                rewrites[section.Path] = value.ToString("c", CultureInfo.InvariantCulture);
                break;
            case Verdict.BareNumber:
                errors.Add($"{section.Path} is a bare number ({section.Value}), which would be read as days; {AcceptedForms}");
                break;
            default:
                errors.Add($"{section.Path} '{section.Value}' is not a duration; {AcceptedForms}");
                break;
        }
    }
}
