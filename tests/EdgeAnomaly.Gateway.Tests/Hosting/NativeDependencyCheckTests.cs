using EdgeAnomaly.Runtime.Hosting;

namespace EdgeAnomaly.Gateway.Tests.Hosting;

public sealed class NativeDependencyCheckTests
{
    private static string? NoEnvironment(string name) => null;

    [Theory]
    [InlineData("libssl.so.3")]
    [InlineData("libssl.so.1.1")]
    [InlineData("libssl.so.1.0.0")]
    [InlineData("libssl.so.10")]
    public void AnyProbedSoname_Loadable_Passes(string present)
    {
        Assert.Null(NativeDependencyCheck.FindMissingLibssl(soname => soname == present, NoEnvironment));
    }

    [Fact]
    public void NoLibssl_MessageNamesTriedLibrariesAndPackage()
    {
        var tried = new List<string>();
        var message = NativeDependencyCheck.FindMissingLibssl(soname => { tried.Add(soname); return false; }, NoEnvironment);
        Assert.NotNull(message);
        Assert.Equal(NativeDependencyCheck.LibsslSonames, tried);
        Assert.Contains("libssl.so.3", message, StringComparison.Ordinal);
        Assert.Contains("apt-get install libssl3", message, StringComparison.Ordinal);
    }

    [Fact]
    public void VersionOverride_ProbedFirst()
    {
        var tried = new List<string>();
        var message = NativeDependencyCheck.FindMissingLibssl(
            soname => { tried.Add(soname); return soname == "libssl.so.3.0.7"; },
            name => name == "DOTNET_OPENSSL_VERSION_OVERRIDE" ? " 3.0.7 " : null);
        Assert.Null(message);
        Assert.Equal(["libssl.so.3.0.7"], tried);
    }

    [Fact]
    public void ThisMachine_RealLoader_FindsLibssl()
    {
        // The test host itself hashes with SHA-256 through OpenSSL, so the real probe must agree that it is there.
        Assert.True(OperatingSystem.IsLinux());
        Assert.Null(NativeDependencyCheck.FindMissing());
    }
}
