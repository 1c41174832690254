using System.Text.RegularExpressions;
using EdgeAnomaly.Gateway.Tests.Configuration;

namespace EdgeAnomaly.Gateway.Tests.Packaging;

/// <summary>The shipped systemd unit lets the gateway open every kind of serial port the documentation tells users to configure.</summary>
public sealed partial class SystemdUnitTests
{
    [Fact]
    public void DeviceAllow_AdmitsEverySerialDeviceClassTheDocsName()
    {
        var root = ConfigLoaderTests.FindRepoRoot();
        var documented = SerialClassesNamedIn(DocumentationFiles(root));
        // The scan must see the docs' serial ports, or the check below proves nothing.
        Assert.Contains("ttyUSB", documented);

        var allowed = ReadWriteCharacterClasses(File.ReadLines(Path.Combine(root, "systemd", "edgeanomaly.service")));

        var refused = documented.Where(c => !allowed.Contains(c)).Order(StringComparer.Ordinal).ToList();
        Assert.True(refused.Count == 0,
            $"the docs name /dev/{string.Join(", /dev/", refused)}* but the unit has no 'DeviceAllow=char-<class> rw' for it; " +
            $"with DevicePolicy=closed the sandbox refuses to open such a port (allowed: {string.Join(", ", allowed.Order(StringComparer.Ordinal))})");
    }

    [Fact]
    public void ReadWriteCharacterClasses_ReadsOnlyReadWriteGroupEntries()
    {
        string[] unit =
        [
            "DevicePolicy=closed",
            "DeviceAllow=char-gpiochip rw",
            "DeviceAllow=char-ttyUSB rw",
            "DeviceAllow=char-rtc r",
            "DeviceAllow=/dev/null rw",
            "# DeviceAllow=char-ttyACM rw",
        ];

        Assert.Equal(["gpiochip", "ttyUSB"], ReadWriteCharacterClasses(unit).Order(StringComparer.Ordinal));
    }

    private static IEnumerable<string> DocumentationFiles(string root) =>
        Directory.EnumerateFiles(Path.Combine(root, "docs"), "*.md", SearchOption.AllDirectories)
            .Append(Path.Combine(root, "README.md"));

    /// <summary>The device classes of the serial ports the files name: /dev/ttyACM0 and /dev/ttyACM1 are both class ttyACM.</summary>
    private static HashSet<string> SerialClassesNamedIn(IEnumerable<string> files)
    {
        var classes = new HashSet<string>(StringComparer.Ordinal);
        foreach (var file in files)
        {
            foreach (Match m in SerialDevicePath().Matches(File.ReadAllText(file)))
            {
                classes.Add(m.Groups["class"].Value);
            }
        }
        return classes;
    }

    /// <summary>The `char-NAME` groups the unit's DeviceAllow= lines grant read and write access to.</summary>
    private static HashSet<string> ReadWriteCharacterClasses(IEnumerable<string> unitLines)
    {
        var classes = new HashSet<string>(StringComparer.Ordinal);
        foreach (var line in unitLines)
        {
            const string key = "DeviceAllow=";
            if (!line.StartsWith(key, StringComparison.Ordinal))
            {
                continue;
            }
            var parts = line[key.Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (parts is [var device, var access] && device.StartsWith("char-", StringComparison.Ordinal)
                && access.Contains('r', StringComparison.Ordinal) && access.Contains('w', StringComparison.Ordinal))
            {
                classes.Add(device["char-".Length..]);
            }
        }
        return classes;
    }

    [GeneratedRegex(@"/dev/(?<class>tty[A-Za-z]+)[0-9]")]
    private static partial Regex SerialDevicePath();
}
