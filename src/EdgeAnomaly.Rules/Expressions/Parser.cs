namespace EdgeAnomaly.Rules.Expressions;

/// <summary>
/// Recursive descent over the condition grammar, lowest precedence first:
/// or (||) &lt; and (&amp;&amp;) &lt; not (!) &lt; comparison (not chainable) &lt; + - &lt; * / &lt; unary minus &lt; primary.
/// `not` binds looser than comparisons, so `not a &gt; 1` means `not (a &gt; 1)` for both spellings.
/// </summary>
internal sealed class Parser
{
    public const string FunctionList = "abs, min, max, avg, rate, delta";

    private readonly List<Token> _tokens;
    private int _pos;

    private Parser(List<Token> tokens) => _tokens = tokens;

    public static Expr Parse(string text)
    {
        var tokens = Lexer.Tokenize(text);
        if (tokens.Count == 1)
        {
            throw new ExpressionException(0, "empty condition");
        }
        var parser = new Parser(tokens);
        var e = parser.ParseOr();
        var end = parser.Peek;
        if (end.Kind != TokenKind.End)
        {
            throw end.Kind == TokenKind.RParen
                ? new ExpressionException(end.Offset, "unexpected ')' with no matching '('")
                : Unexpected(end, "an operator");
        }
        return e;
    }

    private Token Peek => _tokens[_pos];

    private Token Next() => _tokens[_pos++];

    private Expr ParseOr()
    {
        var left = ParseAnd();
        while (Peek.Kind == TokenKind.Or)
        {
            var op = Next();
            left = new BinaryExpr(op.Offset, BinaryOp.Or, left, ParseAnd());
        }
        return left;
    }

    private Expr ParseAnd()
    {
        var left = ParseNot();
        while (Peek.Kind == TokenKind.And)
        {
            var op = Next();
            left = new BinaryExpr(op.Offset, BinaryOp.And, left, ParseNot());
        }
        return left;
    }

    private Expr ParseNot()
    {
        if (Peek.Kind == TokenKind.Not)
        {
            var op = Next();
            return new UnaryExpr(op.Offset, UnaryOp.Not, ParseNot());
        }
        return ParseComparison();
    }

    private Expr ParseComparison()
    {
        var left = ParseAdditive();
        if (ComparisonOp(Peek.Kind) is { } op)
        {
            var opToken = Next();
            left = new BinaryExpr(opToken.Offset, op, left, ParseAdditive());
            if (ComparisonOp(Peek.Kind) is not null)
            {
                // `1 < x < 5` would silently compare a boolean with 5; make the operator say what it means.
                throw new ExpressionException(Peek.Offset, $"comparisons cannot be chained: use 'and' before '{Peek.Text}'");
            }
        }
        return left;
    }

    private static BinaryOp? ComparisonOp(TokenKind kind) => kind switch
    {
        TokenKind.Lt => BinaryOp.Lt,
        TokenKind.Le => BinaryOp.Le,
        TokenKind.Gt => BinaryOp.Gt,
        TokenKind.Ge => BinaryOp.Ge,
        TokenKind.Eq => BinaryOp.Eq,
        TokenKind.Ne => BinaryOp.Ne,
        _ => null,
    };

    private Expr ParseAdditive()
    {
        var left = ParseMultiplicative();
        while (Peek.Kind is TokenKind.Plus or TokenKind.Minus)
        {
            var op = Next();
            left = new BinaryExpr(op.Offset, op.Kind == TokenKind.Plus ? BinaryOp.Add : BinaryOp.Sub, left, ParseMultiplicative());
        }
        return left;
    }

    private Expr ParseMultiplicative()
    {
        var left = ParseUnary();
        while (Peek.Kind is TokenKind.Star or TokenKind.Slash)
        {
            var op = Next();
            left = new BinaryExpr(op.Offset, op.Kind == TokenKind.Star ? BinaryOp.Mul : BinaryOp.Div, left, ParseUnary());
        }
        return left;
    }

    private Expr ParseUnary()
    {
        if (Peek.Kind == TokenKind.Minus)
        {
            var op = Next();
            return new UnaryExpr(op.Offset, UnaryOp.Neg, ParseUnary());
        }
        if (Peek.Kind == TokenKind.Plus)
        {
            Next();
            return ParseUnary();
        }
        return ParsePrimary();
    }

    private Expr ParsePrimary()
    {
        var t = Next();
        switch (t.Kind)
        {
            case TokenKind.Number:
                return new NumberExpr(t.Offset, t.Number);
            case TokenKind.Duration:
                throw new ExpressionException(t.Offset, $"duration '{t.Text}' is only allowed as the window of rate() or delta()");
            case TokenKind.Identifier when Peek.Kind == TokenKind.LParen:
                return ParseCall(t);
            case TokenKind.Identifier:
                return new TagExpr(t.Offset, t.Text);
            case TokenKind.LParen:
                var inner = ParseOr();
                ExpectClose(t);
                return inner;
            default:
                throw Unexpected(t, "a number, a tag, a function or '('");
        }
    }

    private CallExpr ParseCall(Token name)
    {
        Function fn = name.Text switch
        {
            "abs" => Function.Abs,
            "min" => Function.Min,
            "max" => Function.Max,
            "avg" => Function.Avg,
            "rate" => Function.Rate,
            "delta" => Function.Delta,
            _ => throw new ExpressionException(name.Offset, $"unknown function '{name.Text}' (expected {FunctionList})"),
        };
        var open = Next();
        var args = new List<Expr>();
        var firstArgOffset = Peek.Offset;
        if (Peek.Kind != TokenKind.RParen)
        {
            while (true)
            {
                args.Add(fn is Function.Rate or Function.Delta && args.Count == 1 ? ParseWindow() : ParseOr());
                if (Peek.Kind != TokenKind.Comma)
                {
                    break;
                }
                Next();
            }
        }
        ExpectClose(open);
        CheckArguments(name, fn, args, firstArgOffset);
        return new CallExpr(name.Offset, fn, args);
    }

    private DurationExpr ParseWindow()
    {
        var t = Next();
        if (t.Kind != TokenKind.Duration)
        {
            throw new ExpressionException(t.Offset, t.Kind == TokenKind.End
                ? "missing window: expected a duration such as 30s"
                : $"expected a duration such as 30s, not '{t.Text}'");
        }
        if (t.Number <= 0)
        {
            throw new ExpressionException(t.Offset, $"window '{t.Text}' must be longer than zero");
        }
        return new DurationExpr(t.Offset, t.Number, t.Text);
    }

    private static void CheckArguments(Token name, Function fn, List<Expr> args, int firstArgOffset)
    {
        var n = args.Count;
        var ok = fn switch
        {
            Function.Abs => n == 1,
            Function.Min or Function.Max or Function.Avg => n >= 1,
            Function.Rate => n is 1 or 2,
            _ => n == 2,
        };
        if (!ok)
        {
            var expected = fn switch
            {
                Function.Abs => "1 argument",
                Function.Min or Function.Max or Function.Avg => "at least 1 argument",
                Function.Rate => "a tag and an optional unit, e.g. rate(temperature.c, 1m)",
                _ => "a tag and a window, e.g. delta(pressure.bar, 30s)",
            };
            throw new ExpressionException(name.Offset, $"{name.Text}() takes {expected}, got {n}");
        }
        if (fn is Function.Rate or Function.Delta && args[0] is not TagExpr)
        {
            throw new ExpressionException(firstArgOffset, $"{name.Text}() needs a tag name as its first argument");
        }
    }

    private void ExpectClose(Token open)
    {
        var t = Peek;
        if (t.Kind == TokenKind.RParen)
        {
            Next();
            return;
        }
        if (t.Kind == TokenKind.End)
        {
            throw new ExpressionException(open.Offset, "'(' is never closed");
        }
        throw Unexpected(t, "')'");
    }

    private static ExpressionException Unexpected(Token t, string expected) =>
        t.Kind == TokenKind.End
            ? new ExpressionException(t.Offset, $"unexpected end of condition, expected {expected}")
            : new ExpressionException(t.Offset, $"unexpected '{t.Text}', expected {expected}");
}
