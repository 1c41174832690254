using EdgeAnomaly.Core.Readings;

namespace EdgeAnomaly.Detectors.Tests.DataQuality;

/// <summary>
/// The spike check is a data-quality check: on clean noise it must stay as quiet as the statistical detectors
/// (docs/detectors.md "Measured false flags"). 15 readings and limit 6, the old defaults, confirmed ~1,400 per million.
/// </summary>
public class SpikeFalseFlagTests
{
    private static double PerMillion(int window, double threshold, int readings, int seed)
    {
        var dq = new DataQualityOptions();
        dq.Dropout.Enabled = false;
        dq.Rate.Enabled = false;
        dq.Flatline.Enabled = false;
        dq.Spike.Window = window;
        dq.Spike.Threshold = threshold;
        var bank = new TagDetectorBank(Kit.Registry(1), Kit.NoStats(), dq);
        var sink = new CountingSink();
        var noise = new Noise(seed);
        for (var i = 0; i < readings; i++)
        {
            bank.OnReading(new Reading(0, Kit.T0 + (i * 1000L), noise.Next()), sink);
        }
        return bank.Snapshot(0).SpikesConfirmed * 1e6 / readings;
    }

    [Fact]
    public void Defaults_OnGaussianNoise_ConfirmFewerThan20SpikesPerMillion()
    {
        var defaults = new DataQualityOptions().Spike;
        var rate = PerMillion(defaults.Window, defaults.Threshold, 2_000_000, seed: 5);
        Assert.True(rate < 20, $"{rate:F1} false spikes per million readings");
    }

    [Fact]
    public void TheOldDefaults_WouldHaveFlaggedNoiseHundredsOfTimesPerMillion() =>
        Assert.InRange(PerMillion(15, 6, 500_000, seed: 5), 500, 5_000);
}
