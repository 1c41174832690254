using EdgeAnomaly.Detectors.Statistics;

namespace EdgeAnomaly.Detectors.Tests.Statistics;

public class SortedWindowTests
{
    [Theory]
    [InlineData(1, 5, 200, false)]
    [InlineData(2, 6, 200, false)]
    [InlineData(3, 15, 500, true)]
    [InlineData(4, 120, 1000, false)]
    [InlineData(5, 121, 1000, true)]
    public void Window_MedianQuantilesAndMad_MatchBruteForce(int seed, int capacity, int adds, bool coarse)
    {
        var random = new Random(seed);
        var window = new SortedWindow(capacity);
        var recent = new List<double>();
        for (var i = 0; i < adds; i++)
        {
            // Coarse values force many duplicates, the hard case for remove-by-value.
            var x = coarse ? random.Next(0, 6) : (random.NextDouble() * 100) - 50;
            window.Add(x);
            recent.Add(x);
            if (recent.Count > capacity)
            {
                recent.RemoveAt(0);
            }
            var sorted = recent.OrderBy(v => v).ToArray();
            Assert.Equal(sorted, window.Sorted.ToArray());
            var median = BruteMedian(sorted);
            Assert.Equal(median, window.Median(), 12);
            Assert.Equal(BruteQuantile(sorted, 0.25), window.Quantile(0.25), 12);
            Assert.Equal(BruteQuantile(sorted, 0.75), window.Quantile(0.75), 12);
            var deviations = sorted.Select(v => Math.Abs(v - median)).OrderBy(v => v).ToArray();
            Assert.Equal(BruteMedian(deviations), window.Mad(median), 12);
        }
    }

    // Sizes around the vector width (4 doubles) exercise the vector loops and their scalar tails; the value sets
    // force ties with the value leaving the window, signed zeros and values far apart in magnitude.
    [Theory]
    [InlineData(11, 1, 0)]
    [InlineData(12, 3, 0)]
    [InlineData(13, 4, 1)]
    [InlineData(14, 7, 1)]
    [InlineData(15, 8, 2)]
    [InlineData(16, 9, 2)]
    [InlineData(17, 33, 0)]
    [InlineData(18, 64, 1)]
    [InlineData(19, 120, 2)]
    public void Window_SmallSizesTiesAndSignedZeros_MatchBruteForce(int seed, int capacity, int valueSet)
    {
        double[] pool = valueSet switch
        {
            0 => [-0.0, 0.0, 1, -1],
            1 => [3, 3, 3, 2.5, 1e12, -1e12, double.Epsilon, -double.Epsilon],
            _ => [0.1, 0.2, 0.30000000000000004, 0.3, double.MaxValue, double.MinValue, 7],
        };
        var random = new Random(seed);
        var window = new SortedWindow(capacity);
        var recent = new List<double>();
        for (var i = 0; i < 40 * capacity + 50; i++)
        {
            var x = pool[random.Next(pool.Length)];
            window.Add(x);
            recent.Add(x);
            if (recent.Count > capacity)
            {
                recent.RemoveAt(0);
            }
            var sorted = recent.OrderBy(v => v).ToArray();
            Assert.Equal(sorted, window.Sorted.ToArray());
            var median = BruteMedian(sorted);
            if (double.IsFinite(median))
            {
                var deviations = sorted.Select(v => Math.Abs(v - median)).OrderBy(v => v).ToArray();
                Assert.Equal(BruteMedian(deviations), window.Mad(median));
            }
        }
    }

    // More than half the window is one value, so the MAD is 0 and the spread falls back (DegenerateSigma).
    [Fact]
    public void RobustSigma_WhenMostValuesEqual_IsTheLargestOfTheFallbacks()
    {
        var window = new SortedWindow(10);
        foreach (var x in new double[] { 20, 20, 20, 20, 20, 20, 20, 21, 21, 21 })
        {
            window.Add(x);
        }
        Assert.Equal(0, window.Mad(20));
        // Two levels, 30 % on the second: the standard deviation (0.483) is above 1.2533 × 0.3 and 1/√12.
        Assert.Equal(Math.Sqrt(((7 * 0.3 * 0.3) + (3 * 0.7 * 0.7)) / 9), window.RobustSigma(20), 12);
    }

    // A quantised sensor on one level that sometimes reads the next (SKAB's flow meter: 32, now and then 33): the mean
    // |deviation| would be a tenth of a step, so one step would sit 8 of those sigmas away.
    [Theory]
    [InlineData(new double[] { 32, 32, 32, 32, 32, 32, 32, 32, 32, 33 }, 32, 1.0)]
    [InlineData(new double[] { 4.1, 4.0, 4.0, 4.0, 4.0, 4.0, 4.0, 4.0, 3.9, 4.0 }, 4.0, 4.1 - 4.0)]
    [InlineData(new double[] { -2, -2, -2, -2, -2, -2, -2, -2, -2, -7 }, -2, 5.0)]
    [InlineData(new double[] { 7, 7, 7, 7, 7, 7, 7, 7, 7, 7 }, 7, 0.0)]
    public void RobustSigma_OfAQuantisedSensorOnOneLevel_IsAtLeastTheStandardDeviationAndTheQuantisationNoise(double[] values, double median, double step)
    {
        var window = new SortedWindow(values.Length);
        foreach (var x in values)
        {
            window.Add(x);
        }
        Assert.Equal(0, window.Mad(median));
        Assert.Equal(step, window.Resolution(), 12);
        var mean = values.Average();
        var std = Math.Sqrt(values.Sum(v => (v - mean) * (v - mean)) / (values.Length - 1));
        var sigma = window.RobustSigma(median);
        Assert.True(sigma > SortedWindow.MeanAbsToSigma * window.MeanAbsDeviation(median) || step == 0);
        Assert.True(sigma >= SortedWindow.QuantisationNoise * step);
        Assert.Equal(Math.Max(std, SortedWindow.QuantisationNoise * window.Resolution()), sigma, 12);
    }

    [Theory]
    [InlineData(new double[] { 5 }, 0)]
    [InlineData(new double[] { 5, 5, 5 }, 0)]
    [InlineData(new double[] { 1, 1.5, 3, 3 }, 0.5)]
    [InlineData(new double[] { -0.0, 0.0, 2 }, 2)]
    public void Resolution_IsTheSmallestGapBetweenDistinctValues(double[] values, double expected)
    {
        var window = new SortedWindow(8);
        foreach (var x in values)
        {
            window.Add(x);
        }
        Assert.Equal(expected, window.Resolution());
    }

    // The screening of robust z and the spike check is only exact if this bound never exceeds the MAD: every size
    // class (odd, even, around the vector width, both rebuild paths), coarse values with many ties, any hint.
    [Theory]
    [InlineData(31, 2, false)]
    [InlineData(32, 3, true)]
    [InlineData(33, 4, false)]
    [InlineData(34, 15, true)]
    [InlineData(35, 15, false)]
    [InlineData(36, 16, false)]
    [InlineData(37, 64, true)]
    [InlineData(38, 65, false)]
    [InlineData(39, 120, false)]
    [InlineData(40, 120, true)]
    [InlineData(41, 121, false)]
    public void MadLowerBound_NeverExceedsTheMad(int seed, int capacity, bool coarse)
    {
        var random = new Random(seed);
        var window = new SortedWindow(capacity);
        var hint = 0;
        for (var i = 0; i < 30 * capacity + 100; i++)
        {
            var x = coarse ? random.Next(0, 5) : Math.Round((random.NextDouble() - 0.5) * (i % 500 < 250 ? 1 : 100), 3);
            window.Add(x);
            var median = window.Median();
            var mad = window.Mad(median);
            var bound = window.MadLowerBound(median, ref hint);
            Assert.True(bound <= mad, $"bound {bound} > MAD {mad} at {i}");
            Assert.True(bound >= 0);
            var anyHint = random.Next(-5, capacity + 5);
            Assert.True(window.MadLowerBound(median, ref anyHint) <= mad);
        }
    }

    // Not needed for exactness, but screening only pays if the bound is close: on Gaussian noise it should stay
    // near the MAD once the hint has followed the window's balance point.
    [Theory]
    [InlineData(120)]
    [InlineData(15)]
    public void MadLowerBound_OnGaussianNoise_IsCloseToTheMad(int capacity)
    {
        var noise = new Noise(5);
        var window = new SortedWindow(capacity);
        var hint = capacity / 4;
        var ratios = new List<double>();
        for (var i = 0; i < 20_000; i++)
        {
            window.Add(10 + noise.Next());
            if (window.IsFull)
            {
                var median = window.Median();
                ratios.Add(window.MadLowerBound(median, ref hint) / window.Mad(median));
            }
        }
        Assert.InRange(ratios.Average(), capacity >= 100 ? 0.85 : 0.6, 1.0);
    }

    [Theory]
    [InlineData(51, 5)]
    [InlineData(52, 15)]
    [InlineData(53, 64)]
    [InlineData(54, 120)]
    public void RobustSigmaBeforeLastAdd_IsTheSigmaOfThePreviousWindow(int seed, int capacity)
    {
        var random = new Random(seed);
        var window = new SortedWindow(capacity);
        window.Add(1);
        for (var i = 0; i < 20 * capacity; i++)
        {
            var x = i % 7 == 0 ? random.Next(0, 3) : Math.Round(random.NextDouble() * 3, 2); // ties with the leaving value too
            var median = window.Median();
            var expected = window.RobustSigma(median);
            window.Add(x);
            Assert.Equal(expected, window.RobustSigmaBeforeLastAdd(median));
        }
    }

    // Every vector width (512, 256, 128, scalar; those this machine lacks are emulated) must give the same sorted values
    // and the same MAD and sigma bit for bit: the gateway runs 128 bits wide on the Raspberry Pi, 256 on x64 with AVX2.
    // Sizes around both vector widths, both rebuild strategies (<= 64 blends, larger shifts), ties and signed zeros.
    [Theory]
    [InlineData(0)]
    [InlineData(128)]
    [InlineData(256)]
    [InlineData(512)]
    public void EveryVectorWidth_MatchesBruteForceExactly(int bits)
    {
        var width = bits switch
        {
            0 => SortedWindow.Width.Scalar,
            128 => SortedWindow.Width.V128,
            256 => SortedWindow.Width.V256,
            _ => SortedWindow.Width.V512,
        };
        foreach (var capacity in new[] { 1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 33, 64, 65, 66, 120, 121 })
        {
            var random = new Random(capacity);
            var window = new SortedWindow(capacity, width);
            var recent = new List<double>();
            for (var i = 0; i < 6 * capacity + 20; i++)
            {
                var x = (i % 3) switch
                {
                    0 => random.Next(0, 4) - 1.5,
                    1 => random.Next(0, 2) == 0 ? -0.0 : 0.0,
                    _ => (random.NextDouble() * 100) - 50,
                };
                window.Add(x);
                recent.Add(x);
                if (recent.Count > capacity)
                {
                    recent.RemoveAt(0);
                }
                var sorted = recent.OrderBy(v => v).ToArray();
                Assert.Equal(sorted, window.Sorted.ToArray());
                var median = BruteMedian(sorted);
                Assert.Equal(median, window.Median());
                var deviations = sorted.Select(v => Math.Abs(v - median)).OrderBy(v => v).ToArray();
                var mad = BruteMedian(deviations);
                Assert.Equal(mad, window.Mad(median));
                var absSum = 0.0;
                foreach (var v in sorted)
                {
                    absSum += Math.Abs(v - median); // in sorted order, as the window sums
                }
                var gap = double.PositiveInfinity;
                for (var g = 1; g < sorted.Length; g++)
                {
                    if (sorted[g] > sorted[g - 1])
                    {
                        gap = Math.Min(gap, sorted[g] - sorted[g - 1]);
                    }
                }
                var quantisation = SortedWindow.QuantisationNoise * (double.IsPositiveInfinity(gap) ? 0 : gap);
                var sum = 0.0;
                foreach (var v in sorted)
                {
                    sum += v;
                }
                var squares = 0.0;
                foreach (var v in sorted)
                {
                    squares += (v - (sum / sorted.Length)) * (v - (sum / sorted.Length));
                }
                var std = sorted.Length < 2 ? 0 : Math.Sqrt(squares / (sorted.Length - 1));
                var sigma = mad > 0 ? SortedWindow.MadToSigma * mad
                    : Math.Max(Math.Max(SortedWindow.MeanAbsToSigma * (absSum / sorted.Length), std), quantisation);
                Assert.Equal(sigma, window.RobustSigma(median));
            }
        }
    }

    private static double BruteMedian(double[] sorted) =>
        sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;

    private static double BruteQuantile(double[] sorted, double p)
    {
        var h = (sorted.Length - 1) * p;
        var lo = (int)Math.Floor(h);
        var hi = Math.Min(lo + 1, sorted.Length - 1);
        return sorted[lo] + ((h - lo) * (sorted[hi] - sorted[lo]));
    }
}
