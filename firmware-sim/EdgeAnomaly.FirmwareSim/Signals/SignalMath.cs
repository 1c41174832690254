namespace EdgeAnomaly.FirmwareSim.Signals;

/// <summary>Pure pieces of the signal model.</summary>
public static class SignalMath
{
    public const long DayMs = 24L * 3600 * 1000;

    /// <summary>
    /// Daily pattern in [-1, 1] over simulated UTC time: minimum at 03:00, maximum at 15:00 (ambient temperature).
    /// </summary>
    public static double Daily(long unixMs)
    {
        var msOfDay = ((unixMs % DayMs) + DayMs) % DayMs;
        var hours = msOfDay / 3_600_000.0;
        return Math.Sin(2 * Math.PI * (hours - 9.0) / 24.0);
    }

    /// <summary>One exact step of a first-order lag with a target held constant over <paramref name="dtSeconds"/>.</summary>
    public static double ThermalStep(double current, double target, double dtSeconds, double tauSeconds)
    {
        if (tauSeconds <= 0)
        {
            return target;
        }
        var alpha = 1.0 - Math.Exp(-dtSeconds / tauSeconds);
        return current + (target - current) * alpha;
    }

    /// <summary>Linear ramp from <paramref name="from"/> to <paramref name="to"/> over [start, start + ramp].</summary>
    public static double Ramp(double from, double to, long startMs, long rampMs, long tMs)
    {
        if (rampMs <= 0 || tMs >= startMs + rampMs)
        {
            return to;
        }
        if (tMs <= startMs)
        {
            return from;
        }
        return from + (to - from) * (tMs - startMs) / (double)rampMs;
    }

    /// <summary>Rounds a value as the firmware would print it; keeps payloads short and stable.</summary>
    public static double Quantize(double value, int decimals) => Math.Round(value, decimals, MidpointRounding.AwayFromZero);
}
