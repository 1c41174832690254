using MQTTnet;

namespace EdgeAnomaly.Mqtt;

/// <summary>What the gateway's broker clients do with a CONNACK, alike for ingest and uplink.</summary>
public static class BrokerConnect
{
    /// <summary>Throws when the broker refused the connection, naming its reason code and string.</summary>
    public static void ThrowIfRefused(MqttClientConnectResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        if (result.ResultCode != MqttClientConnectResultCode.Success)
        {
            throw new InvalidOperationException($"broker refused the connection: {result.ResultCode} {result.ReasonString}");
        }
    }

    /// <summary>True for the result codes of a refused login (wrong or missing user name and password).</summary>
    public static bool IsLoginRefused(MqttClientConnectResultCode code) =>
        code is MqttClientConnectResultCode.NotAuthorized or MqttClientConnectResultCode.BadUserNameOrPassword;
}

/// <summary>
/// A refused login gets one plain hint naming the keys to set, until the next successful connect: a reconnect loop
/// retrying every few seconds would otherwise repeat it on every attempt. Used from one connect loop at a time.
/// </summary>
public sealed class LoginRefusalHint
{
    private bool _given;

    /// <summary>True once per run of refused logins: the caller logs its hint then.</summary>
    public bool ShouldGive(MqttClientConnectResultCode code)
    {
        if (!BrokerConnect.IsLoginRefused(code) || _given)
        {
            return false;
        }
        _given = true;
        return true;
    }

    /// <summary>A connect succeeded: the next refusal is news again.</summary>
    public void Reset() => _given = false;
}
