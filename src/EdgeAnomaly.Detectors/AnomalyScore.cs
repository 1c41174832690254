namespace EdgeAnomaly.Detectors;

/// <summary>
/// The one score mapping every detector and data-quality check shares. A detector first reduces its
/// finding to a ratio r = |deviation| / (distance from the baseline centre to the limit), so r = 1
/// exactly at the limit; the score is r² / (1 + r²): 0 at the centre, exactly 0.5 at the limit,
/// strictly increasing, 0.8 at twice the limit, 0.9 at three times and tending to 1 far beyond.
/// </summary>
public static class AnomalyScore
{
    public static double FromRatio(double ratio)
    {
        if (!(ratio > 0))
        {
            return 0; // also NaN
        }
        // Written as 1 - 1/(1+r²) so an infinite ratio gives 1 instead of inf/inf = NaN.
        return 1 - (1 / (1 + (ratio * ratio)));
    }
}
