namespace EdgeAnomaly.Models.Calibration;

/// <summary>
/// One regime's calibration for export: training samples seen, the median and scaled MAD in use (after the floor), and
/// whether they are the global values because the regime had fewer than the minimum samples.
/// </summary>
public readonly record struct CalibrationRow(int Regime, int Samples, double Median, double Mad, bool UsedGlobal);
