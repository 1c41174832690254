using EdgeAnomaly.Models.Calibration;

namespace EdgeAnomaly.Models.Tests.Calibration;

public class RegimeCalibrationTests
{
    [Fact]
    public void Fit_PerRegimeMedianAndScaledMad()
    {
        // Regime 0: 1..11 (median 6, MAD 3); regime 1: 100, 102, ..., 120 (median 110, MAD 6).
        var scores = Enumerable.Range(1, 11).Select(i => (double)i).Concat(Enumerable.Range(0, 11).Select(i => 100.0 + 2 * i)).ToArray();
        var regimes = Enumerable.Repeat(0, 11).Concat(Enumerable.Repeat(1, 11)).ToArray();
        var calibration = RegimeCalibration.Fit(scores, regimes, 2);

        var table = calibration.Table;
        Assert.Equal(new CalibrationRow(0, 11, 6, 3 * 1.4826, false), table[0]);
        Assert.Equal(new CalibrationRow(1, 11, 110, 6 * 1.4826, false), table[1]);
        Assert.Equal(2.0, calibration.Normalize(6 + 2 * 3 * 1.4826, 0), 12);
        Assert.Equal(-1.0, calibration.Normalize(110 - 6 * 1.4826, 1), 12);
    }

    [Fact]
    public void Fit_TooFewSamples_FallsBackToGlobal_AndFlagsIt()
    {
        var scores = Enumerable.Range(0, 40).Select(i => (double)i).Append(1000.0).ToArray();
        var regimes = Enumerable.Repeat(0, 40).Append(2).ToArray();   // regime 1 empty, regime 2 one sample
        var calibration = RegimeCalibration.Fit(scores, regimes, 3, minSamples: 10);

        var table = calibration.Table;
        Assert.False(table[0].UsedGlobal);
        Assert.True(table[1].UsedGlobal);
        Assert.True(table[2].UsedGlobal);
        Assert.Equal(0, table[1].Samples);
        Assert.Equal(1, table[2].Samples);
        Assert.Equal(calibration.GlobalMedian, table[2].Median);
        Assert.Equal(calibration.GlobalMad, table[2].Mad);
        Assert.Equal(20, calibration.GlobalMedian);
    }

    [Fact]
    public void Fit_ConstantRegime_IsFlooredNotDividedByZero()
    {
        var scores = Enumerable.Repeat(5.0, 20).Concat(Enumerable.Range(0, 20).Select(i => 100.0 + i)).ToArray();
        var regimes = Enumerable.Repeat(0, 20).Concat(Enumerable.Repeat(1, 20)).ToArray();
        var calibration = RegimeCalibration.Fit(scores, regimes, 2);
        Assert.Equal(RegimeCalibration.MadFloorFraction * calibration.GlobalMad, calibration.Table[0].Mad, 12);
        Assert.True(double.IsFinite(calibration.Normalize(6, 0)));

        var allSame = RegimeCalibration.Fit(Enumerable.Repeat(1.0, 20).ToArray(), new int[20], 1);
        Assert.Equal(RegimeCalibration.AbsoluteMadFloor, allSame.Table[0].Mad);
        Assert.Equal(0, allSame.Normalize(1, 0));
    }

    [Fact]
    public void Sensitivity_ScalesTheNormalisedScore()
    {
        var scores = Enumerable.Range(1, 11).Select(i => (double)i).ToArray();
        var calibration = RegimeCalibration.Fit(scores, new int[11], 1);
        var before = calibration.Normalize(20, 0);
        calibration.Sensitivity[0] = 0.5;
        Assert.Equal(before / 2, calibration.Normalize(20, 0), 12);
    }

    [Fact]
    public void WriteRead_RoundTrip_And_CorruptionRefused()
    {
        var scores = Enumerable.Range(0, 30).Select(i => Math.Sin(i)).ToArray();
        var regimes = Enumerable.Range(0, 30).Select(i => i % 3 == 0 ? 0 : 1).ToArray();
        var calibration = RegimeCalibration.Fit(scores, regimes, 3);
        calibration.Sensitivity[1] = 1.5;
        var bytes = ModelIo.Bytes(calibration.Write);
        var copy = ModelIo.Read(bytes, RegimeCalibration.Read);
        Assert.Equal(calibration.Table, copy.Table);
        Assert.Equal(calibration.Sensitivity, copy.Sensitivity);
        Assert.Equal(calibration.Normalize(0.7, 1), copy.Normalize(0.7, 1));
        ModelIo.AssertEveryTruncationRefused(bytes, RegimeCalibration.Read);

        var badTotal = (byte[])bytes.Clone();
        BitConverter.TryWriteBytes(badTotal.AsSpan(8), 31);
        Assert.Contains("add up", Assert.Throws<InvalidDataException>(() => ModelIo.Read(badTotal, RegimeCalibration.Read)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Fit_RejectsBadLabels()
    {
        Assert.Throws<ArgumentException>(() => RegimeCalibration.Fit([1.0, 2.0], [0, 3], 2));
        Assert.Throws<ArgumentException>(() => RegimeCalibration.Fit([1.0, double.NaN], [0, 0], 1));
    }
}
