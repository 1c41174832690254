using System.Text.Json;
using System.Text.Json.Serialization;

namespace EdgeAnomaly.Contracts;

/// <summary>
/// Source-generated (reflection-free, trim-safe) metadata of the contract's payload records, for a consumer that
/// reads them with System.Text.Json. Null fields are left out, as the gateway writes them.
/// </summary>
[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(HealthReport))]
[JsonSerializable(typeof(GatewayState))]
public sealed partial class ContractJsonContext : JsonSerializerContext;

internal static class ContractJson
{
    /// <summary>A payload of another version may change the meaning of a field: refused rather than misread.</summary>
    public static T CheckVersion<T>(T? payload, Func<T, int> version)
        where T : class
    {
        if (payload is null)
        {
            throw new JsonException("payload is null");
        }
        var v = version(payload);
        if (v != MqttContract.Version)
        {
            throw new JsonException($"payload version {v} is not {MqttContract.Version}");
        }
        return payload;
    }
}
