using Xunit;

namespace EdgeAnomaly.TestSupport;

/// <summary>
/// A fact that needs the SKAB data at ../shared/datasets/skab relative to the repository root; skipped, saying
/// where it looked, when the folder is absent.
/// </summary>
public sealed class SkabDataFactAttribute : FactAttribute
{
    public SkabDataFactAttribute()
    {
        if (SkabData.Directory is null)
        {
            Skip = $"SKAB data not found: looked for {SkabData.Expected ?? "../shared/datasets/skab next to the repository root (no EdgeAnomaly.sln above the test binaries)"}";
        }
    }
}

public static class SkabData
{
    public static string? Expected { get; } = Locate();

    public static string? Directory { get; } = Expected is not null && System.IO.Directory.Exists(Path.Combine(Expected, "valve1")) ? Expected : null;

    private static string? Locate()
    {
        var root = typeof(SkabData).Assembly.GetCustomAttributes(typeof(System.Reflection.AssemblyMetadataAttribute), false)
            .OfType<System.Reflection.AssemblyMetadataAttribute>()
            .FirstOrDefault(a => a.Key == "RepositoryRoot")?.Value;
        if (root is not null && File.Exists(Path.Combine(root, "EdgeAnomaly.sln")))
        {
            return Path.GetFullPath(Path.Combine(root, "..", "shared", "datasets", "skab"));
        }
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "EdgeAnomaly.sln")))
            {
                return Path.GetFullPath(Path.Combine(dir.FullName, "..", "shared", "datasets", "skab"));
            }
        }
        // Built outside the tree (--artifacts-path): fall back to the working directory's ancestors.
        for (var dir = new DirectoryInfo(Environment.CurrentDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "EdgeAnomaly.sln")))
            {
                return Path.GetFullPath(Path.Combine(dir.FullName, "..", "shared", "datasets", "skab"));
            }
        }
        return null;
    }
}
