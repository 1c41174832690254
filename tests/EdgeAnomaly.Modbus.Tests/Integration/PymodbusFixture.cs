using System.Globalization;

namespace EdgeAnomaly.Modbus.Tests.Integration;

/// <summary>One pymodbus server (TCP, RTU over TCP, RTU on a pty) shared by the integration classes of the collection.</summary>
public sealed class PymodbusFixture : IAsyncLifetime
{
    public const byte Unit1 = 1;
    public const byte Unit2 = 2;

    /// <summary>Configured in no slave context: the server ignores it, so requests to it time out.</summary>
    public const byte MissingUnit = 3;

    /// <summary>Where the typed values start (unit 1 holding registers).</summary>
    public const ushort TypedBase = 200;

    private PymodbusServer? _server;

    internal RegisterImage Image { get; } = BuildImage();

    internal PymodbusServer Server => _server ?? throw new InvalidOperationException("not started");

    public async Task InitializeAsync() => _server = await PymodbusServer.StartAsync(Image, serial: true);

    public async Task DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }

    /// <summary>Every numeric type and strings, in all four byte orders, at consecutive addresses from <see cref="TypedBase"/>.</summary>
    internal static IEnumerable<(ModbusDataType Type, string Value, int Registers)> TypedSamples()
    {
        yield return (ModbusDataType.Int16, "-12345", 1);
        yield return (ModbusDataType.UInt16, "54321", 1);
        yield return (ModbusDataType.Int32, "-123456789", 2);
        yield return (ModbusDataType.UInt32, "3000000000", 2);
        yield return (ModbusDataType.Int64, "-1234567890123456789", 4);
        yield return (ModbusDataType.UInt64, "18000000000000000001", 4);
        yield return (ModbusDataType.Float32, "123.456", 2);
        yield return (ModbusDataType.Float64, "-9876.54321", 4);
        yield return (ModbusDataType.String, "PUMP-7 OK", 5);
    }

    private static RegisterImage BuildImage()
    {
        var image = RegisterImage.Create(20261124, Unit1, Unit2);
        var address = TypedBase;
        foreach (var order in Enum.GetValues<ByteOrder>())
        {
            foreach (var (type, value, registers) in TypedSamples())
            {
                image.Typed.Add(new TypedValue(Unit1, address, type, order, value, registers));
                address += (ushort)registers;
            }
        }
        return image;
    }

    internal static string Describe(TypedValue t) =>
        string.Create(CultureInfo.InvariantCulture, $"{t.Type} {t.Order} {t.Value} @{t.Address}");
}

[CollectionDefinition(Name)]
public sealed class PymodbusCollection : ICollectionFixture<PymodbusFixture>
{
    public const string Name = "pymodbus";
}
