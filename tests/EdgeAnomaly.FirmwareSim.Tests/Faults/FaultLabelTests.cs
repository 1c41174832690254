using EdgeAnomaly.FirmwareSim.Faults;

namespace EdgeAnomaly.FirmwareSim.Tests.Faults;

public sealed class FaultLabelTests
{
    [Theory]
    [InlineData(FaultKind.Spike, "vibration.mms", 40)]
    [InlineData(FaultKind.Dropout, "*", 0)]
    [InlineData(FaultKind.Decouple, "flow.m3h", 0.35)]
    public void ParseJsonLine_ReadsBackWhatToJsonLineWrote(FaultKind kind, string tag, double magnitude)
    {
        var label = new FaultLabel("esp32-07", "pump-01", tag, kind, 1_800_000_000_123, 1_800_000_009_456, magnitude);

        Assert.Equal(label, FaultLabel.ParseJsonLine(label.ToJsonLine()));
    }

    [Theory]
    [InlineData("not json", "not a fault label line")]
    [InlineData("""{"asset":"a","tag":"t","fault":"melt","start_ms":1,"end_ms":2,"magnitude":0,"node":"n"}""", "unknown fault kind 'melt'")]
    [InlineData("""{"asset":"a","tag":"t","fault":"spike","end_ms":2,"magnitude":0,"node":"n"}""", "not a fault label line")]
    [InlineData("""{"asset":"a","tag":"t","fault":"spike","start_ms":"1","end_ms":2,"magnitude":0,"node":"n"}""", "not a fault label line")]
    public void ParseJsonLine_ALineThatIsNotALabel_IsAFormatErrorSayingWhat(string line, string expected)
    {
        var ex = Assert.Throws<FormatException>(() => FaultLabel.ParseJsonLine(line));

        Assert.StartsWith(expected, ex.Message, StringComparison.Ordinal);
    }
}
