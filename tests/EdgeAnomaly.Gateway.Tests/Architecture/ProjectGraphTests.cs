using System.Reflection;
using System.Xml.Linq;
using EdgeAnomaly.Gateway.Tests.Configuration;

namespace EdgeAnomaly.Gateway.Tests.Architecture;

/// <summary>
/// The daemon's dependency graph holds no simulator and no embedded broker (issue 15): checked on the project files
/// (what the build would pull in, even when the compiler drops an unused reference) and on the built assemblies.
/// </summary>
public sealed class ProjectGraphTests
{
    private static readonly string[] ForbiddenPackages = ["MQTTnet.Server"];

    [Fact]
    public void TheDaemonsProjectGraphHoldsNoSimulatorAndNoEmbeddedBroker()
    {
        var root = ConfigLoaderTests.FindRepoRoot();
        var daemon = Path.Combine(root, "src", "EdgeAnomaly.Gateway", "EdgeAnomaly.Gateway.csproj");
        var (projects, packages) = Walk(daemon);

        Assert.Contains(projects, p => p.EndsWith("EdgeAnomaly.Runtime.csproj", StringComparison.Ordinal));
        var firmwareSim = Path.Combine(root, "firmware-sim") + Path.DirectorySeparatorChar;
        Assert.DoesNotContain(projects, p => p.StartsWith(firmwareSim, StringComparison.Ordinal));
        Assert.DoesNotContain(projects, p => p.EndsWith("EdgeAnomaly.Demo.csproj", StringComparison.Ordinal));
        foreach (var forbidden in ForbiddenPackages)
        {
            Assert.DoesNotContain(packages, p => string.Equals(p, forbidden, StringComparison.OrdinalIgnoreCase));
        }
    }

    [Fact]
    public void TheWalkSeesTheDemosSimulatorAndBroker()
    {
        // The same walk over the demo must find them, or the check above proves nothing.
        var root = ConfigLoaderTests.FindRepoRoot();
        var (projects, packages) = Walk(Path.Combine(root, "src", "EdgeAnomaly.Demo", "EdgeAnomaly.Demo.csproj"));
        Assert.Contains(projects, p => p.EndsWith("EdgeAnomaly.FirmwareSim.csproj", StringComparison.Ordinal));
        Assert.Contains("MQTTnet.Server", packages);
        Assert.Contains("MQTTnet", packages);
    }

    [Fact]
    public void TheBuiltDaemonReferencesNoSimulatorAndNoEmbeddedBrokerAssembly()
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var pending = new Stack<AssemblyName>();
        pending.Push(typeof(EdgeAnomaly.Gateway.Program).Assembly.GetName());
        while (pending.Count > 0)
        {
            var name = pending.Pop();
            if (!seen.Add(name.Name!) || !name.Name!.StartsWith("EdgeAnomaly", StringComparison.OrdinalIgnoreCase) && !name.Name.StartsWith("edgeanomaly", StringComparison.Ordinal) && !name.Name.StartsWith("MQTTnet", StringComparison.Ordinal))
            {
                continue;
            }
            foreach (var reference in Assembly.Load(name).GetReferencedAssemblies())
            {
                pending.Push(reference);
            }
        }
        Assert.Contains("EdgeAnomaly.Runtime", seen);
        Assert.DoesNotContain("EdgeAnomaly.FirmwareSim", seen);
        Assert.DoesNotContain("MQTTnet.Server", seen);
        Assert.DoesNotContain("edgeanomaly-demo", seen);
    }

    /// <summary>Every project reachable by ProjectReference (full paths) and every PackageReference among them.</summary>
    private static (HashSet<string> Projects, HashSet<string> Packages) Walk(string start)
    {
        var projects = new HashSet<string>(StringComparer.Ordinal);
        var packages = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var pending = new Stack<string>();
        pending.Push(Path.GetFullPath(start));
        while (pending.Count > 0)
        {
            var project = pending.Pop();
            if (!projects.Add(project))
            {
                continue;
            }
            var xml = XDocument.Load(project);
            foreach (var item in xml.Descendants())
            {
                var include = item.Attribute("Include")?.Value;
                if (include is null)
                {
                    continue;
                }
                if (item.Name.LocalName == "ProjectReference")
                {
                    pending.Push(Path.GetFullPath(Path.Combine(Path.GetDirectoryName(project)!, include.Replace('\\', '/'))));
                }
                else if (item.Name.LocalName == "PackageReference")
                {
                    packages.Add(include);
                }
            }
        }
        return (projects, packages);
    }
}
