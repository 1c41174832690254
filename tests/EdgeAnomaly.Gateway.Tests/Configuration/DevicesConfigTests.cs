using EdgeAnomaly.Runtime.Configuration;
using EdgeAnomaly.TestSupport;

namespace EdgeAnomaly.Gateway.Tests.Configuration;

/// <summary>The "Devices" section: strict binding, key-naming validation, and the rule that device tags are declared under Assets.</summary>
public sealed class DevicesConfigTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private const string Assets = """
        "Assets": [ { "Name": "pump-01", "Type": "pump", "Tags": [
            { "Name": "current.a", "Unit": "A", "IntervalSeconds": 0.5 }, { "Name": "running", "Statistics": false } ] } ]
        """;

    private GatewayConfig Load(string devices)
    {
        var path = _dir.File("edgeanomaly.json");
        File.WriteAllText(path, $$"""{ "Gateway": { "Id": "gw" }, {{Assets}}, "Devices": {{devices}} }""");
        return ConfigLoader.Load(path);
    }

    private ConfigException Refused(string devices) => Assert.Throws<ConfigException>(() => Load(devices));

    [Fact]
    public void Load_ModbusDevice_BindsEveryLevel()
    {
        var config = Load("""
            { "PollGroups": [ { "Name": "fast", "Interval": "00:00:00.250" } ],
              "Modbus": [ { "Name": "plc", "Asset": "pump-01", "Tcp": "127.0.0.1:5020", "UnitId": 7, "ByteOrder": "CDAB",
                            "Timeout": "00:00:00.300", "DegradedRetry": { "Initial": "00:00:02" },
                            "Tags": [ { "Name": "current.a", "Table": "input", "Address": "0", "Type": "float32", "PollGroup": "fast", "Scale": 0.5 },
                                      { "Name": "running", "Address": "10001", "Type": "bool" } ] } ] }
            """);
        var device = Assert.Single(config.Devices.Modbus);
        Assert.Equal("127.0.0.1:5020", device.Tcp);
        Assert.Equal(7, device.UnitId);
        Assert.Equal(TimeSpan.FromMilliseconds(300), device.Timeout);
        Assert.Equal(TimeSpan.FromSeconds(2), device.DegradedRetry.Initial);
        Assert.Equal(0.5, device.Tags[0].Scale);
        Assert.Equal(TimeSpan.FromMilliseconds(250), config.Devices.PollGroups[0].Interval);
    }

    [Fact]
    public void Load_NoDevicesSection_IsValid()
    {
        var path = _dir.File("edgeanomaly.json");
        File.WriteAllText(path, $$"""{ {{Assets}} }""");
        Assert.Empty(ConfigLoader.Load(path).Devices.Modbus);
    }

    [Fact]
    public void Load_DeviceTagNotDeclaredUnderAssets_RefusedNamingTheTagKey()
    {
        var ex = Refused("""
            { "Modbus": [ { "Name": "plc", "Asset": "pump-01", "Tcp": "127.0.0.1:5020",
                            "Tags": [ { "Name": "current.a", "Table": "input", "Address": "0", "Type": "float32" },
                                      { "Name": "pressure.bar", "Table": "input", "Address": "2", "Type": "float32" } ] } ] }
            """);
        Assert.Contains("Devices:Modbus:0:Tags:1:Name 'pressure.bar' is not a tag of asset 'pump-01' (declare it under Assets)", ex.Errors);
        Assert.Single(ex.Errors);
    }

    [Fact]
    public void Load_DeviceAssetNotDeclared_OneErrorForTheAssetNotOnePerTag()
    {
        var ex = Refused("""
            { "Modbus": [ { "Name": "plc", "Asset": "pump-09", "Tcp": "127.0.0.1:5020",
                            "Tags": [ { "Name": "a", "Table": "input", "Address": "0" }, { "Name": "b", "Table": "input", "Address": "1" } ] } ] }
            """);
        Assert.Equal(["Devices:Modbus:0:Asset 'pump-09' is not declared under Assets"], ex.Errors);
    }

    [Fact]
    public void Load_SerialAndGpioTagsNotDeclared_RefusedNamingTheirKeys()
    {
        var ex = Refused("""
            { "Serial": [ { "Name": "esp", "Asset": "pump-01", "Port": "/dev/ttyUSB9", "Tags": [ { "Key": "t", "Tag": "temp.c" } ] } ],
              "Gpio": [ { "Name": "door", "Asset": "pump-01", "Pin": 5 } ] }
            """);
        Assert.Contains(ex.Errors, e => e.StartsWith("Devices:Serial:0:Tags:0", StringComparison.Ordinal) && e.Contains("'temp.c'", StringComparison.Ordinal));
        Assert.Contains(ex.Errors, e => e.StartsWith("Devices:Gpio:0", StringComparison.Ordinal) && e.Contains("'door'", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("""{ "Modbus": [ { "Name": "plc", "Asset": "pump-01", "Tcp": "h:1", "Tags": [ { "Name": "current.a", "Table": "input", "Adress": "0" } ] } ] }""", "Adress")]
    [InlineData("""{ "Modbus": [ { "Name": "plc", "Asset": "pump-01", "Tcp": "h:1", "Timeout": "soon", "Tags": [ { "Name": "current.a", "Table": "input", "Address": "0" } ] } ] }""", "Timeout")]
    [InlineData("""{ "Modbus": [ { "Name": "plc", "Asset": "pump-01", "Tcp": "h:1", "Tags": [ { "Name": "current.a", "Table": "input", "Address": "0", "Type": "float33" } ] } ] }""", "Devices:Modbus:0:Tags:0:Type")]
    [InlineData("""{ "Modbus": [ { "Name": "plc", "Asset": "pump-01", "Tcp": "h:1", "Tags": [ { "Name": "current.a", "Table": "input", "Address": "0", "PollGroup": "fastest" } ] } ] }""", "Devices:Modbus:0:Tags:0:PollGroup")]
    [InlineData("""{ "PollGroups": [ { "Name": "fast", "Interval": "00:00:00" } ] }""", "Devices:PollGroups:0:Interval")]
    [InlineData("""{ "Modbsu": [] }""", "Modbsu")]
    public void Load_InvalidDevices_RefusedNamingTheKey(string devices, string key)
    {
        var ex = Refused(devices);
        Assert.Contains(ex.Errors, e => e.Contains(key, StringComparison.Ordinal));
    }

    [Fact]
    public void ShippedModbusPumpConfig_IsValid()
    {
        var config = ConfigLoader.Load(Path.Combine(ConfigLoaderTests.FindRepoRoot(), "configs", "modbus-pump.json"));
        Assert.Equal(3, config.Devices.Modbus.Count);
        var errors = new List<string>();
        var compiled = config.Devices.CompileModbus(null, errors);
        Assert.Empty(errors);
        Assert.Equal(3, compiled.Count);
    }
}
