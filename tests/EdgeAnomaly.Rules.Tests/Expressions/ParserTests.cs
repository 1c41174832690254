using EdgeAnomaly.Rules.Expressions;

namespace EdgeAnomaly.Rules.Tests.Expressions;

public class ParserTests
{
    [Theory]
    [InlineData("1", "1")]
    [InlineData("2.5", "2.5")]
    [InlineData("1e3", "1000")]
    [InlineData("1.5E-2", "0.015")]
    [InlineData(".5", "0.5")]
    [InlineData("current.a", "current.a")]
    [InlineData("temperature_c.max", "temperature_c.max")]
    [InlineData("a + b * c", "(a + (b * c))")]
    [InlineData("(a + b) * c", "((a + b) * c)")]
    [InlineData("a - b - c", "((a - b) - c)")]
    [InlineData("a / b / c", "((a / b) / c)")]
    [InlineData("a * b / c", "((a * b) / c)")]
    [InlineData("-a * b", "((-a) * b)")]
    [InlineData("--a", "(-(-a))")]
    [InlineData("+a", "a")]
    [InlineData("a - -1", "(a - (-1))")]
    [InlineData("a + b > c * 2", "((a + b) > (c * 2))")]
    [InlineData("a < 1", "(a < 1)")]
    [InlineData("a <= 1", "(a <= 1)")]
    [InlineData("a > 1", "(a > 1)")]
    [InlineData("a >= 1", "(a >= 1)")]
    [InlineData("a == 1", "(a == 1)")]
    [InlineData("a != 1", "(a != 1)")]
    [InlineData("a > 1 and b > 2 or c > 3", "(((a > 1) and (b > 2)) or (c > 3))")]
    [InlineData("a > 1 or b > 2 and c > 3", "((a > 1) or ((b > 2) and (c > 3)))")]
    [InlineData("a > 1 && b > 2 || c > 3", "(((a > 1) and (b > 2)) or (c > 3))")]
    [InlineData("a or b or c", "((a or b) or c)")]
    [InlineData("a and b and c", "((a and b) and c)")]
    [InlineData("not a > 1", "(not (a > 1))")]
    [InlineData("!a > 1", "(not (a > 1))")]
    [InlineData("not not a", "(not (not a))")]
    [InlineData("not a and b", "((not a) and b)")]
    [InlineData("(a > 1) == (b > 1)", "((a > 1) == (b > 1))")]
    [InlineData("abs(a - b)", "abs((a - b))")]
    [InlineData("min(a, b, 3)", "min(a, b, 3)")]
    [InlineData("max(a)", "max(a)")]
    [InlineData("avg(a, b)", "avg(a, b)")]
    [InlineData("rate(a)", "rate(a)")]
    [InlineData("rate(a, 1m)", "rate(a, 60000ms)")]
    [InlineData("delta(a, 30s)", "delta(a, 30000ms)")]
    [InlineData("delta(a, 500ms)", "delta(a, 500ms)")]
    [InlineData("delta(a, 1h)", "delta(a, 3600000ms)")]
    [InlineData("delta(a, 1.5s)", "delta(a, 1500ms)")]
    [InlineData("  a>1  ", "(a > 1)")]
    public void Parser_ValidCondition_HasExpectedShape(string text, string expected)
    {
        Assert.Equal(expected, Ast.Print(Parser.Parse(text)));
    }

    [Theory]
    [InlineData("", 0, "empty condition")]
    [InlineData("a >", 3, "unexpected end of condition")]
    [InlineData("a > > 1", 4, "unexpected '>'")]
    [InlineData("a b", 2, "unexpected 'b'")]
    [InlineData("rte(a) > 1", 0, "unknown function 'rte' (expected abs, min, max, avg, rate, delta)")]
    [InlineData("abs(a, b) > 1", 0, "abs() takes 1 argument, got 2")]
    [InlineData("x + min() > 1", 4, "min() takes at least 1 argument, got 0")]
    [InlineData("delta(a) > 1", 0, "delta() takes a tag and a window")]
    [InlineData("rate(a, 1m, 2) > 1", 0, "rate() takes a tag and an optional unit")]
    [InlineData("rate(2 * a) > 1", 5, "rate() needs a tag name as its first argument")]
    [InlineData("delta(a, 5) > 1", 9, "expected a duration such as 30s, not '5'")]
    [InlineData("delta(a, 0s) > 1", 9, "must be longer than zero")]
    [InlineData("(a > 1", 0, "'(' is never closed")]
    [InlineData("a > (1 + (2", 9, "'(' is never closed")]
    [InlineData("abs(a", 3, "'(' is never closed")]
    [InlineData("a > 1)", 5, "unexpected ')' with no matching '('")]
    [InlineData("a > 10x", 4, "bad duration '10x'")]
    [InlineData("delta(a, 30sec) > 1", 9, "bad duration '30sec'")]
    [InlineData("a > 10s", 4, "duration '10s' is only allowed as the window")]
    [InlineData("a = 1", 2, "use '==' to compare")]
    [InlineData("a > 1 & b", 6, "unexpected character '&'")]
    [InlineData("1 < a < 5", 6, "comparisons cannot be chained")]
    [InlineData("a > 1.", 4, "bad number '1.'")]
    [InlineData("a > 1 and", 9, "unexpected end of condition")]
    [InlineData("a > #", 4, "unexpected character '#'")]
    public void Parser_InvalidCondition_ReportsOffsetAndReason(string text, int offset, string reason)
    {
        var e = Assert.Throws<ExpressionException>(() => Parser.Parse(text));
        Assert.Equal(offset, e.Offset);
        Assert.Contains(reason, e.Message, StringComparison.Ordinal);
    }
}
