namespace EdgeAnomaly.Scoring.Evaluation;

/// <summary>
/// A pooled confusion matrix of point-wise labels and predictions, with the figures the SKAB leaderboard reports:
/// F1 = TP / (TP + (FP + FN) / 2), FAR = FP / (FP + TN) in %, MAR = FN / (FN + TP) in %.
/// </summary>
public struct ConfusionCounts
{
    public long TruePositives { get; set; }
    public long FalsePositives { get; set; }
    public long FalseNegatives { get; set; }
    public long TrueNegatives { get; set; }

    public readonly long Total => TruePositives + FalsePositives + FalseNegatives + TrueNegatives;

    public void Add(bool label, bool predicted)
    {
        if (label)
        {
            if (predicted)
            {
                TruePositives++;
            }
            else
            {
                FalseNegatives++;
            }
        }
        else if (predicted)
        {
            FalsePositives++;
        }
        else
        {
            TrueNegatives++;
        }
    }

    public void Add(ConfusionCounts other)
    {
        TruePositives += other.TruePositives;
        FalsePositives += other.FalsePositives;
        FalseNegatives += other.FalseNegatives;
        TrueNegatives += other.TrueNegatives;
    }

    /// <summary>TP / (TP + (FP + FN) / 2); 0 when there is no true positive.</summary>
    public readonly double F1 => TruePositives == 0 ? 0 : TruePositives / (TruePositives + ((FalsePositives + FalseNegatives) / 2.0));

    /// <summary>False alarm rate FP / (FP + TN) in percent (0 without negatives).</summary>
    public readonly double FarPercent => FalsePositives + TrueNegatives == 0 ? 0 : 100.0 * FalsePositives / (FalsePositives + TrueNegatives);

    /// <summary>Missed alarm rate FN / (FN + TP) in percent (0 without positives).</summary>
    public readonly double MarPercent => FalseNegatives + TruePositives == 0 ? 0 : 100.0 * FalseNegatives / (FalseNegatives + TruePositives);
}
