namespace EdgeAnomaly.Demo;

/// <summary>The demo's embedded rules for the simulated pump / motor / compressor fleet (written to the data folder, editable live).</summary>
internal static class DemoRules
{
    public const string Yaml = """
        # Demo rules for the simulated fleet. Edit this file while the demo runs: changes apply within 2 s.
        version: 1
        defaults:
          cooldown: 5m
        rules:
          - id: pump-overcurrent
            select: { assetType: pump }
            when: "current.a > 19"
            sustain: 2s
            clear: "current.a < 18"
            severity: critical
            message: "{asset}: motor current {current.a} A above 19 A"
          - id: dry-run
            select: { assetType: pump }
            when: "current.a > 8 and flow.m3h < 10"
            sustain: 3s
            severity: critical
            message: "{asset}: running ({current.a} A) with flow {flow.m3h} m3/h: dry run?"
          - id: high-vibration
            select: { asset: "*" }
            when: "vibration.mms > 6"
            severity: warning
            message: "{asset}: vibration {vibration.mms} mm/s above 6 mm/s"
          - id: compressor-overpressure
            select: { assetType: compressor }
            when: "pressure.bar > 9"
            sustain: 2s
            severity: critical
            message: "{asset}: discharge pressure {pressure.bar} bar above 9 bar"
          - id: motor-heating-fast
            select: { assetType: motor }
            when: "delta(temperature.c, 20s) > 3"
            severity: warning
            message: "{asset}: winding temperature rose to {temperature.c} degC, more than 3 degC within 20 s"
          - id: motor-current-surge
            select: { assetType: motor }
            when: "rate(current.a) > 8"
            severity: warning
            message: "{asset}: current rising {current.a} A faster than 8 A/s"
        """;
}
