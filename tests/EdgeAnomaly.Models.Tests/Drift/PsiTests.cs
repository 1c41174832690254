using EdgeAnomaly.Models.Drift;

namespace EdgeAnomaly.Models.Tests.Drift;

public class PsiTests
{
    [Fact]
    public void Compute_HandCase()
    {
        // (0.3 - 0.5) ln(0.3 / 0.5) + (0.7 - 0.5) ln(0.7 / 0.5) = 0.10217 + 0.06729 = 0.16946
        Assert.Equal(0.2 * Math.Log(5.0 / 3) + 0.2 * Math.Log(1.4), Psi.Compute([0.5, 0.5], [0.3, 0.7]), 12);
        Assert.Equal(0, Psi.Compute([0.2, 0.8], [0.2, 0.8]));
    }

    [Fact]
    public void EmptyBin_IsFlooredNotInfinite()
    {
        var psi = Psi.Compute([0.5, 0.5, 0], [0.5, 0.4, 0.1]);
        Assert.True(double.IsFinite(psi));
        Assert.Equal(DriftLevel.Alert, Psi.Classify(psi));   // (0.1 - 1e-4) ln(1000) ≈ 0.69 from the empty bin alone
    }

    [Fact]
    public void IdenticalDistributions_AreStable_ShiftedOnesAlert()
    {
        var random = new Random(1);
        var training = Enumerable.Range(0, 20_000).Select(_ => Synthetic.Gaussian(random)).ToArray();
        var same = Enumerable.Range(0, 5_000).Select(_ => Synthetic.Gaussian(random)).ToArray();
        var someShift = Enumerable.Range(0, 5_000).Select(_ => 0.6 + Synthetic.Gaussian(random)).ToArray();
        var oneSigma = Enumerable.Range(0, 5_000).Select(_ => 1.0 + Synthetic.Gaussian(random)).ToArray();
        var edges = Psi.QuantileEdges(training, 10);
        var expected = new double[10];
        Psi.Histogram(training, edges, expected);
        Assert.All(expected, s => Assert.InRange(s, 0.099, 0.101));

        double PsiOf(double[] values)
        {
            var actual = new double[10];
            Psi.Histogram(values, edges, actual);
            return Psi.Compute(expected, actual);
        }
        Assert.Equal(DriftLevel.None, Psi.Classify(PsiOf(same)));
        Assert.True(PsiOf(same) < 0.02);
        // For a normal mean shift of s sigma PSI is about s² (a little less after binning).
        Assert.Equal(DriftLevel.Warn, Psi.Classify(PsiOf(someShift)));
        Assert.Equal(DriftLevel.Alert, Psi.Classify(PsiOf(oneSigma)));
    }
}
