namespace EdgeAnomaly.Models;

/// <summary>Order statistics used by the scaler, calibration and thresholds (training-time helpers; they allocate).</summary>
public static class RobustStatistics
{
    /// <summary>Scale factor making the MAD a consistent estimator of the standard deviation of normal data.</summary>
    public const double MadToSigma = 1.4826;

    /// <summary>Scale factor making the IQR a consistent estimator of the standard deviation of normal data (1 / 1.349).</summary>
    public const double IqrToSigma = 1 / 1.3489795003921634;

    /// <summary>Quantile of already sorted values, linear interpolation between order statistics (R type 7, NumPy's default).</summary>
    public static double QuantileOfSorted(ReadOnlySpan<double> sorted, double p)
    {
        if (sorted.Length == 0)
        {
            throw new ArgumentException("No values.", nameof(sorted));
        }
        if (!(p >= 0 && p <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(p), p, "Quantile level must be in [0, 1].");
        }
        var h = (sorted.Length - 1) * p;
        var lo = (int)Math.Floor(h);
        var hi = Math.Min(lo + 1, sorted.Length - 1);
        return sorted[lo] + (h - lo) * (sorted[hi] - sorted[lo]);
    }

    /// <summary>Quantile of unsorted values (sorts a copy).</summary>
    public static double Quantile(ReadOnlySpan<double> values, double p)
    {
        var copy = values.ToArray();
        Array.Sort(copy);
        return QuantileOfSorted(copy, p);
    }

    public static double Median(ReadOnlySpan<double> values) => Quantile(values, 0.5);

    /// <summary>Median absolute deviation around the given centre (raw, not scaled to sigma).</summary>
    public static double MedianAbsoluteDeviation(ReadOnlySpan<double> values, double centre)
    {
        var deviations = new double[values.Length];
        for (var i = 0; i < values.Length; i++)
        {
            deviations[i] = Math.Abs(values[i] - centre);
        }
        Array.Sort(deviations);
        return QuantileOfSorted(deviations, 0.5);
    }
}
