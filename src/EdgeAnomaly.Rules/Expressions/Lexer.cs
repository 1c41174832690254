using System.Globalization;

namespace EdgeAnomaly.Rules.Expressions;

internal enum TokenKind
{
    End,
    Number,
    Duration,
    Identifier,
    LParen,
    RParen,
    Comma,
    Plus,
    Minus,
    Star,
    Slash,
    Lt,
    Le,
    Gt,
    Ge,
    Eq,
    Ne,
    And,
    Or,
    Not,
}

/// <summary>One token; <see cref="Number"/> holds the value of a number or a duration in milliseconds.</summary>
internal readonly record struct Token(TokenKind Kind, int Offset, int Length, double Number, string Text);

/// <summary>A syntax or reference error at a character offset inside one condition text.</summary>
internal sealed class ExpressionException(int offset, string message) : Exception(message)
{
    public int Offset { get; } = offset;
}

/// <summary>Splits a condition into tokens. Runs once per rule at load time, never per reading.</summary>
internal static class Lexer
{
    public static List<Token> Tokenize(string text)
    {
        var tokens = new List<Token>();
        var i = 0;
        while (i < text.Length)
        {
            var c = text[i];
            if (char.IsWhiteSpace(c))
            {
                i++;
                continue;
            }
            if (char.IsAsciiDigit(c) || (c == '.' && i + 1 < text.Length && char.IsAsciiDigit(text[i + 1])))
            {
                i = ReadNumber(text, i, tokens);
                continue;
            }
            if (char.IsAsciiLetter(c) || c == '_')
            {
                var start = i;
                while (i < text.Length && IsIdentifierPart(text[i]))
                {
                    i++;
                }
                // A trailing dot belongs to no tag name; leave it to be reported as an unexpected character.
                while (text[i - 1] == '.')
                {
                    i--;
                }
                var word = text[start..i];
                var kind = word switch
                {
                    "and" => TokenKind.And,
                    "or" => TokenKind.Or,
                    "not" => TokenKind.Not,
                    _ => TokenKind.Identifier,
                };
                tokens.Add(new Token(kind, start, i - start, 0, word));
                continue;
            }
            var next = i + 1 < text.Length ? text[i + 1] : '\0';
            switch (c)
            {
                case '(': Add(tokens, TokenKind.LParen, i, 1, text); i++; break;
                case ')': Add(tokens, TokenKind.RParen, i, 1, text); i++; break;
                case ',': Add(tokens, TokenKind.Comma, i, 1, text); i++; break;
                case '+': Add(tokens, TokenKind.Plus, i, 1, text); i++; break;
                case '-': Add(tokens, TokenKind.Minus, i, 1, text); i++; break;
                case '*': Add(tokens, TokenKind.Star, i, 1, text); i++; break;
                case '/': Add(tokens, TokenKind.Slash, i, 1, text); i++; break;
                case '<' when next == '=': Add(tokens, TokenKind.Le, i, 2, text); i += 2; break;
                case '<': Add(tokens, TokenKind.Lt, i, 1, text); i++; break;
                case '>' when next == '=': Add(tokens, TokenKind.Ge, i, 2, text); i += 2; break;
                case '>': Add(tokens, TokenKind.Gt, i, 1, text); i++; break;
                case '=' when next == '=': Add(tokens, TokenKind.Eq, i, 2, text); i += 2; break;
                case '=': throw new ExpressionException(i, "unexpected '=' (use '==' to compare)");
                case '!' when next == '=': Add(tokens, TokenKind.Ne, i, 2, text); i += 2; break;
                case '!': Add(tokens, TokenKind.Not, i, 1, text); i++; break;
                case '&' when next == '&': Add(tokens, TokenKind.And, i, 2, text); i += 2; break;
                case '|' when next == '|': Add(tokens, TokenKind.Or, i, 2, text); i += 2; break;
                default:
                    throw new ExpressionException(i, $"unexpected character '{c}'");
            }
        }
        tokens.Add(new Token(TokenKind.End, text.Length, 0, 0, ""));
        return tokens;
    }

    private static bool IsIdentifierPart(char c) => char.IsAsciiLetterOrDigit(c) || c == '_' || c == '.';

    private static void Add(List<Token> tokens, TokenKind kind, int offset, int length, string text) =>
        tokens.Add(new Token(kind, offset, length, 0, text.Substring(offset, length)));

    private static int ReadNumber(string text, int start, List<Token> tokens)
    {
        var i = start;
        while (i < text.Length && char.IsAsciiDigit(text[i]))
        {
            i++;
        }
        if (i < text.Length && text[i] == '.')
        {
            i++;
            if (i >= text.Length || !char.IsAsciiDigit(text[i]))
            {
                throw new ExpressionException(start, $"bad number '{text[start..i]}' (a digit must follow the decimal point)");
            }
            while (i < text.Length && char.IsAsciiDigit(text[i]))
            {
                i++;
            }
        }
        if (i < text.Length && (text[i] == 'e' || text[i] == 'E'))
        {
            var e = i + 1;
            if (e < text.Length && (text[e] == '+' || text[e] == '-'))
            {
                e++;
            }
            if (e < text.Length && char.IsAsciiDigit(text[e]))
            {
                i = e;
                while (i < text.Length && char.IsAsciiDigit(text[i]))
                {
                    i++;
                }
            }
        }
        var value = double.Parse(text.AsSpan(start, i - start), NumberStyles.Float, CultureInfo.InvariantCulture);
        if (i < text.Length && (char.IsAsciiLetter(text[i]) || text[i] == '_'))
        {
            // Letters glued to a number make a duration literal (10s, 500ms) or a typo.
            var unitStart = i;
            while (i < text.Length && IsIdentifierPart(text[i]))
            {
                i++;
            }
            var literal = text[start..i];
            var unitMs = Durations.UnitMilliseconds(text.AsSpan(unitStart, i - unitStart));
            if (unitMs <= 0)
            {
                throw new ExpressionException(start, $"bad duration '{literal}' (expected a number with ms, s, m, h or d, e.g. 500ms, 10s, 5m, 1h)");
            }
            tokens.Add(new Token(TokenKind.Duration, start, i - start, value * unitMs, literal));
            return i;
        }
        tokens.Add(new Token(TokenKind.Number, start, i - start, value, text[start..i]));
        return i;
    }
}
