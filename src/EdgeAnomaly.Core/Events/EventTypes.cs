namespace EdgeAnomaly.Core.Events;

public enum Severity : byte
{
    Info = 0,
    Warning = 1,
    Critical = 2,
}

/// <summary>What raised an event. Data-quality findings are their own kind, never process anomalies.</summary>
public enum EventKind : byte
{
    Rule = 0,
    Statistic = 1,
    DataQuality = 2,
    Model = 3,
    /// <summary>The gateway's own database (the start-up check moved a damaged file aside, docs/storage.md).</summary>
    Storage = 4,
}

public enum EventState : byte
{
    Open = 0,
    Closed = 1,
}

public static class EventNames
{
    public static string ToWire(this Severity severity) => severity switch
    {
        Severity.Info => "info",
        Severity.Warning => "warning",
        Severity.Critical => "critical",
        _ => throw new ArgumentOutOfRangeException(nameof(severity)),
    };

    public static string ToWire(this EventKind kind) => kind switch
    {
        EventKind.Rule => "rule",
        EventKind.Statistic => "statistic",
        EventKind.DataQuality => "data-quality",
        EventKind.Model => "model",
        EventKind.Storage => "storage",
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    public static string ToWire(this EventState state) => state == EventState.Open ? "open" : "closed";

    public static bool TryParseSeverity(string? text, out Severity severity)
    {
        switch (text?.ToLowerInvariant())
        {
            case "info": severity = Severity.Info; return true;
            case "warning": severity = Severity.Warning; return true;
            case "critical": severity = Severity.Critical; return true;
            default: severity = Severity.Info; return false;
        }
    }

    public static bool TryParseKind(string? text, out EventKind kind)
    {
        switch (text)
        {
            case "rule": kind = EventKind.Rule; return true;
            case "statistic": kind = EventKind.Statistic; return true;
            case "data-quality": kind = EventKind.DataQuality; return true;
            case "model": kind = EventKind.Model; return true;
            case "storage": kind = EventKind.Storage; return true;
            default: kind = EventKind.Rule; return false;
        }
    }

    public static EventState ParseState(string text) => text == "open" ? EventState.Open : EventState.Closed;
}
