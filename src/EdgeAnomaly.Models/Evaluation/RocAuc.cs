namespace EdgeAnomaly.Models.Evaluation;

/// <summary>Area under the ROC curve of scores against binary labels (higher score = more likely positive).</summary>
public static class RocAuc
{
    /// <summary>
    /// Mann-Whitney form: the probability that a random positive outscores a random negative, ties counting half
    /// (average ranks). NaN when either class is empty.
    /// </summary>
    public static double Compute(ReadOnlySpan<double> scores, ReadOnlySpan<bool> labels)
    {
        if (scores.Length != labels.Length)
        {
            throw new ArgumentException("scores and labels differ in length.", nameof(labels));
        }
        var order = new int[scores.Length];
        for (var i = 0; i < order.Length; i++)
        {
            order[i] = i;
        }
        var keys = scores.ToArray();
        Array.Sort(keys, order);
        double positiveRankSum = 0;
        long positives = 0;
        var start = 0;
        while (start < keys.Length)
        {
            var end = start;
            while (end + 1 < keys.Length && keys[end + 1] == keys[start])
            {
                end++;
            }
            var averageRank = (start + end) / 2.0 + 1.0;
            for (var k = start; k <= end; k++)
            {
                if (labels[order[k]])
                {
                    positiveRankSum += averageRank;
                    positives++;
                }
            }
            start = end + 1;
        }
        long negatives = scores.Length - positives;
        if (positives == 0 || negatives == 0)
        {
            return double.NaN;
        }
        return (positiveRankSum - positives * (positives + 1) / 2.0) / ((double)positives * negatives);
    }
}
