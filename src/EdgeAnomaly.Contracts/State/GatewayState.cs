using System.Buffers;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace EdgeAnomaly.Contracts;

/// <summary>
/// The payload of <c>{prefix}/v1/gateways/{gatewayId}/state</c> (retained): online with the time and software version
/// after every connect, offline (no other field) as the last will and on an orderly shutdown.
/// </summary>
public sealed record GatewayState
{
    public const string OnlineValue = "online";

    public const string OfflineValue = "offline";

    [JsonPropertyName("v")]
    [JsonRequired]
    public int V { get; init; } = MqttContract.Version;

    /// <summary><see cref="OnlineValue"/> or <see cref="OfflineValue"/>.</summary>
    [JsonPropertyName("state")]
    public string State { get; init; } = "";

    /// <summary>Gateway time of the connect (unix ms); absent when offline.</summary>
    [JsonPropertyName("ts")]
    public long? Ts { get; init; }

    /// <summary>Gateway software version; absent when offline.</summary>
    [JsonPropertyName("version")]
    public string? Version { get; init; }

    [JsonIgnore]
    public bool IsOnline => State == OnlineValue;
}

/// <summary>Writes and reads <see cref="GatewayState"/> payloads.</summary>
public static class GatewayStateJson
{
    /// <summary>{"v":1,"state":"offline"}: the last will, and what a clean shutdown publishes.</summary>
    public static byte[] Offline() => """{"v":1,"state":"offline"}"""u8.ToArray();

    /// <summary>{"v":1,"state":"online","ts":...,"version":"..."}.</summary>
    public static byte[] Online(long tsMs, string version) =>
        Write(new GatewayState { State = GatewayState.OnlineValue, Ts = tsMs, Version = version });

    public static byte[] Write(GatewayState state)
    {
        var buffer = new ArrayBufferWriter<byte>(96);
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteNumber("v", state.V);
            w.WriteString("state", state.State);
            if (state.Ts is { } ts)
            {
                w.WriteNumber("ts", ts);
            }
            if (state.Version is not null)
            {
                w.WriteString("version", state.Version);
            }
            w.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>Reads a state payload; fields unknown to v1 are ignored.</summary>
    /// <exception cref="JsonException">Not JSON, not an object, or not <c>"v":1</c>.</exception>
    public static GatewayState Read(ReadOnlySpan<byte> json) =>
        ContractJson.CheckVersion(JsonSerializer.Deserialize(json, ContractJsonContext.Default.GatewayState), static s => s.V);
}
