using System.Numerics;
using MathNet.Numerics.IntegralTransforms;

namespace EdgeAnomaly.Scoring.Features;

/// <summary>
/// The per-window statistics of the feature bank as pure functions over spans, so each one can be checked on a
/// hand-computed window. None of them allocates.
/// </summary>
public static class WindowStatistics
{
    public static double Mean(ReadOnlySpan<double> values)
    {
        double sum = 0;
        foreach (var v in values)
        {
            sum += v;
        }
        return values.Length == 0 ? double.NaN : sum / values.Length;
    }

    /// <summary>Sample standard deviation (n - 1); 0 for fewer than two values.</summary>
    public static double StandardDeviation(ReadOnlySpan<double> values, double mean)
    {
        if (values.Length < 2)
        {
            return 0;
        }
        double sum = 0;
        foreach (var v in values)
        {
            var d = v - mean;
            sum += d * d;
        }
        return Math.Sqrt(sum / (values.Length - 1));
    }

    /// <summary>Least-squares slope of value against time (value units per second); 0 when time does not vary.</summary>
    public static double Slope(ReadOnlySpan<double> timesSeconds, ReadOnlySpan<double> values)
    {
        var n = values.Length;
        if (n < 2)
        {
            return 0;
        }
        double tMean = 0, vMean = 0;
        for (var i = 0; i < n; i++)
        {
            tMean += timesSeconds[i];
            vMean += values[i];
        }
        tMean /= n;
        vMean /= n;
        double sxy = 0, sxx = 0;
        for (var i = 0; i < n; i++)
        {
            var dt = timesSeconds[i] - tMean;
            sxy += dt * (values[i] - vMean);
            sxx += dt * dt;
        }
        return sxx > 0 ? sxy / sxx : 0;
    }

    /// <summary>Percentile of already sorted values by linear interpolation between closest ranks (p in [0, 1]).</summary>
    public static double PercentileOfSorted(ReadOnlySpan<double> sorted, double p)
    {
        if (sorted.Length == 0)
        {
            return double.NaN;
        }
        var h = (sorted.Length - 1) * p;
        var lo = (int)Math.Floor(h);
        if (lo >= sorted.Length - 1)
        {
            return sorted[^1];
        }
        return sorted[lo] + ((h - lo) * (sorted[lo + 1] - sorted[lo]));
    }

    /// <summary>
    /// Linear interpolation of irregular samples (sorted by time) onto <paramref name="grid"/>.Length evenly spaced
    /// points at the centres of equal slices of [start, start + length); ends hold the first / last sample.
    /// </summary>
    public static void Resample(ReadOnlySpan<double> timesSeconds, ReadOnlySpan<double> values, double start, double length, Span<double> grid)
    {
        var n = values.Length;
        var m = grid.Length;
        var j = 0;
        for (var i = 0; i < m; i++)
        {
            var t = start + ((i + 0.5) * length / m);
            while (j < n - 1 && timesSeconds[j + 1] <= t)
            {
                j++;
            }
            if (t <= timesSeconds[0])
            {
                grid[i] = values[0];
            }
            else if (j >= n - 1)
            {
                grid[i] = values[n - 1];
            }
            else
            {
                var t0 = timesSeconds[j];
                var t1 = timesSeconds[j + 1];
                grid[i] = t1 > t0 ? values[j] + ((values[j + 1] - values[j]) * (t - t0) / (t1 - t0)) : values[j + 1];
            }
        }
    }

    /// <summary>
    /// Spectral energy of an evenly sampled window (length a power of two) in <paramref name="bands"/>.Length equal
    /// slices of the one-sided spectrum (bins 1..N/2; the mean is removed first), by MathNet's FFT. Scaled so the
    /// bands sum to the window's population variance (Parseval): a sine of amplitude A centred on a bin puts A²/2
    /// into its band. <paramref name="scratch"/> has the grid's length; MathNet transforms it in place.
    /// </summary>
    public static void BandEnergies(ReadOnlySpan<double> grid, Complex[] scratch, Span<double> bands)
    {
        var n = grid.Length;
        if (scratch.Length != n || n < 4 || (n & (n - 1)) != 0)
        {
            throw new ArgumentException($"FFT scratch must have the grid's length, a power of two >= 4 (grid {n}, scratch {scratch.Length}).", nameof(scratch));
        }
        double mean = 0;
        foreach (var v in grid)
        {
            mean += v;
        }
        mean /= n;
        for (var i = 0; i < n; i++)
        {
            scratch[i] = new Complex(grid[i] - mean, 0);
        }
        Fourier.Forward(scratch, FourierOptions.Matlab);
        bands.Clear();
        var half = n / 2;
        var nb = bands.Length;
        var norm = 1.0 / ((double)n * n);
        for (var k = 1; k <= half; k++)
        {
            var power = (scratch[k].Real * scratch[k].Real) + (scratch[k].Imaginary * scratch[k].Imaginary);
            // Bins 1..N/2-1 stand for themselves and their mirror image; the Nyquist bin is its own mirror.
            var energy = (k == half ? 1.0 : 2.0) * power * norm;
            bands[Math.Min(nb - 1, (k - 1) * nb / half)] += energy;
        }
    }

    /// <summary>
    /// RMS of the one-step-ahead residual of an AR(p) model over a window, centred on the window's own mean (so a
    /// level shift alone does not count, only a change in the dynamics). 0 when the window has p values or fewer.
    /// </summary>
    public static double ArResidualRms(ReadOnlySpan<double> values, double mean, ReadOnlySpan<double> coefficients)
    {
        var p = coefficients.Length;
        var n = values.Length;
        if (n <= p)
        {
            return 0;
        }
        double sum = 0;
        for (var i = p; i < n; i++)
        {
            var predicted = 0.0;
            for (var j = 0; j < p; j++)
            {
                predicted += coefficients[j] * (values[i - 1 - j] - mean);
            }
            var e = values[i] - mean - predicted;
            sum += e * e;
        }
        return Math.Sqrt(sum / (n - p));
    }

    /// <summary>Pearson correlation; 0 when either side has no variance.</summary>
    public static double Correlation(ReadOnlySpan<double> x, ReadOnlySpan<double> y)
    {
        var n = x.Length;
        if (n < 2)
        {
            return 0;
        }
        double mx = 0, my = 0;
        for (var i = 0; i < n; i++)
        {
            mx += x[i];
            my += y[i];
        }
        mx /= n;
        my /= n;
        double sxy = 0, sxx = 0, syy = 0;
        for (var i = 0; i < n; i++)
        {
            var dx = x[i] - mx;
            var dy = y[i] - my;
            sxy += dx * dy;
            sxx += dx * dx;
            syy += dy * dy;
        }
        // Relative floor: a series that varies only by rounding noise has no meaningful correlation.
        return sxx > 1e-24 && syy > 1e-24 ? Math.Clamp(sxy / Math.Sqrt(sxx * syy), -1, 1) : 0;
    }

    /// <summary>
    /// Yule-Walker AR(p) coefficients by the Levinson-Durbin recursion on the series' autocovariances (centred on
    /// its mean). A constant or too short series gives zeros.
    /// </summary>
    public static double[] FitAutoregressive(ReadOnlySpan<double> series, int order)
    {
        var phi = new double[order];
        var n = series.Length;
        if (order == 0 || n <= order + 1)
        {
            return phi;
        }
        var mean = Mean(series);
        var r = new double[order + 1];
        for (var lag = 0; lag <= order; lag++)
        {
            double s = 0;
            for (var i = lag; i < n; i++)
            {
                s += (series[i] - mean) * (series[i - lag] - mean);
            }
            r[lag] = s / n;
        }
        if (r[0] <= 1e-300)
        {
            return phi;
        }
        var error = r[0];
        var previous = new double[order];
        for (var k = 1; k <= order; k++)
        {
            var acc = r[k];
            for (var j = 1; j < k; j++)
            {
                acc -= previous[j - 1] * r[k - j];
            }
            var reflection = acc / error;
            phi[k - 1] = reflection;
            for (var j = 1; j < k; j++)
            {
                phi[j - 1] = previous[j - 1] - (reflection * previous[k - j - 1]);
            }
            error *= 1 - (reflection * reflection);
            if (error <= 1e-300)
            {
                break;
            }
            Array.Copy(phi, previous, order);
        }
        return phi;
    }
}
