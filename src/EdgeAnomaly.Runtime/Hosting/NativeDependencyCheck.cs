using System.Runtime.InteropServices;

namespace EdgeAnomaly.Runtime.Hosting;

/// <summary>
/// Checks, before anything else runs, that the shared libraries the self-contained binary still needs from the
/// operating system are present. Event ids and model-bundle checksums are SHA-256 and MQTT TLS is SslStream;
/// on Linux .NET does both through the system OpenSSL, and when no libssl can be loaded the runtime aborts the
/// process (SIGABRT, core dump) at the first hash, i.e. at the first event. A gateway must not die that way
/// hours after start: it refuses to start with a message naming the package instead.
/// </summary>
public static class NativeDependencyCheck
{
    /// <summary>The sonames .NET's OpenSSL shim probes, newest first (OpenSSL 3, 1.1, 1.0.x and the RHEL name).</summary>
    internal static readonly string[] LibsslSonames = ["libssl.so.3", "libssl.so.1.1", "libssl.so.1.0.2", "libssl.so.1.0.0", "libssl.so.10"];

    private static readonly string[] VersionOverrideVariables = ["DOTNET_OPENSSL_VERSION_OVERRIDE", "CLR_OPENSSL_VERSION_OVERRIDE"];

    /// <summary>Returns null when the dependencies are present, otherwise the message to print before exiting.</summary>
    public static string? FindMissing() =>
        OperatingSystem.IsLinux() ? FindMissingLibssl(CanLoad, Environment.GetEnvironmentVariable) : null;

    internal static string? FindMissingLibssl(Func<string, bool> canLoad, Func<string, string?> environment)
    {
        List<string> tried = [];
        foreach (var variable in VersionOverrideVariables)
        {
            var version = environment(variable);
            if (!string.IsNullOrWhiteSpace(version))
            {
                tried.Add("libssl.so." + version.Trim());
            }
        }
        tried.AddRange(LibsslSonames);
        foreach (var soname in tried)
        {
            if (canLoad(soname)) { return null; }
        }
        return "edgeanomaly: no usable OpenSSL library found (tried " + string.Join(", ", tried) + "). "
            + "Event ids, model-bundle checksums and MQTT TLS need it. Install it and start again: "
            + "Debian/Raspberry Pi OS/Ubuntu: apt-get install libssl3 (libssl1.1 on Debian 11 and older); "
            + "Fedora/RHEL: dnf install openssl-libs; Alpine: apk add libssl3.";
    }

    private static bool CanLoad(string soname)
    {
        if (!NativeLibrary.TryLoad(soname, out var handle)) { return false; }
        // The runtime's own shim loads it again by the same name; this handle is only the probe's.
        NativeLibrary.Free(handle);
        return true;
    }
}
