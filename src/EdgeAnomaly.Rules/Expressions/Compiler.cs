namespace EdgeAnomaly.Rules.Expressions;

/// <summary>
/// Compiles the conditions of one rule. Tags become slots (0..n-1, in order of first use, so the slot list
/// doubles as the rule's tag list) and each distinct (tag, window) of delta() becomes a delta slot; binding a
/// rule to an asset then only maps slots to that asset's tag ids.
/// </summary>
internal sealed class Compiler(bool fuseTagComparisons = true)
{
    private readonly List<string> _tags = [];
    private readonly List<(int TagSlot, long WindowMs)> _deltas = [];

    public IReadOnlyList<string> Tags => _tags;

    public IReadOnlyList<(int TagSlot, long WindowMs)> Deltas => _deltas;

    /// <summary>Reserves a slot for a tag up front (the primary tag must be slot 0).</summary>
    public int TagSlot(string name)
    {
        var i = _tags.IndexOf(name);
        if (i >= 0)
        {
            return i;
        }
        _tags.Add(name);
        return _tags.Count - 1;
    }

    public CompiledCondition Compile(Expr expr)
    {
        var code = new List<Instruction>();
        var depth = 0;
        var max = 0;
        Emit(Fold(expr), code, ref depth, ref max);
        return new CompiledCondition([.. code], Math.Max(max, 1));
    }

    /// <summary>Evaluates constant sub-expressions once, so `x > 10 + 2` has the threshold 12.</summary>
    public static Expr Fold(Expr e)
    {
        switch (e)
        {
            case UnaryExpr u:
                var operand = Fold(u.Operand);
                if (operand is NumberExpr n)
                {
                    return new NumberExpr(u.Offset, u.Op == UnaryOp.Neg ? -n.Value : Ops.Not(n.Value));
                }
                return u with { Operand = operand };
            case BinaryExpr b:
                var left = Fold(b.Left);
                var right = Fold(b.Right);
                if (left is NumberExpr l && right is NumberExpr r)
                {
                    return new NumberExpr(b.Offset, Ops.Binary(Ops.ToOpCode(b.Op), l.Value, r.Value));
                }
                return b with { Left = left, Right = right };
            case CallExpr c when c.Function is not (Function.Rate or Function.Delta):
                var args = new Expr[c.Args.Count];
                var allConstant = true;
                for (var i = 0; i < args.Length; i++)
                {
                    args[i] = Fold(c.Args[i]);
                    allConstant &= args[i] is NumberExpr;
                }
                if (!allConstant)
                {
                    return c with { Args = args };
                }
                return new NumberExpr(c.Offset, ConstantCall(c.Function, args));
            default:
                return e;
        }
    }

    private static double ConstantCall(Function f, Expr[] args)
    {
        var acc = ((NumberExpr)args[0]).Value;
        if (f == Function.Abs)
        {
            return Math.Abs(acc);
        }
        for (var i = 1; i < args.Length; i++)
        {
            var v = ((NumberExpr)args[i]).Value;
            acc = f switch
            {
                Function.Min => Math.Min(acc, v),
                Function.Max => Math.Max(acc, v),
                _ => acc + v,
            };
        }
        return f == Function.Avg ? acc / args.Length : acc;
    }

    private void Emit(Expr e, List<Instruction> code, ref int depth, ref int max)
    {
        switch (e)
        {
            case NumberExpr n:
                code.Add(new Instruction(OpCode.Const, 0, 0, n.Value));
                Push(ref depth, ref max);
                break;
            case TagExpr t:
                code.Add(new Instruction(OpCode.Tag, TagSlot(t.Name), 0, 0));
                Push(ref depth, ref max);
                break;
            case UnaryExpr u:
                Emit(u.Operand, code, ref depth, ref max);
                code.Add(new Instruction(u.Op == UnaryOp.Neg ? OpCode.Neg : OpCode.Not, 0, 0, 0));
                break;
            // `tag > 12`, the commonest shape of a condition, as one instruction instead of three (two pushes
            // and a compare): same result, a third of the dispatches on every reading of the tag.
            case BinaryExpr { Left: TagExpr tag, Right: NumberExpr number } b when fuseTagComparisons && IsComparison(b.Op):
                code.Add(new Instruction(OpCode.TagCmpConst, TagSlot(tag.Name), (int)Ops.ToOpCode(b.Op), number.Value));
                Push(ref depth, ref max);
                break;
            case BinaryExpr { Left: NumberExpr number, Right: TagExpr tag } b when fuseTagComparisons && IsComparison(b.Op):
                code.Add(new Instruction(OpCode.TagCmpConst, TagSlot(tag.Name), (int)Ops.ToOpCode(Mirror(b.Op)), number.Value));
                Push(ref depth, ref max);
                break;
            case BinaryExpr b:
                Emit(b.Left, code, ref depth, ref max);
                Emit(b.Right, code, ref depth, ref max);
                code.Add(new Instruction(Ops.ToOpCode(b.Op), 0, 0, 0));
                depth--;
                break;
            case CallExpr { Function: Function.Rate } rate:
                var unitMs = rate.Args.Count == 2 ? ((DurationExpr)rate.Args[1]).Milliseconds : 1000;
                code.Add(new Instruction(OpCode.Rate, TagSlot(((TagExpr)rate.Args[0]).Name), 0, unitMs));
                Push(ref depth, ref max);
                break;
            case CallExpr { Function: Function.Delta } delta:
                var slot = TagSlot(((TagExpr)delta.Args[0]).Name);
                var windowMs = (long)((DurationExpr)delta.Args[1]).Milliseconds;
                var deltaSlot = _deltas.IndexOf((slot, windowMs));
                if (deltaSlot < 0)
                {
                    _deltas.Add((slot, windowMs));
                    deltaSlot = _deltas.Count - 1;
                }
                code.Add(new Instruction(OpCode.Delta, slot, deltaSlot, windowMs));
                Push(ref depth, ref max);
                break;
            case CallExpr c:
                foreach (var arg in c.Args)
                {
                    Emit(arg, code, ref depth, ref max);
                }
                var op = c.Function switch
                {
                    Function.Abs => OpCode.Abs,
                    Function.Min => OpCode.Min,
                    Function.Max => OpCode.Max,
                    _ => OpCode.Avg,
                };
                code.Add(new Instruction(op, c.Args.Count, 0, 0));
                depth -= c.Args.Count - 1;
                break;
            default:
                throw new ExpressionException(e.Offset, "unexpected duration");
        }
    }

    private static bool IsComparison(BinaryOp op) =>
        op is BinaryOp.Lt or BinaryOp.Le or BinaryOp.Gt or BinaryOp.Ge or BinaryOp.Eq or BinaryOp.Ne;

    /// <summary>The comparison with its sides swapped: `12 &lt; a` is `a &gt; 12`.</summary>
    private static BinaryOp Mirror(BinaryOp op) => op switch
    {
        BinaryOp.Lt => BinaryOp.Gt,
        BinaryOp.Le => BinaryOp.Ge,
        BinaryOp.Gt => BinaryOp.Lt,
        BinaryOp.Ge => BinaryOp.Le,
        _ => op,
    };

    private static void Push(ref int depth, ref int max)
    {
        depth++;
        max = Math.Max(max, depth);
    }
}
