namespace EdgeAnomaly.Models.Thresholds;

/// <summary>A fitted generalised Pareto distribution of exceedances y &gt;= 0: F(y) = 1 - (1 + xi y / sigma)^(-1/xi).</summary>
public readonly record struct GpdFit(double Xi, double Sigma, double LogLikelihood, int Count)
{
    public double Cdf(double y)
    {
        if (y <= 0)
        {
            return 0;
        }
        if (Math.Abs(Xi) < GeneralizedPareto.ExponentialShape)
        {
            return -double.ExpM1(-y / Sigma);
        }
        var z = Xi * y / Sigma;
        return z <= -1 ? 1 : -double.ExpM1(-double.LogP1(z) / Xi);
    }

    /// <summary>y with P(Y &gt; y) = tail.</summary>
    public double UpperQuantile(double tail) =>
        Math.Abs(Xi) < GeneralizedPareto.ExponentialShape ? -Sigma * Math.Log(tail) : Sigma / Xi * (Math.Pow(tail, -Xi) - 1);
}

/// <summary>
/// Maximum-likelihood fit of the generalised Pareto distribution. Uses Grimshaw's reduction: with theta = xi / sigma the
/// likelihood maximised over xi for fixed theta has xi(theta) = mean(ln(1 + theta y)), leaving a one-dimensional profile
/// l(theta) = -n (ln(xi / theta) + xi + 1) on theta &gt; -1 / max(y). It is maximised over a log-spaced grid of theta on
/// both sides of 0 (0 itself is the exponential, xi = 0) plus the method-of-moments start, then refined by golden-section
/// search between the best grid point's neighbours. The shape is restricted to xi &gt;= -1, where the likelihood is bounded.
/// </summary>
public static class GeneralizedPareto
{
    /// <summary>Below this |xi| the exponential limit is used.</summary>
    public const double ExponentialShape = 1e-9;
    public const double MinShape = -1;
    public const int MinCount = 3;

    public static GpdFit Fit(ReadOnlySpan<double> exceedances)
    {
        var n = exceedances.Length;
        if (n < MinCount)
        {
            throw new ArgumentException($"A GPD fit needs at least {MinCount} exceedances (got {n}).", nameof(exceedances));
        }
        double sum = 0, sumSquares = 0, max = 0;
        foreach (var y in exceedances)
        {
            if (!(y >= 0) || !double.IsFinite(y))
            {
                throw new ArgumentException($"Exceedances must be finite and >= 0 (got {y}).", nameof(exceedances));
            }
            sum += y;
            sumSquares += y * y;
            max = Math.Max(max, y);
        }
        var mean = sum / n;
        if (max == 0)
        {
            throw new ArgumentException("All exceedances are 0: no tail to fit.", nameof(exceedances));
        }

        var candidates = new List<double> { 0.0 };
        // Method-of-moments start: xi0 = (1 - mean²/var) / 2, sigma0 = mean (mean²/var + 1) / 2.
        var variance = sumSquares / n - mean * mean;
        if (variance > 0)
        {
            var ratio = mean * mean / variance;
            var xi0 = 0.5 * (1 - ratio);
            var sigma0 = 0.5 * mean * (ratio + 1);
            var theta0 = xi0 / sigma0;
            if (theta0 > -1 / max)
            {
                candidates.Add(theta0);
            }
        }
        for (var a = -4.0; a <= 4.0001; a += 0.1)
        {
            candidates.Add(Math.Pow(10, a) / mean);                 // heavier tails, xi > 0
            var s = a < 0 ? Math.Pow(10, a) : 1 - Math.Pow(10, -2 * a - 0.3);   // lighter tails, xi < 0, up to the pole
            candidates.Add(-s / max);
        }
        candidates.Sort();

        var exceed = exceedances.ToArray();
        var bestIndex = -1;
        var best = double.NegativeInfinity;
        for (var i = 0; i < candidates.Count; i++)
        {
            var l = ProfileLogLikelihood(exceed, candidates[i], mean, out var xi);
            if (xi >= MinShape && l > best)
            {
                best = l;
                bestIndex = i;
            }
        }
        if (bestIndex < 0)
        {
            throw new ArgumentException("No admissible GPD fit (shape below -1 everywhere).", nameof(exceedances));
        }
        var lo = bestIndex > 0 ? candidates[bestIndex - 1] : candidates[0];
        var hi = bestIndex < candidates.Count - 1 ? candidates[bestIndex + 1] : candidates[bestIndex];
        var theta = GoldenSection(exceed, lo, hi, mean, candidates[bestIndex], best);
        var logLikelihood = ProfileLogLikelihood(exceed, theta, mean, out var shape);
        if (shape < MinShape || !(logLikelihood >= best))
        {
            theta = candidates[bestIndex];
            logLikelihood = ProfileLogLikelihood(exceed, theta, mean, out shape);
        }
        var sigma = Math.Abs(theta) < 1e-300 || Math.Abs(shape) < ExponentialShape ? mean : shape / theta;
        if (Math.Abs(shape) < ExponentialShape)
        {
            shape = 0;
            sigma = mean;
        }
        return new GpdFit(shape, sigma, logLikelihood, n);
    }

    /// <summary>Profile log-likelihood at theta; NaN-safe: inadmissible theta gives -infinity.</summary>
    private static double ProfileLogLikelihood(double[] y, double theta, double mean, out double xi)
    {
        var n = y.Length;
        if (theta == 0)
        {
            xi = 0;
            return -n * (Math.Log(mean) + 1);
        }
        var s = 0.0;
        foreach (var v in y)
        {
            var z = theta * v;
            if (z <= -1)
            {
                xi = double.NegativeInfinity;
                return double.NegativeInfinity;
            }
            s += double.LogP1(z);
        }
        xi = s / n;
        var sigma = xi / theta;
        if (!(sigma > 0))
        {
            // |theta| so small that xi rounds to 0: the exponential limit.
            xi = 0;
            return -n * (Math.Log(mean) + 1);
        }
        return -n * (Math.Log(sigma) + xi + 1);
    }

    private static double GoldenSection(double[] y, double lo, double hi, double mean, double bestTheta, double bestValue)
    {
        const double invPhi = 0.6180339887498949;
        var a = lo;
        var b = hi;
        var c = b - invPhi * (b - a);
        var d = a + invPhi * (b - a);
        var fc = Admissible(y, c, mean);
        var fd = Admissible(y, d, mean);
        for (var i = 0; i < 100 && Math.Abs(b - a) > 1e-12 * (Math.Abs(a) + Math.Abs(b) + 1e-300); i++)
        {
            if (fc > fd)
            {
                b = d;
                d = c;
                fd = fc;
                c = b - invPhi * (b - a);
                fc = Admissible(y, c, mean);
            }
            else
            {
                a = c;
                c = d;
                fc = fd;
                d = a + invPhi * (b - a);
                fd = Admissible(y, d, mean);
            }
        }
        var theta = (a + b) / 2;
        return Admissible(y, theta, mean) >= bestValue ? theta : bestTheta;
    }

    private static double Admissible(double[] y, double theta, double mean)
    {
        var l = ProfileLogLikelihood(y, theta, mean, out var xi);
        return xi >= MinShape ? l : double.NegativeInfinity;
    }

    /// <summary>
    /// Anderson-Darling statistic A² of the exceedances against the fitted distribution (weights the tails, where a
    /// threshold lives). Larger is worse.
    /// </summary>
    public static double AndersonDarling(ReadOnlySpan<double> exceedances, GpdFit fit)
    {
        var sorted = exceedances.ToArray();
        Array.Sort(sorted);
        var n = sorted.Length;
        var sum = 0.0;
        for (var i = 0; i < n; i++)
        {
            var lower = Math.Clamp(fit.Cdf(sorted[i]), 1e-12, 1 - 1e-12);
            var upper = Math.Clamp(fit.Cdf(sorted[n - 1 - i]), 1e-12, 1 - 1e-12);
            sum += (2 * i + 1) * (Math.Log(lower) + Math.Log(1 - upper));
        }
        return -n - sum / n;
    }
}
