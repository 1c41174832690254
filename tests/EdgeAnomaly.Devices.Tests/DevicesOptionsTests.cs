using System.Text;
using EdgeAnomaly.Devices.Modbus;
using EdgeAnomaly.Modbus;
using Microsoft.Extensions.Configuration;

namespace EdgeAnomaly.Devices.Tests;

public class DevicesOptionsTests
{
    private const string ValidJson = """
    {
      "Devices": {
        "PollGroups": [ { "Name": "fast", "Interval": "00:00:00.250" }, { "Name": "slow", "Interval": "00:00:10" } ],
        "ModbusBuses": [ { "Port": "/dev/ttyUSB0", "MinimumFrameGap": "00:00:00.005" } ],
        "Modbus": [
          {
            "Name": "pump-plc", "Asset": "pump-1", "Tcp": "127.0.0.1:1502", "UnitId": 1, "ByteOrder": "CDAB",
            "Tags": [
              { "Name": "current", "Table": "holding", "Address": 0, "Type": "float32", "Scale": 0.1, "Unit": "A", "PollGroup": "fast" },
              { "Name": "pressure", "Address": "40003", "Type": "int16" },
              { "Name": "running", "Table": "coil", "Address": "0" },
              { "Name": "alarm_word_bit3", "Table": "holding", "Address": 2, "Type": "bit", "Bit": 3 },
              { "Name": "serial_no", "Table": "input", "Address": 100, "Type": "string", "Length": 4, "PollGroup": "slow" },
              { "Name": "energy", "Table": "input", "Address": 10, "Type": "uint64", "ByteOrder": "DCBA", "PollGroup": "slow" }
            ]
          },
          {
            "Name": "meter-a", "Asset": "line", "Rtu": { "Port": "/dev/ttyUSB0", "BaudRate": 19200, "Parity": "Even" }, "UnitId": 2,
            "Timeout": "00:00:00.300", "Tags": [ { "Name": "power", "Table": "input", "Address": 1, "Type": "float32" } ]
          },
          {
            "Name": "meter-b", "Asset": "line", "Rtu": { "Port": "/dev/ttyUSB0", "BaudRate": 19200, "Parity": "Even" }, "UnitId": 3,
            "AddressBase": 1, "Tags": [ { "Name": "voltage", "Table": "input", "Address": 1, "Type": "float32" } ]
          }
        ],
        "Serial": [
          { "Name": "esp", "Asset": "line", "Port": "/dev/ttyACM0", "Format": "KeyValue", "Tags": [ { "Key": "t", "Tag": "temperature" } ] }
        ],
        "Gpio": [ { "Name": "door", "Asset": "line", "Pin": 17, "ActiveLow": true, "Pull": "Up" } ]
      }
    }
    """;

    private static readonly HashSet<(string, string)> Declared =
    [
        ("pump-1", "current"), ("pump-1", "pressure"), ("pump-1", "running"), ("pump-1", "alarm_word_bit3"),
        ("pump-1", "serial_no"), ("pump-1", "energy"), ("line", "power"), ("line", "voltage"), ("line", "temperature"),
        ("line", "door"),
    ];

    private static int? Resolve(string asset, string tag) => Declared.Contains((asset, tag)) ? asset.Length * 100 + tag.Length : null;

    internal static DevicesOptions Bind(string json)
    {
        var config = new ConfigurationBuilder().AddJsonStream(new MemoryStream(Encoding.UTF8.GetBytes(json))).Build();
        return config.GetSection("Devices").Get<DevicesOptions>(o => o.ErrorOnUnknownConfiguration = true) ?? new DevicesOptions();
    }

    [Fact]
    public void Validate_ExampleConfig_NoErrors()
    {
        var options = Bind(ValidJson);
        Assert.Empty(options.Validate(Resolve));
    }

    [Fact]
    public void CompileModbus_ExampleConfig_ResolvesAddressesLinksAndPlans()
    {
        var options = Bind(ValidJson);
        var errors = new List<string>();
        var devices = options.CompileModbus(Resolve, errors);
        Assert.Empty(errors);
        var pump = devices[0];
        Assert.Equal("tcp:127.0.0.1:1502", pump.Link.Key);
        Assert.Equal(TimeSpan.Zero, pump.Link.MinimumFrameGap);
        var pressure = pump.Points[1];
        Assert.Equal((ModbusTable.HoldingRegister, (ushort)2, ModbusDataType.Int16, ByteOrder.CDAB), (pressure.Table, pressure.Address, pressure.Type, pressure.Order));
        Assert.Equal(ByteOrder.DCBA, pump.Points[5].Order);
        Assert.Equal(3, pump.Points[3].Bit);
        // groups in order of first use: fast (current), default (pressure, running, bit), slow (string, uint64)
        Assert.Equal(new[] { "fast", "default", "slow" }, pump.Groups.Select(g => g.Group).ToArray());
        Assert.Equal(TimeSpan.FromMilliseconds(250), pump.Groups[0].Interval);
        Assert.Equal(2, pump.Groups[1].Requests.Length); // coil 0; holding 2 (int16 + bit share the register)
        Assert.Equal(2, pump.Groups[2].Requests.Length); // input 10..13 and 100..103: 86 unread registers apart
    }

    [Fact]
    public void CompileModbus_DevicesOnOneSerialPort_ShareOneLinkWithTheLargestTimeoutAndTheBusGap()
    {
        var options = Bind(ValidJson);
        var devices = options.CompileModbus(Resolve, []);
        var a = devices[1];
        var b = devices[2];
        Assert.Equal(a.Link, b.Link);
        Assert.Equal("rtu:/dev/ttyUSB0", a.Link.Key);
        Assert.Equal(TimeSpan.FromSeconds(1), a.Link.Timeout);
        Assert.Equal(TimeSpan.FromMilliseconds(5), a.Link.MinimumFrameGap);
        Assert.Equal(System.IO.Ports.Parity.Even, a.Link.Parity);
        Assert.Equal(0, b.Points[0].Address); // AddressBase 1
    }

    public static TheoryData<string, string, string> BadTags => new()
    {
        { "\"Type\": \"float\"", "holding", "Devices:Modbus:0:Tags:0:Type 'float' is not one of bool, int16" },
        { "\"Type\": \"bool\"", "holding", "Devices:Modbus:0:Tags:0:Type bool is for coil and discrete tables" },
        { "\"Type\": \"float32\"", "coil", "Devices:Modbus:0:Tags:0:Type 'float32' cannot be read from the coil table" },
        { "\"Type\": \"bit\", \"Bit\": 16", "holding", "Devices:Modbus:0:Tags:0:Bit must be 0..15 (got 16)" },
        { "\"Type\": \"bit\"", "holding", "Devices:Modbus:0:Tags:0:Bit is missing" },
        { "\"Type\": \"string\", \"Length\": 0", "holding", "Devices:Modbus:0:Tags:0:Length must be 1..125 registers for type string (got 0)" },
        { "\"Type\": \"string\", \"Length\": 126", "holding", "Devices:Modbus:0:Tags:0:Length 126 is more registers than one request may read (125)" },
        { "\"PollGroup\": \"fastest\"", "holding", "Devices:Modbus:0:Tags:0:PollGroup 'fastest' is not declared" },
        { "\"ByteOrder\": \"ABDC\"", "holding", "Devices:Modbus:0:Tags:0:ByteOrder 'ABDC' is not one of ABCD" },
        { "\"Scale\": 0", "holding", "Devices:Modbus:0:Tags:0:Scale must be a finite non-zero number" },
        { "\"Address\": \"65535\", \"Type\": \"float32\"", "holding", "Devices:Modbus:0:Tags:0:Address 65535 + 2 registers runs past the end" },
        { "\"Table\": \"registers\"", "", "Devices:Modbus:0:Tags:0:Table 'registers' is not one of coil, discrete, input, holding" },
    };

    [Theory]
    [MemberData(nameof(BadTags))]
    public void Validate_BadTag_NamesTheKey(string fields, string table, string expected)
    {
        var tableField = table.Length == 0 ? "" : $"\"Table\": \"{table}\", ";
        var address = fields.Contains("\"Address\"", StringComparison.Ordinal) ? "" : "\"Address\": 0, ";
        var json = $$"""
        { "Devices": { "Modbus": [ { "Name": "d", "Asset": "a", "Tcp": "plc", "Tags": [ { "Name": "t", {{tableField}}{{address}}{{fields}} } ] } ] } }
        """;
        var errors = Bind(json).Validate();
        Assert.Contains(errors, e => e.StartsWith(expected, StringComparison.Ordinal));
    }

    [Fact]
    public void Validate_DeviceProblems_EachNamesItsKey()
    {
        var json = """
        { "Devices": {
            "PollGroups": [ { "Name": "fast", "Interval": "00:00:00.001" }, { "Name": "fast" } ],
            "ModbusBuses": [ { "Port": "/dev/ttyS9" } ],
            "Modbus": [
              { "Name": "a", "Asset": "x", "Tcp": "plc", "Rtu": { "Port": "/dev/ttyUSB0" }, "Tags": [ { "Name": "t", "Table": "holding", "Address": 0 } ] },
              { "Name": "a", "Asset": "x", "Rtu": { "Port": "/dev/ttyUSB0", "Parity": "Mark", "StopBits": 3 }, "UnitId": 0,
                "MaxRegistersPerRequest": 200, "Retries": -1, "Timeout": "00:05:00", "Tags": [] },
              { "Name": "b", "Asset": "x", "Tcp": "plc:99999", "ByteOrder": "little", "AddressBase": 2, "FailuresBeforeDegraded": 0,
                "DegradedRetry": { "Initial": "00:00:10", "Max": "00:00:01" },
                "Tags": [ { "Name": "t", "Table": "holding", "Address": 0 }, { "Name": "t", "Table": "holding", "Address": 1 } ] }
            ] } }
        """;
        var errors = Bind(json).Validate();
        string[] expected =
        [
            "Devices:PollGroups:0:Interval must be",
            "Devices:PollGroups:1:Name 'fast' is declared twice",
            "Devices:Modbus:0 must set exactly one of Tcp, Rtu, RtuOverTcp (got 2)",
            "Devices:Modbus:1:Name 'a' is already used by Devices:Modbus:0",
            "Devices:Modbus:1:Rtu:Parity 'Mark' is not one of None, Even, Odd",
            "Devices:Modbus:1:Rtu:StopBits must be 1 or 2 (got 3)",
            "Devices:Modbus:1:UnitId must be 1..247 on this link (got 0)",
            "Devices:Modbus:1:MaxRegistersPerRequest must be 1..125 (got 200)",
            "Devices:Modbus:1:Retries must be 0..10 (got -1)",
            "Devices:Modbus:1:Timeout must be",
            "Devices:Modbus:1:Tags is empty",
            "Devices:Modbus:2:Tcp 'plc:99999' is not host:port",
            "Devices:Modbus:2:ByteOrder 'little' is not one of ABCD, CDAB, BADC, DCBA",
            "Devices:Modbus:2:AddressBase must be 0 or 1 (got 2)",
            "Devices:Modbus:2:FailuresBeforeDegraded must be 1..1000 (got 0)",
            "Devices:Modbus:2:DegradedRetry:Max must be >= Initial",
            "Devices:Modbus:2:Tags:1:Name 't' is already used by Devices:Modbus:2:Tags:0",
            "Devices:ModbusBuses:0:Port '/dev/ttyS9' is not the Rtu:Port or RtuOverTcp endpoint of any Modbus device",
        ];
        foreach (var e in expected)
        {
            Assert.Contains(errors, x => x.StartsWith(e, StringComparison.Ordinal));
        }
    }

    [Fact]
    public void Validate_OverlappingAddressesOfDifferentTypes_Error_SameLayoutOrBitsAllowed()
    {
        var json = """
        { "Devices": { "Modbus": [ { "Name": "d", "Asset": "a", "Tcp": "plc", "Tags": [
            { "Name": "f", "Table": "holding", "Address": 0, "Type": "float32" },
            { "Name": "f_scaled", "Table": "holding", "Address": 0, "Type": "float32", "Scale": 10 },
            { "Name": "flag", "Table": "holding", "Address": 1, "Type": "bit", "Bit": 0 },
            { "Name": "lo", "Table": "holding", "Address": 1, "Type": "uint16" },
            { "Name": "other_table", "Table": "input", "Address": 0, "Type": "uint32" }
        ] } ] } }
        """;
        var errors = Bind(json).Validate();
        var error = Assert.Single(errors);
        Assert.StartsWith("Devices:Modbus:0:Tags:3:Address holding 1..1 (uint16) overlaps Devices:Modbus:0:Tags:0 (holding 0..1, float32)", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_UnknownTagsAndSharedTags_NameTheKey()
    {
        var json = """
        { "Devices": {
            "Modbus": [ { "Name": "d", "Asset": "pump-1", "Tcp": "plc", "Tags": [ { "Name": "current", "Table": "holding", "Address": 0 }, { "Name": "nope", "Table": "holding", "Address": 1 } ] } ],
            "Serial": [ { "Name": "s", "Asset": "pump-1", "Port": "/dev/ttyACM0", "Format": "xml", "MaxLineLength": 8,
                          "Tags": [ { "Key": "c", "Tag": "current" }, { "Key": "c" } ] } ],
            "Gpio": [ { "Name": "door", "Asset": "line", "Pin": 2000, "Pull": "sideways", "PollInterval": "00:00:00" }, { "Name": "door2", "Asset": "line", "Pin": 2000 } ]
        } }
        """;
        var errors = Bind(json).Validate(Resolve);
        string[] expected =
        [
            "Devices:Modbus:0:Tags:1:Name 'nope' is not a tag of asset 'pump-1' (declare it under Assets)",
            "Devices:Serial:0:Format 'xml' is not one of Json, KeyValue",
            "Devices:Serial:0:MaxLineLength must be 16..65536 (got 8)",
            "Devices:Serial:0:Tags:1:Key 'c' is already mapped by Devices:Serial:0:Tags:0",
            "Devices:Serial:0:Tags:1:Tag 'c' is not a tag of asset 'pump-1'",
            "Devices:Serial:0:Tags:0 reads 'pump-1/current', which Devices:Modbus:0:Tags:0 already reads: a tag has one source",
            "Devices:Gpio:0:Pin must be 0..1023 (got 2000)",
            "Devices:Gpio:0:Pull 'sideways' is not one of None, Up, Down",
            "Devices:Gpio:0:PollInterval must be",
            "Devices:Gpio:1:Pin 2000 on chip 0 is already read by Devices:Gpio:0",
            "Devices:Gpio:1:Tag 'door2' is not a tag of asset 'line'",
        ];
        foreach (var e in expected)
        {
            Assert.Contains(errors, x => x.StartsWith(e, StringComparison.Ordinal));
        }
    }

    [Fact]
    public void Validate_DifferentSerialSettingsOnOnePort_Error()
    {
        var json = """
        { "Devices": { "Modbus": [
            { "Name": "a", "Asset": "x", "Rtu": { "Port": "/dev/ttyUSB0", "BaudRate": 9600 }, "UnitId": 1, "Tags": [ { "Name": "t", "Table": "holding", "Address": 0 } ] },
            { "Name": "b", "Asset": "x", "Rtu": { "Port": "/dev/ttyUSB0", "BaudRate": 19200 }, "UnitId": 2, "Tags": [ { "Name": "u", "Table": "holding", "Address": 0 } ] }
        ] } }
        """;
        var error = Assert.Single(Bind(json).Validate());
        Assert.StartsWith("Devices:Modbus:1:Rtu settings (19200 Even 8/1) differ from Devices:Modbus:0 on the same port /dev/ttyUSB0", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Bind_UnknownKey_IsABindingError()
    {
        var json = """{ "Devices": { "Modbus": [ { "Name": "d", "Tcp": "plc", "Tags": [ { "Name": "t", "Adress": 3 } ] } ] } }""";
        var ex = Assert.Throws<InvalidOperationException>(() => Bind(json));
        Assert.Contains("'Adress'", ex.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void DeclaredTags_ListsEverySource()
    {
        var tags = Bind(ValidJson).DeclaredTags().ToList();
        Assert.Contains(("pump-1", "current", "A"), tags);
        Assert.Contains(("line", "temperature", ""), tags);
        Assert.Contains(("line", "door", ""), tags);
        Assert.Equal(Declared.Count, tags.Count);
    }

    [Fact]
    public void PerClassValidate_NamesKeysUnderTheGivenPrefix()
    {
        var device = new ModbusDeviceOptions { Name = "d", Asset = "a", Tcp = "plc", Tags = [new() { Name = "t", Table = "holding", Address = "0", Type = "bit", Bit = 20 }] };
        Assert.Equal(["X:Tags:0:Bit must be 0..15 (got 20)"], device.Validate("X", new Dictionary<string, TimeSpan> { ["default"] = TimeSpan.FromSeconds(1) }));
        var serial = new EdgeAnomaly.Devices.Serial.SerialSensorOptions { Name = "s", Asset = "a", Port = "/dev/ttyACM0", BaudRate = 1 };
        Assert.Equal(["Y:BaudRate must be 50..4000000 (got 1)"], serial.Validate("Y"));
        var gpio = new EdgeAnomaly.Devices.Gpio.GpioInputOptions { Name = "g", Asset = "a", Pin = -1 };
        Assert.Equal(["Z:Pin must be 0..1023 (got -1)"], gpio.Validate("Z"));
    }
}
