namespace EdgeAnomaly.Core.Diagnostics;

/// <summary>Why an input was refused. Each has its own counter and appears in health.</summary>
public enum RejectReason
{
    MalformedJson = 0,
    WrongType,
    UnsupportedVersion,
    MissingField,
    NonFiniteValue,
    UnknownAsset,
    UnknownTag,
    OversizedPayload,
    TooManyReadings,
    FutureTimestamp,
    StaleTimestamp,
    OutOfOrder,
    DuplicateSequence,
    BadTopic,
    QueueFull,
}

public static class RejectReasons
{
    public static readonly int Count = Enum.GetValues<RejectReason>().Length;

    public static string ToWire(this RejectReason reason) => reason switch
    {
        RejectReason.MalformedJson => "malformed_json",
        RejectReason.WrongType => "wrong_type",
        RejectReason.UnsupportedVersion => "unsupported_version",
        RejectReason.MissingField => "missing_field",
        RejectReason.NonFiniteValue => "non_finite_value",
        RejectReason.UnknownAsset => "unknown_asset",
        RejectReason.UnknownTag => "unknown_tag",
        RejectReason.OversizedPayload => "oversized_payload",
        RejectReason.TooManyReadings => "too_many_readings",
        RejectReason.FutureTimestamp => "future_timestamp",
        RejectReason.StaleTimestamp => "stale_timestamp",
        RejectReason.OutOfOrder => "out_of_order",
        RejectReason.DuplicateSequence => "duplicate_sequence",
        RejectReason.BadTopic => "bad_topic",
        RejectReason.QueueFull => "queue_full",
        _ => "unknown",
    };
}
