using EdgeAnomaly.Core.Readings;
using EdgeAnomaly.Core.Tags;
using EdgeAnomaly.Rules.Expressions;

namespace EdgeAnomaly.Rules.Tests.Expressions;

public class EvaluatorTests
{
    /// <summary>Compiles <paramref name="text"/> and runs it with a=2, b=3, c=-4 and z without any value.</summary>
    private static double Eval(string text)
    {
        var compiler = new Compiler();
        var code = compiler.Compile(Parser.Parse(text));
        var builder = new TagRegistry.Builder().AddAsset("p1", "pump");
        foreach (var name in compiler.Tags)
        {
            builder.AddTag("p1", name);
        }
        var registry = builder.Build();
        var values = new TagValues(registry.TagCount);
        var ids = new int[compiler.Tags.Count];
        for (var i = 0; i < ids.Length; i++)
        {
            Assert.True(registry.TryGetTag("p1", compiler.Tags[i], out ids[i]));
            var v = compiler.Tags[i] switch { "a" => 2.0, "b" => 3.0, "c" => -4.0, _ => double.NaN };
            if (!double.IsNaN(v))
            {
                values.Update(new Reading(ids[i], 1_000, v));
            }
        }
        return Evaluator.Run(code, new double[code.MaxStack], ids, [], values, 1_000);
    }

    [Theory]
    [InlineData("a + b", 5)]
    [InlineData("a - b", -1)]
    [InlineData("a * b", 6)]
    [InlineData("b / a", 1.5)]
    [InlineData("a + b * c", -10)]
    [InlineData("(a + b) * c", -20)]
    [InlineData("a - b - c", 3)]
    [InlineData("-a", -2)]
    [InlineData("- -a", 2)]
    [InlineData("abs(c)", 4)]
    [InlineData("min(a, b, c)", -4)]
    [InlineData("max(a, b, c)", 3)]
    [InlineData("avg(a, b, c)", 1.0 / 3)]
    [InlineData("max(a)", 2)]
    [InlineData("a < b", 1)]
    [InlineData("a <= 2", 1)]
    [InlineData("a > b", 0)]
    [InlineData("a >= 2", 1)]
    [InlineData("a == 2", 1)]
    [InlineData("a != 2", 0)]
    [InlineData("a < b and b < 4", 1)]
    [InlineData("a < b and b > 4", 0)]
    [InlineData("a > b or b < 4", 1)]
    [InlineData("a > b || b > 4", 0)]
    [InlineData("not a > b", 1)]
    [InlineData("!(a < b)", 0)]
    [InlineData("not c", 0)]
    [InlineData("not 0", 1)]
    [InlineData("(a > 1) + (b > 1)", 2)]
    [InlineData("1e3 / 4 + a", 252)]
    // Unknown (no value, NaN, division by zero) propagates, but and/or decide when one side settles it.
    [InlineData("z > 1", double.NaN)]
    [InlineData("z + 1", double.NaN)]
    [InlineData("not z > 1", double.NaN)]
    [InlineData("a / 0", double.NaN)]
    [InlineData("a / (b - 3) > 1", double.NaN)]
    [InlineData("a / (b - 3) < 1", double.NaN)]
    [InlineData("z > 1 and a > 1", double.NaN)]
    [InlineData("z > 1 and a > 5", 0)]
    [InlineData("z > 1 or a > 1", 1)]
    [InlineData("z > 1 or a > 5", double.NaN)]
    [InlineData("max(a, z)", double.NaN)]
    [InlineData("avg(a, z)", double.NaN)]
    [InlineData("abs(z)", double.NaN)]
    public void Evaluator_Expression_ComputesValue(string text, double expected)
    {
        Assert.Equal(expected, Eval(text), 9);
    }

    [Theory]
    [InlineData(1, true)]
    [InlineData(-0.5, true)]
    [InlineData(0, false)]
    [InlineData(double.NaN, false)]
    public void Ops_Holds_OnlyForKnownNonZero(double v, bool holds)
    {
        Assert.Equal(holds, Ops.Holds(v));
    }

    [Theory]
    [InlineData("a > 10 + 2", "(a > 12)")]
    [InlineData("a > -5", "(a > -5)")]
    [InlineData("a > max(1, 7) * 2", "(a > 14)")]
    [InlineData("a > abs(-3)", "(a > 3)")]
    [InlineData("a > avg(2, 4)", "(a > 3)")]
    [InlineData("a + 1 > 2", "((a + 1) > 2)")]
    public void Compiler_ConstantSubexpressions_AreFolded(string text, string expected)
    {
        Assert.Equal(expected, Ast.Print(Compiler.Fold(Parser.Parse(text))));
    }

    [Fact]
    public void Compiler_TagsGetSlotsInOrderOfFirstUse()
    {
        var compiler = new Compiler();
        compiler.Compile(Parser.Parse("b > 1 and a > b and delta(c, 10s) > 0 and delta(c, 10s) < 5"));
        Assert.Equal(["b", "a", "c"], compiler.Tags);
        Assert.Single(compiler.Deltas);
        Assert.Equal((2, 10_000L), compiler.Deltas[0]);
    }

    [Theory]
    [InlineData("a > 12", 1)]
    [InlineData("12 < a", 1)]
    [InlineData("a > 10 + 2", 1)]
    [InlineData("a > 3 and b < 0.5", 3)]
    [InlineData("a - b > 35", 5)]
    public void Compiler_TagAgainstConstant_IsOneInstruction(string text, int instructions)
    {
        Assert.Equal(instructions, new Compiler().Compile(Parser.Parse(text)).Code.Length);
    }

    public static TheoryData<string> FusedShapes => new()
    {
        "a > 12", "a >= 12", "a < 12", "a <= 12", "a == 12", "a != 12",
        "12 > a", "12 >= a", "12 < a", "12 <= a", "12 == a", "12 != a",
        "a > -0.5 and b < 0.5", "not a > 1 or b <= 2", "(a > 1) + (1 < b) * 2", "a > 1 and 2 > b and c == 0",
    };

    /// <summary>
    /// The fused `tag CMP constant` instruction must give what the three-instruction form gives, bit for bit,
    /// for ordinary values, the constant itself, signed zeros, infinities and unknown (NaN).
    /// </summary>
    [Theory]
    [MemberData(nameof(FusedShapes))]
    public void Compiler_FusedComparison_EqualsTheUnfusedCode_ForEveryValue(string text)
    {
        double[] samples = [-1e9, -12, -1, -0.5, -0.0, 0.0, 0.5, 1, 2, 11.999999, 12, 12.000001, 1e9, double.PositiveInfinity, double.NegativeInfinity, double.NaN];
        var expr = Parser.Parse(text);
        var fusedCompiler = new Compiler();
        var plainCompiler = new Compiler(fuseTagComparisons: false);
        var fused = fusedCompiler.Compile(expr);
        var plain = plainCompiler.Compile(expr);
        Assert.True(fused.Code.Length < plain.Code.Length, "nothing was fused in " + text);
        Assert.Equal(plainCompiler.Tags, fusedCompiler.Tags);
        var values = new TagValues(3);
        int[] ids = [0, 1, 2];
        var stack = new double[Math.Max(fused.MaxStack, plain.MaxStack)];
        var checkedCases = 0;
        foreach (var a in samples)
        {
            foreach (var b in samples)
            {
                foreach (var c in new[] { 0.0, double.NaN })
                {
                    values.Update(new Reading(0, 1_000, a));
                    values.Update(new Reading(1, 1_000, b));
                    values.Update(new Reading(2, 1_000, c));
                    var expected = Evaluator.Run(plain, stack, ids, [], values, 1_000);
                    var actual = Evaluator.Run(fused, stack, ids, [], values, 1_000);
                    Assert.True(BitConverter.DoubleToInt64Bits(expected) == BitConverter.DoubleToInt64Bits(actual) || (double.IsNaN(expected) && double.IsNaN(actual)),
                        $"{text} with a={a}, b={b}, c={c}: unfused {expected}, fused {actual}");
                    checkedCases++;
                }
            }
        }
        Assert.Equal(samples.Length * samples.Length * 2, checkedCases);
    }
}
