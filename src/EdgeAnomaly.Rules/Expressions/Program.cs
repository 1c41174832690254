using EdgeAnomaly.Core.Readings;

namespace EdgeAnomaly.Rules.Expressions;

internal enum OpCode : byte
{
    Const,
    Tag,
    Rate,
    Delta,
    Neg,
    Not,
    Abs,
    Min,
    Max,
    Avg,
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

    /// <summary>Fused `tag CMP constant`: A is the tag slot, B the comparison's <see cref="OpCode"/>, K the constant.</summary>
    TagCmpConst,
}

/// <summary>
/// One step of a compiled condition. Tag, Rate, Delta: <see cref="A"/> is the rule's tag slot; Delta:
/// <see cref="B"/> is the rule's delta-window slot and <see cref="K"/> the window in ms; Rate: K is the unit
/// in ms; Min/Max/Avg: A is the argument count; Const: K is the value; TagCmpConst: A the tag slot, B the
/// comparison, K the constant.
/// </summary>
internal readonly record struct Instruction(OpCode Op, int A, int B, double K);

/// <summary>A condition compiled to postfix code for a small value stack: no tree walk, no allocation per run.</summary>
internal sealed class CompiledCondition(Instruction[] code, int maxStack)
{
    public Instruction[] Code { get; } = code;

    public int MaxStack { get; } = maxStack;
}

/// <summary>
/// Three-valued logic over doubles: NaN means "unknown" (tag without a value, division by zero, too little
/// history). Arithmetic and comparisons propagate unknown; `and` is false if either side is false, `or` is true
/// if either side is true; a condition holds only when its result is known and non-zero.
/// </summary>
internal static class Ops
{
    public static bool Holds(double v) => v != 0 && !double.IsNaN(v);

    public static double Not(double v) => double.IsNaN(v) ? double.NaN : (v == 0 ? 1 : 0);

    public static double Binary(OpCode op, double a, double b)
    {
        switch (op)
        {
            case OpCode.Add: return a + b;
            case OpCode.Sub: return a - b;
            case OpCode.Mul: return a * b;
            case OpCode.Div: return b == 0 ? double.NaN : a / b;
            case OpCode.And:
                if (a == 0 || b == 0)
                {
                    return 0;
                }
                return double.IsNaN(a) || double.IsNaN(b) ? double.NaN : 1;
            case OpCode.Or:
                if (Holds(a) || Holds(b))
                {
                    return 1;
                }
                return double.IsNaN(a) || double.IsNaN(b) ? double.NaN : 0;
        }
        return Compare(op, a, b);
    }

    /// <summary>A comparison (Lt..Ne): 1 or 0, unknown when either side is.</summary>
    public static double Compare(OpCode op, double a, double b)
    {
        if (double.IsNaN(a) || double.IsNaN(b))
        {
            return double.NaN;
        }
        var r = op switch
        {
            OpCode.Lt => a < b,
            OpCode.Le => a <= b,
            OpCode.Gt => a > b,
            OpCode.Ge => a >= b,
            OpCode.Eq => a == b,
            _ => a != b,
        };
        return r ? 1 : 0;
    }

    public static OpCode ToOpCode(BinaryOp op) => op switch
    {
        BinaryOp.Add => OpCode.Add,
        BinaryOp.Sub => OpCode.Sub,
        BinaryOp.Mul => OpCode.Mul,
        BinaryOp.Div => OpCode.Div,
        BinaryOp.Lt => OpCode.Lt,
        BinaryOp.Le => OpCode.Le,
        BinaryOp.Gt => OpCode.Gt,
        BinaryOp.Ge => OpCode.Ge,
        BinaryOp.Eq => OpCode.Eq,
        BinaryOp.Ne => OpCode.Ne,
        BinaryOp.And => OpCode.And,
        _ => OpCode.Or,
    };

    /// <summary>Per-unit derivative from the last two readings of the tag; unknown until there are two.</summary>
    public static double Rate(TagValues values, int tagId, double unitMs)
    {
        var prevTs = values.PreviousTimestampMs(tagId);
        if (prevTs == long.MinValue)
        {
            return double.NaN;
        }
        var dt = values.LastTimestampMs(tagId) - prevTs;
        if (dt <= 0)
        {
            return double.NaN;
        }
        return (values.Last(tagId) - values.Previous(tagId)) / dt * unitMs;
    }
}

/// <summary>Runs compiled code against one rule instance's bound tags.</summary>
internal static class Evaluator
{
    public static double Run(
        CompiledCondition condition,
        double[] stack,
        int[] tagIds,
        DeltaHistory[] deltas,
        TagValues values,
        long nowMs)
    {
        var code = condition.Code;
        var sp = 0;
        for (var pc = 0; pc < code.Length; pc++)
        {
            ref readonly var ins = ref code[pc];
            switch (ins.Op)
            {
                case OpCode.Const:
                    stack[sp++] = ins.K;
                    break;
                case OpCode.Tag:
                    stack[sp++] = values.Last(tagIds[ins.A]);
                    break;
                case OpCode.TagCmpConst:
                    stack[sp++] = Ops.Compare((OpCode)ins.B, values.Last(tagIds[ins.A]), ins.K);
                    break;
                case OpCode.Rate:
                    stack[sp++] = Ops.Rate(values, tagIds[ins.A], ins.K);
                    break;
                case OpCode.Delta:
                    stack[sp++] = values.Last(tagIds[ins.A]) - deltas[ins.B].ValueAtOrBefore(nowMs - (long)ins.K);
                    break;
                case OpCode.Neg:
                    stack[sp - 1] = -stack[sp - 1];
                    break;
                case OpCode.Not:
                    stack[sp - 1] = Ops.Not(stack[sp - 1]);
                    break;
                case OpCode.Abs:
                    stack[sp - 1] = Math.Abs(stack[sp - 1]);
                    break;
                case OpCode.Min:
                case OpCode.Max:
                case OpCode.Avg:
                    sp = Aggregate(ins.Op, ins.A, stack, sp);
                    break;
                default:
                    var b = stack[--sp];
                    stack[sp - 1] = Ops.Binary(ins.Op, stack[sp - 1], b);
                    break;
            }
        }
        return stack[0];
    }

    private static int Aggregate(OpCode op, int count, double[] stack, int sp)
    {
        var first = sp - count;
        var acc = stack[first];
        for (var i = first + 1; i < sp; i++)
        {
            var v = stack[i];
            acc = op switch
            {
                OpCode.Min => Math.Min(acc, v),
                OpCode.Max => Math.Max(acc, v),
                _ => acc + v,
            };
        }
        stack[first] = op == OpCode.Avg ? acc / count : acc;
        return first + 1;
    }
}
