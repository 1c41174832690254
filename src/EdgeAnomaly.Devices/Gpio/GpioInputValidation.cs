namespace EdgeAnomaly.Devices.Gpio;

internal static class GpioInputValidation
{
    public static bool TryParsePull(string? text, out System.Device.Gpio.PinMode mode)
    {
        switch (text?.Trim().ToLowerInvariant())
        {
            case "none" or "" or null: mode = System.Device.Gpio.PinMode.Input; return true;
            case "up": mode = System.Device.Gpio.PinMode.InputPullUp; return true;
            case "down": mode = System.Device.Gpio.PinMode.InputPullDown; return true;
            default: mode = default; return false;
        }
    }

    public static IEnumerable<string> Validate(GpioInputOptions g, string key, Func<string, string, int?>? resolveTag)
    {
        if (string.IsNullOrWhiteSpace(g.Name))
        {
            yield return $"{key}:Name is missing";
        }
        if (string.IsNullOrWhiteSpace(g.Asset))
        {
            yield return $"{key}:Asset is missing";
        }
        if (g.Pin is < 0 or > 1023)
        {
            yield return $"{key}:Pin must be 0..1023 (got {g.Pin})";
        }
        if (g.Chip is < 0 or > 64)
        {
            yield return $"{key}:Chip must be 0..64 (got {g.Chip})";
        }
        if (!TryParsePull(g.Pull, out _))
        {
            yield return $"{key}:Pull '{g.Pull}' is not one of None, Up, Down";
        }
        if (g.Debounce < TimeSpan.Zero || g.Debounce > TimeSpan.FromSeconds(10))
        {
            yield return $"{key}:Debounce must be 00:00:00..00:00:10 (got {g.Debounce})";
        }
        if (g.PollInterval < TimeSpan.FromMilliseconds(1) || g.PollInterval > TimeSpan.FromSeconds(1))
        {
            yield return $"{key}:PollInterval must be 00:00:00.001..00:00:01 (got {g.PollInterval})";
        }
        if (g.ReportInterval < TimeSpan.Zero || (g.ReportInterval > TimeSpan.Zero && g.ReportInterval < TimeSpan.FromMilliseconds(100)))
        {
            yield return $"{key}:ReportInterval must be 0 (changes only) or at least 00:00:00.100 (got {g.ReportInterval})";
        }
        var tag = g.ResolvedTag();
        if (resolveTag is not null && !string.IsNullOrWhiteSpace(g.Asset) && !string.IsNullOrWhiteSpace(tag) && resolveTag(g.Asset, tag) is null)
        {
            yield return $"{key}:Tag '{tag}' is not a tag of asset '{g.Asset}' (declare it under Assets)";
        }
    }
}
