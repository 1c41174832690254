using System.Globalization;
using System.Text;

namespace EdgeAnomaly.Rules.Expressions;

internal enum BinaryOp : byte
{
    Add,
    Sub,
    Mul,
    Div,
    Lt,
    Le,
    Gt,
    Ge,
    Eq,
    Ne,
    And,
    Or,
}

internal enum UnaryOp : byte
{
    Neg,
    Not,
}

internal enum Function : byte
{
    Abs,
    Min,
    Max,
    Avg,
    Rate,
    Delta,
}

/// <summary>Syntax tree of a condition; offsets are character positions inside the condition text.</summary>
internal abstract record Expr(int Offset);

internal sealed record NumberExpr(int Offset, double Value) : Expr(Offset);

/// <summary>A duration literal, only valid as the window argument of rate() and delta().</summary>
internal sealed record DurationExpr(int Offset, double Milliseconds, string Text) : Expr(Offset);

internal sealed record TagExpr(int Offset, string Name) : Expr(Offset);

internal sealed record UnaryExpr(int Offset, UnaryOp Op, Expr Operand) : Expr(Offset);

internal sealed record BinaryExpr(int Offset, BinaryOp Op, Expr Left, Expr Right) : Expr(Offset);

internal sealed record CallExpr(int Offset, Function Function, IReadOnlyList<Expr> Args) : Expr(Offset);

internal static class Ast
{
    public static string Symbol(BinaryOp op) => op switch
    {
        BinaryOp.Add => "+",
        BinaryOp.Sub => "-",
        BinaryOp.Mul => "*",
        BinaryOp.Div => "/",
        BinaryOp.Lt => "<",
        BinaryOp.Le => "<=",
        BinaryOp.Gt => ">",
        BinaryOp.Ge => ">=",
        BinaryOp.Eq => "==",
        BinaryOp.Ne => "!=",
        BinaryOp.And => "and",
        _ => "or",
    };

    public static string Name(Function f) => f switch
    {
        Function.Abs => "abs",
        Function.Min => "min",
        Function.Max => "max",
        Function.Avg => "avg",
        Function.Rate => "rate",
        _ => "delta",
    };

    public static bool IsComparison(BinaryOp op) => op is >= BinaryOp.Lt and <= BinaryOp.Ne;

    /// <summary>Fully parenthesised form, so tests can state precedence and associativity plainly.</summary>
    public static string Print(Expr e)
    {
        var sb = new StringBuilder();
        Print(e, sb);
        return sb.ToString();
    }

    private static void Print(Expr e, StringBuilder sb)
    {
        switch (e)
        {
            case NumberExpr n:
                sb.Append(n.Value.ToString("R", CultureInfo.InvariantCulture));
                break;
            case DurationExpr d:
                sb.Append(d.Milliseconds.ToString("R", CultureInfo.InvariantCulture)).Append("ms");
                break;
            case TagExpr t:
                sb.Append(t.Name);
                break;
            case UnaryExpr u:
                sb.Append('(').Append(u.Op == UnaryOp.Neg ? "-" : "not ");
                Print(u.Operand, sb);
                sb.Append(')');
                break;
            case BinaryExpr b:
                sb.Append('(');
                Print(b.Left, sb);
                sb.Append(' ').Append(Symbol(b.Op)).Append(' ');
                Print(b.Right, sb);
                sb.Append(')');
                break;
            case CallExpr c:
                sb.Append(Name(c.Function)).Append('(');
                for (var i = 0; i < c.Args.Count; i++)
                {
                    if (i > 0)
                    {
                        sb.Append(", ");
                    }
                    Print(c.Args[i], sb);
                }
                sb.Append(')');
                break;
        }
    }
}
