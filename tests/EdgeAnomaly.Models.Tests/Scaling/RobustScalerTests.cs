using EdgeAnomaly.Models.Scaling;

namespace EdgeAnomaly.Models.Tests.Scaling;

public class RobustScalerTests
{
    [Fact]
    public void Fit_UsesMedianAndIqr_ConstantColumnsMapToZero()
    {
        // Column 0: 1..9 (median 5, Q1 3, Q3 7, IQR 4); column 1: constant.
        double[][] rows = Enumerable.Range(1, 9).Select(i => new[] { i, 3.0 }).ToArray();
        var scaler = RobustScaler.Fit(rows);

        Assert.Equal(5, scaler.Centres[0]);
        Assert.Equal(4 * RobustStatistics.IqrToSigma, scaler.Scales[0], 12);
        Assert.Equal(new[] { false, true }, scaler.ConstantColumns);

        var y = new double[2];
        scaler.Transform([9.0, 100.0], y);
        Assert.Equal(4 / (4 * RobustStatistics.IqrToSigma), y[0], 12);
        Assert.Equal(0, y[1]);
    }

    [Fact]
    public void Fit_IqrZero_UsesMeanAbsoluteDeviation_SoRareValuesStillRegister()
    {
        // A mostly-off flag: median 0, IQR 0, MAD 0; mean absolute deviation 2/10.
        double[][] rows = [[0], [0], [0], [0], [0], [0], [0], [0], [1], [1]];
        var scaler = RobustScaler.Fit(rows);
        Assert.False(scaler.ConstantColumns[0]);
        Assert.Equal(0.2 * RobustScaler.MeanAbsoluteDeviationToSigma, scaler.Scales[0], 12);
        var y = new double[1];
        scaler.Transform([1.0], y);
        Assert.Equal(1 / (0.2 * RobustScaler.MeanAbsoluteDeviationToSigma), y[0], 12);
    }

    [Fact]
    public void Transform_InPlace_And_NormalData_HasUnitScale()
    {
        var rows = Synthetic.GaussianRows(new Random(3), 20000, 2, mean: 5, sd: 3);
        var scaler = RobustScaler.Fit(rows);
        Assert.InRange(scaler.Scales[0], 2.9, 3.1);
        Assert.InRange(scaler.Centres[1], 4.9, 5.1);
        var x = new[] { 11.0, 5.0 };
        scaler.Transform(x, x);
        Assert.InRange(x[0], 1.9, 2.1);
    }

    [Fact]
    public void WriteRead_RoundTrip_And_TruncationRefused()
    {
        var scaler = RobustScaler.Fit(Synthetic.GaussianRows(new Random(4), 50, 3));
        var bytes = ModelIo.Bytes(scaler.Write);
        var copy = ModelIo.Read(bytes, RobustScaler.Read);
        Assert.Equal(scaler.Centres.ToArray(), copy.Centres.ToArray());
        Assert.Equal(scaler.Scales.ToArray(), copy.Scales.ToArray());
        ModelIo.AssertEveryTruncationRefused(bytes, RobustScaler.Read);

        var negative = (byte[])bytes.Clone();
        BitConverter.TryWriteBytes(negative.AsSpan(bytes.Length - 8), -1.0);
        Assert.Throws<InvalidDataException>(() => ModelIo.Read(negative, RobustScaler.Read));
    }
}
