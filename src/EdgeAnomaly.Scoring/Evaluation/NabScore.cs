namespace EdgeAnomaly.Scoring.Evaluation;

/// <summary>Reward and penalty weights of one NAB application profile.</summary>
public readonly record struct NabProfile(string Name, double TruePositive, double FalsePositive, double FalseNegative)
{
    public static NabProfile Standard { get; } = new("Standard", 1.0, -0.11, -1.0);
    public static NabProfile LowFalsePositives { get; } = new("LowFP", 1.0, -0.22, -1.0);
    public static NabProfile LowFalseNegatives { get; } = new("LowFN", 1.0, -0.11, -2.0);

    public static IReadOnlyList<NabProfile> All { get; } = [Standard, LowFalsePositives, LowFalseNegatives];
}

/// <summary>
/// NAB-style changepoint score as the current SKAB leaderboard computes it: each true changepoint opens a scoring
/// window [cp, cp + width] to its right (a window overlapping the previous one starts where that one ends); the first
/// predicted changepoint inside a window earns a reward falling smoothly from the true-positive weight at the window
/// start to the false-positive weight at its end (a tanh curve); further predictions inside a window count for
/// nothing; a window without a prediction costs the false-negative weight; every prediction outside all windows costs
/// the false-positive weight. Raw scores are summed over files; the normalised score is
/// 100 * (score - null) / (perfect - null), where the null detector never fires and the perfect one hits every
/// window at its start.
/// </summary>
public sealed class NabScore
{
    private readonly double[] _score;
    private readonly double[] _null;
    private readonly double[] _perfect;

    public NabScore(IReadOnlyList<NabProfile>? profiles = null)
    {
        Profiles = profiles ?? NabProfile.All;
        _score = new double[Profiles.Count];
        _null = new double[Profiles.Count];
        _perfect = new double[Profiles.Count];
    }

    public IReadOnlyList<NabProfile> Profiles { get; }

    public int Windows { get; private set; }

    public int Detected { get; private set; }

    public int Missed { get; private set; }

    public int FalsePositives { get; private set; }

    /// <summary>Adds one file: true and predicted changepoint times (any unit, ascending) and the window width.</summary>
    public void AddFile(IReadOnlyList<long> trueChangepoints, IReadOnlyList<long> predicted, long windowWidth)
    {
        ArgumentNullException.ThrowIfNull(trueChangepoints);
        ArgumentNullException.ThrowIfNull(predicted);
        var windows = new List<(long Start, long End)>(trueChangepoints.Count);
        foreach (var cp in trueChangepoints)
        {
            var start = cp;
            if (windows.Count > 0 && windows[^1].End >= start)
            {
                start = windows[^1].End;   // "cut the right window" when windows overlap
            }
            windows.Add((start, cp + windowWidth));
        }
        var falsePositives = 0;
        var missed = 0;
        var rewards = new List<double>[Profiles.Count];
        for (var p = 0; p < Profiles.Count; p++)
        {
            rewards[p] = [];
        }
        foreach (var t in predicted)
        {
            var inside = false;
            foreach (var (start, end) in windows)
            {
                if (t >= start && t <= end)
                {
                    inside = true;
                    break;
                }
            }
            if (!inside)
            {
                falsePositives++;
            }
        }
        foreach (var (start, end) in windows)
        {
            long? first = null;
            foreach (var t in predicted)
            {
                if (t >= start && t <= end)
                {
                    first = t;
                    break;
                }
            }
            if (first is null)
            {
                missed++;
                continue;
            }
            var position = end > start ? (double)(first.Value - start) / (end - start) : 0;
            for (var p = 0; p < Profiles.Count; p++)
            {
                rewards[p].Add(Reward(Profiles[p], position));
            }
        }
        for (var p = 0; p < Profiles.Count; p++)
        {
            var profile = Profiles[p];
            _score[p] += (profile.FalsePositive * falsePositives) + (profile.FalseNegative * missed) + rewards[p].Sum();
            _null[p] += profile.FalseNegative * windows.Count;
            _perfect[p] += profile.TruePositive * windows.Count;
        }
        Windows += windows.Count;
        Missed += missed;
        Detected += windows.Count - missed;
        FalsePositives += falsePositives;
    }

    /// <summary>Reward of a detection at relative position 0..1 in its window: TP weight at 0, FP weight at 1.</summary>
    public static double Reward(NabProfile profile, double position)
    {
        // The tsad curve samples x over [-pi/2, pi/2] at 1000 points and picks the point floor(position * 1000).
        var index = Math.Min(999, (int)(Math.Clamp(position, 0, 1) * 1000));
        var x = -Math.PI / 2 + (Math.PI * index / 999);
        var span = (profile.TruePositive - profile.FalsePositive) / 2;
        return (span * -Math.Tanh(x) / Math.Tanh(Math.PI / 2)) + span + profile.FalsePositive;
    }

    /// <summary>Normalised score of a profile: perfect = 100, never firing = 0 (NaN without windows).</summary>
    public double Normalised(int profile) =>
        _perfect[profile] == _null[profile] ? double.NaN : 100 * (_score[profile] - _null[profile]) / (_perfect[profile] - _null[profile]);

    public double Normalised(NabProfile profile)
    {
        for (var p = 0; p < Profiles.Count; p++)
        {
            if (Profiles[p] == profile)
            {
                return Normalised(p);
            }
        }
        throw new ArgumentException($"Profile {profile.Name} is not scored here.", nameof(profile));
    }
}
