namespace EdgeAnomaly.Models.Thresholds;

/// <summary>How many consecutive samples above the threshold make an alert, and what the training data said.</summary>
public readonly record struct SustainChoice(int Required, int LongestTrainingRun, bool Capped);

/// <summary>
/// Learns the sustain count from training: one more than the longest run of consecutive training scores above the
/// threshold (training is assumed normal, so a run that long is still normal), never below <c>minimum</c> and at most
/// <c>cap</c> (a cap reached is reported: training then had long excursions above the threshold).
/// </summary>
public static class SustainPolicy
{
    public const int DefaultMinimum = 1;
    public const int DefaultCap = 10;

    public static SustainChoice Learn(ReadOnlySpan<double> trainingScores, double threshold, int minimum = DefaultMinimum, int cap = DefaultCap)
    {
        if (minimum < 1 || cap < minimum)
        {
            throw new ArgumentException($"Sustain needs 1 <= minimum <= cap (minimum {minimum}, cap {cap}).");
        }
        var longest = 0;
        var run = 0;
        foreach (var s in trainingScores)
        {
            run = s > threshold ? run + 1 : 0;
            longest = Math.Max(longest, run);
        }
        var wanted = Math.Max(longest + 1, minimum);
        return new SustainChoice(Math.Min(wanted, cap), longest, wanted > cap);
    }
}

/// <summary>Online sustain gate: true once <see cref="Required"/> consecutive observations were above. No allocation.</summary>
public sealed class RunLengthGate
{
    public RunLengthGate(int required)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(required, 1);
        Required = required;
    }

    public int Required { get; }

    /// <summary>Current count of consecutive observations above.</summary>
    public int Run { get; private set; }

    public bool Observe(bool above)
    {
        Run = above ? (Run == int.MaxValue ? Run : Run + 1) : 0;
        return Run >= Required;
    }

    public bool Observe(double score, double threshold) => Observe(score > threshold);

    public void Reset() => Run = 0;
}
