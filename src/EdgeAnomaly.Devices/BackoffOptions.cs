using EdgeAnomaly.Core.Resilience;

namespace EdgeAnomaly.Devices;

/// <summary>Capped exponential backoff (see <see cref="Backoff.Delay"/>): Initial * 2^attempt, at most Max, minus up to Jitter of itself.</summary>
public sealed class BackoffOptions
{
    public TimeSpan Initial { get; set; } = TimeSpan.FromSeconds(5);

    public TimeSpan Max { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>0..1: the share of each delay that is randomly cut, so devices that failed together do not retry together.</summary>
    public double Jitter { get; set; } = 0.2;

    public static BackoffOptions Create(TimeSpan initial, TimeSpan max, double jitter = 0.2) =>
        new() { Initial = initial, Max = max, Jitter = jitter };

    public TimeSpan Delay(int attempt, double random01) => Backoff.Delay(attempt, Initial, Max, Jitter, random01);

    public IEnumerable<string> Validate(string key)
    {
        if (Initial <= TimeSpan.Zero || Initial > TimeSpan.FromHours(1))
        {
            yield return $"{key}:Initial must be > 0 and <= 01:00:00 (got {Initial})";
        }
        if (Max < Initial || Max > TimeSpan.FromHours(24))
        {
            yield return $"{key}:Max must be >= Initial and <= 1.00:00:00 (got {Max})";
        }
        if (!(Jitter >= 0 && Jitter <= 1))
        {
            yield return $"{key}:Jitter must be 0..1 (got {Jitter})";
        }
    }
}
