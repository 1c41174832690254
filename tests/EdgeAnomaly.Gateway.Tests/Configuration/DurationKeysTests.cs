using System.Collections;
using System.Reflection;
using EdgeAnomaly.Runtime.Configuration;
using EdgeAnomaly.TestSupport;

namespace EdgeAnomaly.Gateway.Tests.Configuration;

/// <summary>
/// One rule for every duration key: "hh:mm:ss" or a unit literal ("10s"); a bare number (read as days by the .NET
/// binder) is refused naming the key. The keys are found by reflection over <see cref="GatewayConfig"/>, so a new
/// duration key is covered without editing this test.
/// </summary>
public sealed class DurationKeysTests : IDisposable
{
    private const string ValidAssets = """
        "Assets": [ { "Name": "pump-01", "Type": "pump", "Tags": [ { "Name": "current.a", "Unit": "A", "IntervalSeconds": 1 } ] } ]
        """;

    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private string Write(string json)
    {
        var path = _dir.File("edgeanomaly.json");
        File.WriteAllText(path, json);
        return path;
    }

    /// <summary>Configuration paths of every TimeSpan property (first element of lists, key "k" of dictionaries).</summary>
    public static TheoryData<string> DurationKeys() => new(AllDurationKeys());

    private static List<string> AllDurationKeys()
    {
        var keys = new List<string>();
        Collect(typeof(GatewayConfig), "", keys, 0);
        return keys;
    }

    private static void Collect(Type type, string prefix, List<string> keys, int depth)
    {
        Assert.True(depth < 12, $"configuration types nest too deep at {prefix}");
        foreach (var p in type.GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            if (p.GetIndexParameters().Length == 0)
            {
                CollectValue(p.PropertyType, prefix + p.Name, keys, depth);
            }
        }
    }

    private static void CollectValue(Type declared, string path, List<string> keys, int depth)
    {
        var t = Nullable.GetUnderlyingType(declared) ?? declared;
        if (t == typeof(TimeSpan))
        {
            keys.Add(path);
        }
        else if (t.IsGenericType && t.GetGenericTypeDefinition() == typeof(Dictionary<,>))
        {
            CollectValue(t.GetGenericArguments()[1], path + ":k", keys, depth + 1);
        }
        else if (t.IsArray)
        {
            CollectValue(t.GetElementType()!, path + ":0", keys, depth + 1);
        }
        else if (t != typeof(string) && typeof(IEnumerable).IsAssignableFrom(t) && t.IsGenericType)
        {
            CollectValue(t.GetGenericArguments()[0], path + ":0", keys, depth + 1);
        }
        else if (t.Namespace?.StartsWith("EdgeAnomaly", StringComparison.Ordinal) == true && !t.IsEnum)
        {
            Collect(t, path + ":", keys, depth + 1);
        }
    }

    [Fact]
    public void DurationKeys_CoverEverySection()
    {
        var keys = AllDurationKeys();

        foreach (var key in (string[])["Central:HealthInterval", "Central:ReconnectMax", "LocalBroker:ReconnectMaxDelay", "Store:ReadingsFlushInterval",
            "Rules:OrphanGrace", "Ingest:MaxAge", "Statistics:Cooldown", "DataQuality:Cooldown", "Models:WarmUp"])
        {
            Assert.Contains(key, keys);
        }
        Assert.Contains(keys, k => k.StartsWith("Devices:", StringComparison.Ordinal));
    }

    [Theory]
    [MemberData(nameof(DurationKeys))]
    public void Load_BareNumberInAnyDurationKey_IsRefusedNamingTheKeyAndTheAcceptedForms(string key)
    {
        var path = Write($$"""{ {{ValidAssets}} }""");

        var ex = Assert.Throws<ConfigException>(() => ConfigLoader.Load(path, [new(key, "10")]));

        var error = Assert.Single(ex.Errors);
        Assert.StartsWith(key + " ", error, StringComparison.Ordinal);
        Assert.Contains("\"00:00:10\"", error, StringComparison.Ordinal);
        Assert.Contains("\"10s\"", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_JsonNumbersAsDurations_AreRefusedNamingEachKey()
    {
        var path = Write($$"""{ "Central": { "HealthInterval": 10 }, "Rules": { "OrphanGrace": 60 }, {{ValidAssets}} }""");

        var ex = Assert.Throws<ConfigException>(() => ConfigLoader.Load(path));

        Assert.Contains(ex.Errors, e => e.StartsWith("Central:HealthInterval is a bare number (10)", StringComparison.Ordinal));
        Assert.Contains(ex.Errors, e => e.StartsWith("Rules:OrphanGrace is a bare number (60)", StringComparison.Ordinal));
    }

    [Fact]
    public void Load_EnvironmentStyleOverrideWithBareNumber_IsRefused()
    {
        var path = Write($$"""{ {{ValidAssets}} }""");

        var ex = Assert.Throws<ConfigException>(() => ConfigLoader.Load(path, [new("Central:HealthInterval", "10")]));

        Assert.Contains("Central:HealthInterval", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("00:00:10", 10_000)]
    [InlineData("10s", 10_000)]
    [InlineData("500ms", 500)]
    [InlineData("1m30s", 90_000)]
    [InlineData("2h", 7_200_000)]
    [InlineData("1d", 86_400_000)]
    [InlineData("1.00:00:00", 86_400_000)]
    public void Load_AcceptedDurationForms_BindToTheirValue(string text, long expectedMs)
    {
        var path = Write($$"""{ "Ingest": { "MaxAge": "{{text}}" }, "Rules": { "OrphanGrace": "{{text}}" }, {{ValidAssets}} }""");

        var config = ConfigLoader.Load(path);

        Assert.Equal(TimeSpan.FromMilliseconds(expectedMs), config.Ingest.MaxAge);
        Assert.Equal(TimeSpan.FromMilliseconds(expectedMs), config.Rules.OrphanGrace);
    }

    [Theory]
    [InlineData("ten seconds")]
    [InlineData("10 sec")]
    [InlineData("00:99:00")]
    public void Load_TextThatIsNoDuration_IsRefusedNamingTheKey(string text)
    {
        var path = Write($$"""{ "Rules": { "OrphanGrace": "{{text}}" }, {{ValidAssets}} }""");

        var ex = Assert.Throws<ConfigException>(() => ConfigLoader.Load(path));

        Assert.Contains(ex.Errors, e => e.StartsWith("Rules:OrphanGrace", StringComparison.Ordinal) && e.Contains("10s", StringComparison.Ordinal));
    }

    [Fact]
    public void Load_NegativeUtcOffset_StillAccepted()
    {
        var path = Write($$"""{ "Statistics": { "TimeOfDay": { "UtcOffset": "-05:00:00" } }, {{ValidAssets}} }""");

        Assert.Equal(TimeSpan.FromHours(-5), ConfigLoader.Load(path).Statistics.TimeOfDay.UtcOffset);
    }
}
