using System.Globalization;
using EdgeAnomaly.Models.Serialization;

namespace EdgeAnomaly.Models.Thresholds;

public enum ThresholdMethod : byte
{
    /// <summary>Peaks over threshold with a generalised Pareto tail.</summary>
    Evt = 1,

    /// <summary>An empirical quantile of the training scores (the fallback).</summary>
    Quantile = 2,
}

/// <summary>Options of <see cref="EvtThreshold.Fit"/>.</summary>
public sealed class EvtOptions
{
    /// <summary>Target probability that a training-like score exceeds the threshold.</summary>
    public double Alpha { get; set; } = 0.001;

    /// <summary>Quantile of the training scores used when the tail fit is refused.</summary>
    public double FallbackQuantile { get; set; } = 0.995;

    /// <summary>Share of the training scores above the initial threshold u (u = quantile 1 - TailFraction; 0.02 = Q98).</summary>
    public double TailFraction { get; set; } = 0.02;

    /// <summary>Fewest exceedances over u for a tail fit.</summary>
    public int MinExceedances { get; set; } = 30;

    /// <summary>
    /// Largest Anderson-Darling A² accepted. 1.5 is about the 99th percentile of A² for true GPD samples
    /// (n = 30…1000, xi = -0.2…0.4) fitted by maximum likelihood, so a good tail is refused about 1 time in 100.
    /// </summary>
    public double MaxAndersonDarling { get; set; } = 1.5;

    public void Validate()
    {
        if (!(Alpha > 0 && Alpha < 0.5))
        {
            throw new ArgumentException($"EvtOptions.Alpha must be in (0, 0.5) (was {Alpha}).");
        }
        if (!(FallbackQuantile > 0.5 && FallbackQuantile <= 1))
        {
            throw new ArgumentException($"EvtOptions.FallbackQuantile must be in (0.5, 1] (was {FallbackQuantile}).");
        }
        if (!(TailFraction > 0 && TailFraction <= 0.5))
        {
            throw new ArgumentException($"EvtOptions.TailFraction must be in (0, 0.5] (was {TailFraction}).");
        }
        if (MinExceedances < GeneralizedPareto.MinCount)
        {
            throw new ArgumentException($"EvtOptions.MinExceedances must be at least {GeneralizedPareto.MinCount} (was {MinExceedances}).");
        }
        if (!(MaxAndersonDarling > 0))
        {
            throw new ArgumentException($"EvtOptions.MaxAndersonDarling must be positive (was {MaxAndersonDarling}).");
        }
    }
}

/// <summary>
/// The chosen alert threshold on a score and how it was reached. Xi, Sigma and GoodnessOfFit (Anderson-Darling A²) are
/// NaN when no tail was fitted.
/// </summary>
public sealed record ThresholdChoice(double Value, ThresholdMethod Method, double Xi, double Sigma, double GoodnessOfFit, string Reason)
{
    private const string Section = "THRC";

    public void Write(BinaryWriter w)
    {
        ModelBinary.WriteTag(w, Section);
        w.Write((byte)Method);
        w.Write(Value);
        w.Write(Xi);
        w.Write(Sigma);
        w.Write(GoodnessOfFit);
        w.Write(Reason);
    }

    public static ThresholdChoice Read(BinaryReader r) => ModelBinary.ReadSection(Section, () =>
    {
        ModelBinary.ExpectTag(r, Section);
        var method = r.ReadByte() switch
        {
            1 => ThresholdMethod.Evt,
            2 => ThresholdMethod.Quantile,
            var b => throw new InvalidDataException($"Model section '{Section}': unknown threshold method {b}."),
        };
        var value = ModelBinary.ReadFinite(r, Section, "threshold");
        var xi = r.ReadDouble();
        var sigma = r.ReadDouble();
        var fit = r.ReadDouble();
        if (method == ThresholdMethod.Evt && !(double.IsFinite(xi) && sigma > 0 && double.IsFinite(sigma) && fit >= 0))
        {
            throw new InvalidDataException($"Model section '{Section}': EVT threshold without valid xi / sigma / fit.");
        }
        var reason = ModelBinary.ReadString(r, Section, "reason", 4096);
        return new ThresholdChoice(value, method, xi, sigma, fit, reason);
    });
}

/// <summary>
/// Peaks-over-threshold alert threshold (the SPOT initialisation of Siffer et al. 2017): u = the training quantile
/// 1 - TailFraction, a GPD fitted to the exceedances over u, and z = u + sigma/xi ((alpha N / n_u)^(-xi) - 1) so that
/// P(score &gt; z) ≈ alpha. Falls back to the FallbackQuantile training quantile, saying why, when there are too few
/// exceedances, the fit is refused by Anderson-Darling or the result is not a usable number.
/// </summary>
public static class EvtThreshold
{
    public static ThresholdChoice Fit(ReadOnlySpan<double> trainingScores, EvtOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        if (trainingScores.Length == 0)
        {
            throw new ArgumentException("No training scores.", nameof(trainingScores));
        }
        var sorted = trainingScores.ToArray();
        foreach (var s in sorted)
        {
            if (!double.IsFinite(s))
            {
                throw new ArgumentException($"Training score {s} is not finite.", nameof(trainingScores));
            }
        }
        Array.Sort(sorted);
        var n = sorted.Length;
        var fallback = RobustStatistics.QuantileOfSorted(sorted, options.FallbackQuantile);
        ThresholdChoice Fallback(string why) => new(fallback, ThresholdMethod.Quantile, double.NaN, double.NaN, double.NaN,
            string.Create(CultureInfo.InvariantCulture, $"{why}; using the training Q{options.FallbackQuantile * 100:0.###} = {fallback:G6}"));

        var u = RobustStatistics.QuantileOfSorted(sorted, 1 - options.TailFraction);
        var first = Array.FindIndex(sorted, s => s > u);
        var exceedanceCount = first < 0 ? 0 : n - first;
        if (exceedanceCount < options.MinExceedances)
        {
            return Fallback(string.Create(CultureInfo.InvariantCulture,
                $"only {exceedanceCount} training scores above u = {u:G6} (need {options.MinExceedances})"));
        }
        var tailShare = (double)exceedanceCount / n;
        if (options.Alpha >= tailShare)
        {
            var q = RobustStatistics.QuantileOfSorted(sorted, 1 - options.Alpha);
            return new ThresholdChoice(q, ThresholdMethod.Quantile, double.NaN, double.NaN, double.NaN,
                string.Create(CultureInfo.InvariantCulture, $"alpha {options.Alpha} is not inside the tail ({tailShare:G3} above u); using the training Q{(1 - options.Alpha) * 100:0.###} = {q:G6}"));
        }
        var exceedances = new double[exceedanceCount];
        for (var i = 0; i < exceedanceCount; i++)
        {
            exceedances[i] = sorted[first + i] - u;
        }
        GpdFit fit;
        try
        {
            fit = GeneralizedPareto.Fit(exceedances);
        }
        catch (ArgumentException e)
        {
            return Fallback($"GPD fit failed ({e.Message})");
        }
        var ad = GeneralizedPareto.AndersonDarling(exceedances, fit);
        if (!(ad <= options.MaxAndersonDarling))
        {
            return Fallback(string.Create(CultureInfo.InvariantCulture,
                $"GPD fit refused: Anderson-Darling A² = {ad:F2} > {options.MaxAndersonDarling} on {exceedanceCount} exceedances (xi = {fit.Xi:F3}, sigma = {fit.Sigma:G4})"));
        }
        var z = u + fit.UpperQuantile(options.Alpha / tailShare);
        if (!double.IsFinite(z) || z < u)
        {
            return Fallback(string.Create(CultureInfo.InvariantCulture, $"EVT threshold {z} is not usable"));
        }
        return new ThresholdChoice(z, ThresholdMethod.Evt, fit.Xi, fit.Sigma, ad, string.Create(CultureInfo.InvariantCulture,
            $"GPD tail over u = {u:G6} ({exceedanceCount} exceedances): xi = {fit.Xi:F3}, sigma = {fit.Sigma:G4}, A² = {ad:F2} <= {options.MaxAndersonDarling}; P(score > {z:G6}) ≈ {options.Alpha}"));
    }
}
