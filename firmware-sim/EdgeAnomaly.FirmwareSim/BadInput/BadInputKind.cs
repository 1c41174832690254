namespace EdgeAnomaly.FirmwareSim.BadInput;

/// <summary>
/// Deliberately wrong messages for gateway tests. Each is one single-reading message that is wrong in exactly
/// one way, so it should raise exactly one gateway reject counter.
/// </summary>
public enum BadInputKind
{
    /// <summary>Truncated JSON: malformed_json. Carries no usable seq, so it does not consume one.</summary>
    BrokenJson,

    /// <summary>"value":"NaN" (a string where a number belongs): wrong_type or non_finite_value, as the gateway classifies it.</summary>
    NanAsString,

    /// <summary>A tag the asset does not have: unknown_tag.</summary>
    UnknownTag,

    /// <summary>Timestamp far ahead of the clock (2 days by default): future_timestamp.</summary>
    FutureTimestamp,

    /// <summary>A tag's timestamp 1 ms before one already published for it: out_of_order.</summary>
    OutOfOrder,
}

public static class BadInputKinds
{
    public static readonly BadInputKind[] All =
        [BadInputKind.BrokenJson, BadInputKind.NanAsString, BadInputKind.UnknownTag, BadInputKind.FutureTimestamp, BadInputKind.OutOfOrder];

    public static string ToWire(this BadInputKind kind) => kind switch
    {
        BadInputKind.BrokenJson => "broken_json",
        BadInputKind.NanAsString => "nan_as_string",
        BadInputKind.UnknownTag => "unknown_tag",
        BadInputKind.FutureTimestamp => "future_timestamp",
        BadInputKind.OutOfOrder => "out_of_order",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
    };
}

/// <summary>How many bad messages of each kind were produced (or published). Thread-safe.</summary>
public sealed class BadInputCounts
{
    private readonly long[] _counts = new long[BadInputKinds.All.Length];

    public long this[BadInputKind kind] => Interlocked.Read(ref _counts[(int)kind]);

    public long Total
    {
        get
        {
            long sum = 0;
            for (var i = 0; i < _counts.Length; i++)
            {
                sum += Interlocked.Read(ref _counts[i]);
            }
            return sum;
        }
    }

    public void Increment(BadInputKind kind) => Interlocked.Increment(ref _counts[(int)kind]);

    public override string ToString() =>
        string.Join(", ", BadInputKinds.All.Select(k => k.ToWire() + "=" + this[k].ToString(System.Globalization.CultureInfo.InvariantCulture)));
}
