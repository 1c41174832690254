namespace EdgeAnomaly.Models.Drift;

public enum DriftLevel
{
    None = 0,
    Warn = 1,
    Alert = 2,
}

/// <summary>
/// Population stability index between an expected (training) and an actual distribution over the same bins:
/// sum (a - e) ln(a / e), with shares floored at epsilon so an empty bin does not give infinity.
/// </summary>
public static class Psi
{
    public const double Warn = 0.25;
    public const double Alert = 0.5;

    public static double Compute(ReadOnlySpan<double> expectedShares, ReadOnlySpan<double> actualShares, double epsilon = 1e-4)
    {
        if (expectedShares.Length != actualShares.Length)
        {
            throw new ArgumentException($"{expectedShares.Length} expected shares but {actualShares.Length} actual.", nameof(actualShares));
        }
        if (!(epsilon > 0))
        {
            throw new ArgumentOutOfRangeException(nameof(epsilon), epsilon, "epsilon must be positive.");
        }
        var psi = 0.0;
        for (var i = 0; i < expectedShares.Length; i++)
        {
            var e = Math.Max(expectedShares[i], epsilon);
            var a = Math.Max(actualShares[i], epsilon);
            psi += (a - e) * Math.Log(a / e);
        }
        return psi;
    }

    public static DriftLevel Classify(double psi) => psi >= Alert ? DriftLevel.Alert : psi >= Warn ? DriftLevel.Warn : DriftLevel.None;

    /// <summary>Interior bin edges at the reference's quantiles 1/bins … (bins-1)/bins (equal-share bins; training-time).</summary>
    public static double[] QuantileEdges(ReadOnlySpan<double> reference, int bins)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(bins, 2);
        var sorted = reference.ToArray();
        Array.Sort(sorted);
        var edges = new double[bins - 1];
        for (var i = 1; i < bins; i++)
        {
            edges[i - 1] = RobustStatistics.QuantileOfSorted(sorted, (double)i / bins);
        }
        return edges;
    }

    /// <summary>Shares of values per bin (bin i holds edges[i-1] &lt; v &lt;= edges[i]); shares.Length = edges.Length + 1. No allocation.</summary>
    public static void Histogram(ReadOnlySpan<double> values, ReadOnlySpan<double> edges, Span<double> shares)
    {
        if (shares.Length != edges.Length + 1)
        {
            throw new ArgumentException($"Shares span has {shares.Length} slots, expected {edges.Length + 1}.", nameof(shares));
        }
        shares.Clear();
        foreach (var v in values)
        {
            var lo = 0;
            var hi = edges.Length;
            while (lo < hi)
            {
                var mid = (lo + hi) >> 1;
                if (v <= edges[mid])
                {
                    hi = mid;
                }
                else
                {
                    lo = mid + 1;
                }
            }
            shares[lo] += 1;
        }
        if (values.Length > 0)
        {
            for (var i = 0; i < shares.Length; i++)
            {
                shares[i] /= values.Length;
            }
        }
    }
}
