namespace EdgeAnomaly.Models.Forest;

/// <summary>Training options of <see cref="IsolationForest"/> (defaults of Liu, Ting and Zhou 2008).</summary>
public sealed class IsolationForestOptions
{
    /// <summary>Number of isolation trees.</summary>
    public int Trees { get; set; } = 100;

    /// <summary>Rows drawn (without replacement) per tree, psi; capped at the number of training rows.</summary>
    public int SubsampleSize { get; set; } = 256;

    /// <summary>Seed of the row sampling and of the random splits; the same seed and data give the same forest.</summary>
    public int Seed { get; set; } = 1;

    /// <summary>Throws <see cref="ArgumentException"/> naming the bad key.</summary>
    public void Validate()
    {
        if (Trees is < 1 or > IsolationForest.MaxTrees)
        {
            throw new ArgumentException($"IsolationForestOptions.Trees must be in [1, {IsolationForest.MaxTrees}] (was {Trees}).");
        }
        if (SubsampleSize is < 2 or > IsolationForest.MaxSubsampleSize)
        {
            throw new ArgumentException($"IsolationForestOptions.SubsampleSize must be in [2, {IsolationForest.MaxSubsampleSize}] (was {SubsampleSize}).");
        }
    }
}
