using System.Reflection;
using System.Xml.Linq;
using EdgeAnomaly.Core.Diagnostics;
using EdgeAnomaly.Gateway.Tests.Configuration;
using Microsoft.Extensions.Logging;

namespace EdgeAnomaly.Gateway.Tests.Architecture;

/// <summary>
/// One log event id means one message (issue 15): every [LoggerMessage] in every assembly built from src/ has an id
/// of its own, inside the range that <see cref="LogEventIds"/> gives its namespace.
/// </summary>
public sealed class LogEventIdTests
{
    private sealed record Area(string Name, string Namespace, int First, int Last);

    private sealed record LogMethod(string Name, string Namespace, int EventId);

    [Fact]
    public void EveryLoggerMessageInSrcHasAnEventIdOfItsOwn()
    {
        var methods = LoggerMessages();
        var shared = methods
            .GroupBy(m => m.EventId)
            .Where(g => g.Count() > 1)
            .Select(g => $"{g.Key}: {string.Join(", ", g.Select(m => m.Name))}")
            .ToList();
        Assert.True(shared.Count == 0, "event ids used by more than one LoggerMessage:\n" + string.Join("\n", shared));
    }

    [Fact]
    public void EveryLoggerMessageInSrcTakesItsEventIdFromItsAreasRange()
    {
        var areas = Areas();
        var misplaced = new List<string>();
        foreach (var method in LoggerMessages())
        {
            var area = areas
                .Where(a => method.Namespace == a.Namespace || method.Namespace.StartsWith(a.Namespace + ".", StringComparison.Ordinal))
                .MaxBy(a => a.Namespace.Length);
            if (area is null)
            {
                misplaced.Add($"{method.Name} ({method.EventId}): no area in LogEventIds for namespace {method.Namespace}");
            }
            else if (method.EventId < area.First || method.EventId > area.Last)
            {
                misplaced.Add($"{method.Name} ({method.EventId}): outside {area.Name} {area.First}-{area.Last}");
            }
        }
        Assert.True(misplaced.Count == 0, string.Join("\n", misplaced));
    }

    [Fact]
    public void TheRegistrysAreasDoNotOverlapAndEachIdIsInsideItsArea()
    {
        var areas = Areas().OrderBy(a => a.First).ToList();
        Assert.True(areas.Count >= 10, $"only {areas.Count} areas found; the reflection over LogEventIds is broken");
        for (var i = 1; i < areas.Count; i++)
        {
            Assert.True(areas[i - 1].Last < areas[i].First, $"{areas[i - 1].Name} and {areas[i].Name} overlap");
        }
        Assert.Equal(areas.Count, areas.Select(a => a.Namespace).Distinct(StringComparer.Ordinal).Count());

        var seen = new Dictionary<int, string>();
        foreach (var type in typeof(LogEventIds).GetNestedTypes())
        {
            var area = areas.Single(a => a.Name == type.Name);
            foreach (var field in IdFields(type))
            {
                var id = (int)field.GetRawConstantValue()!;
                Assert.True(id >= area.First && id <= area.Last, $"{type.Name}.{field.Name} = {id} is outside {area.First}-{area.Last}");
                Assert.True(seen.TryAdd(id, $"{type.Name}.{field.Name}"), $"{type.Name}.{field.Name} = {id} repeats {seen.GetValueOrDefault(id)}");
            }
        }
    }

    [Fact]
    public void TheScanSeesEverySrcAssemblyAndTheirLogMethods()
    {
        // Without this the checks above pass on an empty scan.
        var names = SrcAssemblyNames();
        Assert.Contains("edgeanomaly", names);
        Assert.Contains("edgeanomaly-demo", names);
        Assert.Contains("EdgeAnomaly.Runtime", names);
        Assert.Contains("EdgeAnomaly.Modbus", names);
        Assert.True(names.Count >= 13, $"only {names.Count} projects under src/");
        var methods = LoggerMessages();
        foreach (var ns in new[] { "EdgeAnomaly.Uplink", "EdgeAnomaly.Rules", "EdgeAnomaly.Devices", "EdgeAnomaly.Modbus", "EdgeAnomaly.Ingest", "EdgeAnomaly.Runtime.Pipeline" })
        {
            Assert.Contains(methods, m => m.Namespace == ns);
        }
    }

    private static List<Area> Areas() =>
        typeof(LogEventIds).GetNestedTypes()
            .Select(t => new Area(
                t.Name,
                (string)t.GetField("Namespace")!.GetRawConstantValue()!,
                (int)t.GetField("First")!.GetRawConstantValue()!,
                (int)t.GetField("Last")!.GetRawConstantValue()!))
            .ToList();

    private static IEnumerable<FieldInfo> IdFields(Type area) =>
        area.GetFields(BindingFlags.Public | BindingFlags.Static)
            .Where(f => f.IsLiteral && f.FieldType == typeof(int) && f.Name is not ("First" or "Last"));

    private static List<LogMethod> LoggerMessages()
    {
        var methods = new List<LogMethod>();
        foreach (var name in SrcAssemblyNames())
        {
            var assembly = Assembly.Load(new AssemblyName(name));
            foreach (var type in assembly.GetTypes())
            {
                foreach (var method in type.GetMethods(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static | BindingFlags.Instance | BindingFlags.DeclaredOnly))
                {
                    if (method.GetCustomAttribute<LoggerMessageAttribute>() is { } attribute)
                    {
                        methods.Add(new LogMethod($"{type.FullName}.{method.Name}", type.Namespace ?? "", attribute.EventId));
                    }
                }
            }
        }
        return methods;
    }

    /// <summary>The assembly name of every project under src/ (its AssemblyName, else the project file's name).</summary>
    private static List<string> SrcAssemblyNames()
    {
        var src = Path.Combine(ConfigLoaderTests.FindRepoRoot(), "src");
        return Directory.EnumerateFiles(src, "*.csproj", SearchOption.AllDirectories)
            .Select(project => XDocument.Load(project).Descendants("AssemblyName").FirstOrDefault()?.Value
                ?? Path.GetFileNameWithoutExtension(project))
            .Order(StringComparer.Ordinal)
            .ToList();
    }
}
