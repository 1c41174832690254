namespace EdgeAnomaly.Rules;

/// <summary>An invalid rules file. <see cref="Exception.Message"/> reads "file:line:column: reason", like a compiler.</summary>
public sealed class RuleFileException : Exception
{
    public RuleFileException(string file, int line, int column, string reason)
        : base($"{file}:{line}:{column}: {reason}")
    {
        File = file;
        Line = line;
        Column = column;
        Reason = reason;
    }

    public RuleFileException()
        : this("", 0, 0, "invalid rules file")
    {
    }

    public RuleFileException(string message)
        : this("", 0, 0, message)
    {
    }

    public RuleFileException(string message, Exception innerException)
        : base(message, innerException)
    {
        File = "";
        Reason = message;
    }

    public string File { get; }

    /// <summary>1-based line in the file.</summary>
    public int Line { get; }

    /// <summary>1-based column in the file; inside a condition it points at the offending character.</summary>
    public int Column { get; }

    /// <summary>The message without the position prefix.</summary>
    public string Reason { get; }
}
