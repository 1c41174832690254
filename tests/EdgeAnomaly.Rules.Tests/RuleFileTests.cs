using EdgeAnomaly.Core.Events;

namespace EdgeAnomaly.Rules.Tests;

public class RuleFileTests
{
    private const string Valid = """
        version: 1
        defaults: { cooldown: 2m, severity: info }
        rules:
          - id: pump-overcurrent
            select: { assetType: pump, tags: [current.a] }
            when: "current.a > 12"
            sustain: 10s
            hysteresis: 0.5
            severity: critical
            message: "{asset}: current {current.a} A above 12 A for 10 s"
            cooldown: 5m
          - id: motor-hot
            select:
              asset: ["motor-*", "fan-?"]
            when: temperature.c >= 80 and rate(temperature.c, 1m) > 2
            clear: "temperature.c < 70"
          - id: disabled-one
            enabled: false
            select: { asset: "*" }
            when: "x > 1"
        """;

    [Fact]
    public void Parse_ValidFile_ReadsEveryField()
    {
        var set = RuleFile.Parse(Valid, "rules.yaml");

        Assert.Equal(1, set.Version);
        Assert.Equal("rules.yaml", set.FileName);
        Assert.Equal(2, set.Rules.Count);

        var pump = set.Rules[0];
        Assert.Equal("pump-overcurrent", pump.Id);
        Assert.Equal("rule:pump-overcurrent", pump.Key);
        Assert.Equal(["pump"], pump.Select.AssetTypes);
        Assert.Empty(pump.Select.AssetPatterns);
        Assert.Equal(["current.a"], pump.Select.Tags);
        Assert.Equal("current.a > 12", pump.When.Text);
        Assert.Equal(TimeSpan.FromSeconds(10), pump.Sustain);
        Assert.Equal(0.5, pump.Hysteresis);
        Assert.Equal("(current.a < 11.5)", pump.Clear!.Text);
        Assert.Equal(Severity.Critical, pump.Severity);
        Assert.Equal("{asset}: current {current.a} A above 12 A for 10 s", pump.Message);
        Assert.Equal(TimeSpan.FromMinutes(5), pump.Cooldown);
        Assert.Equal(12, pump.Threshold);
        Assert.Equal(["current.a"], pump.TagNames);
        Assert.Equal((4, 5), (pump.Line, pump.Column));
        Assert.Equal((6, 12), (pump.When.Line, pump.When.Column));

        var motor = set.Rules[1];
        Assert.Equal(["motor-*", "fan-?"], motor.Select.AssetPatterns);
        Assert.Empty(motor.Select.AssetTypes);
        Assert.Equal("temperature.c < 70", motor.Clear!.Text);
        Assert.Null(motor.Hysteresis);
        Assert.Equal(Severity.Info, motor.Severity);
        Assert.Equal(TimeSpan.FromMinutes(2), motor.Cooldown);
        Assert.Equal(TimeSpan.Zero, motor.Sustain);
        Assert.True(double.IsNaN(motor.Threshold));
        Assert.Equal("{asset}: temperature.c >= 80 and rate(temperature.c, 1m) > 2 ({tag} = {value})", motor.Message);
    }

    [Theory]
    [InlineData("x > 12", 12.0)]
    [InlineData("12 < x", 12.0)]
    [InlineData("x <= 3 * 2", 6.0)]
    [InlineData("x + y > 12", 12.0)]
    [InlineData("x > 1 and x < 5", double.NaN)]
    [InlineData("x > y", double.NaN)]
    public void Parse_Threshold_IsTheConstantOfASimpleComparison(string when, double threshold)
    {
        var set = RuleFile.Parse(OneRule($"when: \"{when}\""), "r.yaml");
        Assert.Equal(threshold, set.Rules[0].Threshold);
    }

    [Theory]
    [InlineData("x > 12", 1.0, "(x < 11)")]
    [InlineData("x >= 12", 1.0, "(x < 11)")]
    [InlineData("x < 2", 0.5, "(x > 2.5)")]
    [InlineData("5 > x", 1.0, "(x > 6)")]
    [InlineData("abs(x - y) > 3", 1.0, "(abs((x - y)) < 2)")]
    public void Parse_Hysteresis_DerivesClearCondition(string when, double h, string clear)
    {
        var set = RuleFile.Parse(OneRule($"when: \"{when}\"\n    hysteresis: {h.ToString(System.Globalization.CultureInfo.InvariantCulture)}"), "r.yaml");
        Assert.Equal(clear, set.Rules[0].Clear!.Text);
    }

    [Theory]
    [InlineData("500ms", 500)]
    [InlineData("10s", 10_000)]
    [InlineData("5m", 300_000)]
    [InlineData("1h", 3_600_000)]
    [InlineData("1h30m", 5_400_000)]
    [InlineData("1.5s", 1_500)]
    [InlineData("0", 0)]
    public void Parse_DurationLiterals_AreRead(string literal, long ms)
    {
        var set = RuleFile.Parse(OneRule("when: \"x > 1\"\n    sustain: " + literal), "r.yaml");
        Assert.Equal(TimeSpan.FromMilliseconds(ms), set.Rules[0].Sustain);
    }

    [Fact]
    public void Parse_EmptyRuleList_IsValid()
    {
        Assert.Empty(RuleFile.Parse("version: 1\nrules: []\n", "r.yaml").Rules);
        Assert.Empty(RuleFile.Parse("version: 1\nrules:\n", "r.yaml").Rules);
    }

    [Fact]
    public void Parse_Defaults_ApplyWhereRuleIsSilent()
    {
        var set = RuleFile.Parse("version: 1\ndefaults: { cooldown: 1m, sustain: 3s, severity: critical }\nrules:\n  - id: a\n    select: { asset: p }\n    when: x > 1\n", "r.yaml");
        var rule = set.Rules[0];
        Assert.Equal(TimeSpan.FromMinutes(1), rule.Cooldown);
        Assert.Equal(TimeSpan.FromSeconds(3), rule.Sustain);
        Assert.Equal(Severity.Critical, rule.Severity);
    }

    [Fact]
    public void Parse_NoDefaults_CooldownIsFiveMinutesAndSeverityWarning()
    {
        var rule = RuleFile.Parse(OneRule("when: x > 1"), "r.yaml").Rules[0];
        Assert.Equal(TimeSpan.FromMinutes(5), rule.Cooldown);
        Assert.Equal(Severity.Warning, rule.Severity);
    }

    /// <summary>A file with one rule whose last lines are <paramref name="tail"/> (indented 4).</summary>
    internal static string OneRule(string tail) =>
        "version: 1\nrules:\n  - id: r1\n    select: { asset: \"*\" }\n    " + tail + "\n";

    public static TheoryData<string, int, int, string> Errors => new()
    {
        // Inside conditions the column is that of the offending character in the file.
        { "version: 1\nrules:\n  - id: r1\n    select: { asset: p }\n    when: \"rte(x) > 1\"\n", 5, 12, "unknown function 'rte' (expected abs, min, max, avg, rate, delta)" },
        { "version: 1\nrules:\n  - id: r1\n    select: { asset: p }\n    when: x > > 1\n", 5, 15, "unexpected '>'" },
        { "version: 1\nrules:\n  - id: r1\n    select: { asset: p }\n    when: 'x > 1 and abs(x, 2) > 3'\n", 5, 22, "abs() takes 1 argument, got 2" },
        { "version: 1\nrules:\n  - id: r1\n    select: { asset: p }\n    when: \"(x > 1\"\n", 5, 12, "'(' is never closed" },
        { "version: 1\nrules:\n  - id: r1\n    select: { asset: p }\n    when: \"delta(x, 30x) > 1\"\n", 5, 21, "bad duration '30x'" },
        { "version: 1\nrules:\n  - id: r1\n    select: { asset: p }\n    when: \"x > 1\"\n    clear: \"x <\"\n", 6, 16, "unexpected end of condition" },
        // Escapes before the error shift the raw column: \" is two characters in the file, one in the condition.
        { "version: 1\nrules:\n  - id: r1\n    select: { asset: p }\n    when: \"x >\\t> 1\"\n", 5, 17, "unexpected '>'" },
        { "version: 1\nrules:\n  - id: r1\n    select: { asset: p }\n    when: x > 1\n    when: x > 2\n", 6, 5, "Duplicate key" },
        { "version: 1\nrules:\n  - id: r1\n    select: { asset: p }\n    when: |\n      x > 1 and\n        y >> 2\n", 7, 12, "unexpected '>'" },
        // Outside conditions the column is the node's.
        { "version: 1\nrules:\n  - id: r1\n    select: { asset: p }\n    when: x > 1\n    sustian: 10s\n", 6, 5, "unknown key 'sustian' in rule 'r1'" },
        { "version: 1\nrules:\n  - id: r1\n    select: { asset: p }\n    when: x > 1\n  - id: r1\n    select: { asset: p }\n    when: x > 2\n", 6, 9, "duplicate rule id 'r1' (first defined at line 3)" },
        { "version: 1\nrules:\n  - id: r1\n    select: { asset: p }\n    when: x > 1\n    severity: severe\n", 6, 15, "bad severity 'severe' (expected info, warning or critical)" },
        { "version: 1\nrules:\n  - id: r1\n    select: { asset: p }\n    sustain: 5s\n", 3, 5, "rule 'r1' has no 'when' condition" },
        { "version: 1\nrules:\n  - id: r1\n    select: { asset: p }\n    when: x > 1\n    sustain: 10 s\n", 6, 14, "bad duration '10 s' for 'sustain'" },
        { "version: 1\nrules:\n  - id: r1\n    select: { asset: p }\n    when: x > 1\n    cooldown: soon\n", 6, 15, "bad duration 'soon' for 'cooldown'" },
        { "version: 1\nrules:\n  - id: Pump_1\n    select: { asset: p }\n    when: x > 1\n", 3, 9, "bad rule id 'Pump_1'" },
        { "version: 1\nrules:\n  - select: { asset: p }\n    when: x > 1\n", 3, 5, "rule has no 'id'" },
        { "version: 1\nrules:\n  - id: r1\n    when: x > 1\n", 3, 5, "rule 'r1' has no 'select'" },
        { "version: 1\nrules:\n  - id: r1\n    select: { tags: [x] }\n    when: x > 1\n", 4, 13, "needs 'asset' (a name or glob) or 'assetType'" },
        { "version: 1\nrules:\n  - id: r1\n    select: { asset: p, type: pump }\n    when: x > 1\n", 4, 25, "unknown key 'type' in 'select' of rule 'r1'" },
        { "version: 1\nrules:\n  - id: r1\n    select: { asset: p }\n    when: x > 1\n    clear: x < 1\n    hysteresis: 1\n", 7, 17, "has both 'clear' and 'hysteresis'" },
        { "version: 1\nrules:\n  - id: r1\n    select: { asset: p }\n    when: x > 1 and y > 1\n    hysteresis: 1\n", 6, 17, "hysteresis needs 'when' to be one comparison with a constant" },
        { "version: 1\nrules:\n  - id: r1\n    select: { asset: p }\n    when: x == 1\n    hysteresis: 1\n", 6, 17, "hysteresis needs 'when'" },
        { "version: 1\nrules:\n  - id: r1\n    select: { asset: p }\n    when: 1 > 0\n", 5, 11, "reads no tag" },
        { "version: 1\nrules:\n  - id: r1\n    select: { asset: p }\n    when: [x]\n", 5, 11, "'when' must be a condition text" },
        { "version: 2\nrules: []\n", 1, 10, "unsupported version 2" },
        { "rules: []\n", 1, 1, "missing 'version'" },
        { "version: 1\n", 1, 1, "missing 'rules'" },
        { "version: 1\nrule: []\n", 2, 1, "unknown key 'rule' at the top level" },
        { "version: 1\ndefaults: { cooldown: 5 }\nrules: []\n", 2, 23, "bad duration '5' for 'cooldown'" },
        { "version: 1\nrules: { id: r1 }\n", 2, 8, "'rules' must be a list of rules" },
        { "", 1, 1, "the rules file is empty" },
        { "- a\n- b\n", 1, 1, "must be a mapping" },
        { "version: 1\nrules:\n  - id: r1\n    select: { asset: p\n    when: x > 1\n", 5, 5, "invalid YAML" },
        { "version: 1\nrules:\n  - id: r1\n    select: { asset: p }\n    when: x > 1\n    enabled: maybe\n", 6, 14, "'enabled' must be true or false" },
    };

    [Theory]
    [MemberData(nameof(Errors))]
    public void Parse_InvalidFile_ReportsFileLineAndColumn(string yaml, int line, int column, string reason)
    {
        var e = Assert.Throws<RuleFileException>(() => RuleFile.Parse(yaml, "rules.yaml"));
        Assert.Equal("rules.yaml", e.File);
        Assert.Equal((line, column), (e.Line, e.Column));
        Assert.Contains(reason, e.Reason, StringComparison.Ordinal);
        Assert.StartsWith($"rules.yaml:{line}:{column}: ", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_ExampleFromTheBrief_ReportsColumnInsideTheCondition()
    {
        const string yaml = "version: 1\nrules:\n  - id: pump-overcurrent\n    select: { assetType: pump }\n    when: \"current.a > 12\"\n    sustain: 10s\n    clear: \"rte(current.a) > 1\"\n";
        var e = Assert.Throws<RuleFileException>(() => RuleFile.Parse(yaml, "rules.yaml"));
        Assert.Equal("rules.yaml:7:13: unknown function 'rte' (expected abs, min, max, avg, rate, delta)", e.Message);
    }
}
