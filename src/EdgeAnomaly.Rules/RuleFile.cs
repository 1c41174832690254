using System.Globalization;
using EdgeAnomaly.Core.Events;
using EdgeAnomaly.Rules.Expressions;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace EdgeAnomaly.Rules;

/// <summary>
/// Reads a rules file with YamlDotNet's representation model (no reflection, so trimming stays safe) and keeps
/// node positions so every error names file, line and column — inside a condition, the column of the
/// offending character.
/// </summary>
public static class RuleFile
{
    public const int SupportedVersion = 1;

    internal static readonly string[] TopLevelKeys = ["version", "defaults", "allow_fewer_instances", "rules"];
    internal static readonly string[] DefaultsKeys = ["cooldown", "sustain", "severity"];
    internal static readonly string[] RuleKeys = ["id", "description", "enabled", "select", "when", "sustain", "clear", "hysteresis", "severity", "message", "cooldown"];
    internal static readonly string[] SelectKeys = ["asset", "assetType", "tags"];

    public static readonly TimeSpan DefaultCooldown = TimeSpan.FromMinutes(5);

    public static RuleSet Parse(string yamlText, string fileName)
    {
        ArgumentNullException.ThrowIfNull(yamlText);
        return new Reader(yamlText, fileName).Read();
    }

    private sealed class Reader(string text, string file)
    {
        private string[]? _lines;

        public RuleSet Read()
        {
            var stream = new YamlStream();
            var scanner = new Scanner(new StringReader(text));
            try
            {
                stream.Load(new YamlDotNet.Core.Parser(scanner));
            }
            catch (YamlException e)
            {
                throw new RuleFileException(file, (int)e.Start.Line, (int)e.Start.Column, Clean(e.Message));
            }
            catch (InvalidOperationException)
            {
                // Some malformed input (an unclosed flow mapping) escapes YamlDotNet as a bare exception; the
                // scanner still knows where it stopped.
                var at = scanner.CurrentPosition;
                throw new RuleFileException(file, (int)at.Line, (int)at.Column, "invalid YAML here (an unclosed '{' or '[' before this point?)");
            }
            if (stream.Documents.Count == 0 || stream.Documents[0].RootNode is YamlScalarNode { Value: null or "" })
            {
                throw new RuleFileException(file, 1, 1, "the rules file is empty (expected 'version: 1' and 'rules:')");
            }
            if (stream.Documents.Count > 1)
            {
                throw Error(stream.Documents[1].RootNode, "only one YAML document is allowed in a rules file");
            }
            var root = stream.Documents[0].RootNode as YamlMappingNode
                ?? throw Error(stream.Documents[0].RootNode, "the rules file must be a mapping with 'version' and 'rules'");
            CheckKeys(root, TopLevelKeys, "at the top level");

            var versionNode = Get(root, "version") ?? throw Error(root, "missing 'version' (expected 'version: 1')");
            var version = Int(versionNode, "version");
            if (version != SupportedVersion)
            {
                throw Error(versionNode, $"unsupported version {version} (this gateway reads version {SupportedVersion})");
            }

            var allowFewer = Get(root, "allow_fewer_instances") is { } allowNode && Bool(allowNode, "allow_fewer_instances");
            var cooldown = DefaultCooldown;
            var sustain = TimeSpan.Zero;
            var severity = Severity.Warning;
            if (Get(root, "defaults") is { } defaultsNode)
            {
                var defaults = Mapping(defaultsNode, "defaults");
                CheckKeys(defaults, DefaultsKeys, "in 'defaults'");
                cooldown = Get(defaults, "cooldown") is { } c ? Duration(c, "cooldown") : cooldown;
                sustain = Get(defaults, "sustain") is { } s ? Duration(s, "sustain") : sustain;
                severity = Get(defaults, "severity") is { } v ? ParseSeverity(v) : severity;
            }

            var rules = new List<RuleDefinition>();
            var seen = new Dictionary<string, YamlNode>(StringComparer.Ordinal);
            if (Get(root, "rules") is { } rulesNode)
            {
                if (rulesNode is YamlScalarNode { Value: null or "" })
                {
                    return new RuleSet(file, version, rules, allowFewer);
                }
                var sequence = rulesNode as YamlSequenceNode ?? throw Error(rulesNode, "'rules' must be a list of rules");
                foreach (var item in sequence.Children)
                {
                    var rule = ReadRule(item, cooldown, sustain, severity, seen);
                    if (rule is not null)
                    {
                        rules.Add(rule);
                    }
                }
            }
            else
            {
                throw Error(root, "missing 'rules'");
            }
            return new RuleSet(file, version, rules, allowFewer);
        }

        private RuleDefinition? ReadRule(YamlNode node, TimeSpan defaultCooldown, TimeSpan defaultSustain, Severity defaultSeverity, Dictionary<string, YamlNode> seen)
        {
            var map = Mapping(node, "a rule");
            var idNode = Get(map, "id") ?? throw Error(map, "rule has no 'id'");
            var id = Scalar(idNode, "id");
            if (!IsValidId(id))
            {
                throw Error(idNode, $"bad rule id '{id}' (use lower-case letters, digits, '.', '_' and '-')");
            }
            if (seen.TryGetValue(id, out var first))
            {
                throw Error(idNode, $"duplicate rule id '{id}' (first defined at line {first.Start.Line})");
            }
            seen[id] = idNode;
            CheckKeys(map, RuleKeys, $"in rule '{id}'");

            if (Get(map, "enabled") is { } enabledNode && !Bool(enabledNode, "enabled"))
            {
                return null;
            }

            var selectNode = Get(map, "select") ?? throw Error(map, $"rule '{id}' has no 'select' (e.g. select: {{ assetType: pump }})");
            var select = ReadSelector(Mapping(selectNode, "'select'"), id);

            var whenNode = Get(map, "when") ?? throw Error(map, $"rule '{id}' has no 'when' condition");
            var clearNode = Get(map, "clear");
            var hysteresisNode = Get(map, "hysteresis");
            if (clearNode is not null && hysteresisNode is not null)
            {
                throw Error(hysteresisNode, $"rule '{id}' has both 'clear' and 'hysteresis'; use one");
            }

            var compiler = new Compiler();
            foreach (var tag in select.Tags)
            {
                compiler.TagSlot(tag);
            }
            var whenExpr = ParseCondition(whenNode, "when");
            var when = Compile(compiler, whenNode, whenExpr);
            var folded = Compiler.Fold(whenExpr);
            var comparison = SimpleComparison(folded);
            if (compiler.Tags.Count == 0)
            {
                throw Error(whenNode, $"the 'when' of rule '{id}' reads no tag, so it would never be evaluated");
            }

            RuleCondition? clear = null;
            double? hysteresis = null;
            if (clearNode is not null)
            {
                clear = Compile(compiler, clearNode, ParseCondition(clearNode, "clear"));
            }
            else if (hysteresisNode is not null)
            {
                var h = Number(hysteresisNode, "hysteresis");
                if (h < 0)
                {
                    throw Error(hysteresisNode, "hysteresis must not be negative");
                }
                if (comparison is not { } cmp || cmp.Op is BinaryOp.Eq or BinaryOp.Ne)
                {
                    throw Error(hysteresisNode, "hysteresis needs 'when' to be one comparison with a constant, like 'current.a > 12'; otherwise write 'clear'");
                }
                hysteresis = h;
                // Above a high limit the condition clears below limit - h; below a low limit it clears above limit + h.
                var clearExpr = cmp.Op is BinaryOp.Gt or BinaryOp.Ge
                    ? new BinaryExpr(0, BinaryOp.Lt, cmp.Subject, new NumberExpr(0, cmp.Threshold - h))
                    : new BinaryExpr(0, BinaryOp.Gt, cmp.Subject, new NumberExpr(0, cmp.Threshold + h));
                clear = new RuleCondition(Ast.Print(clearExpr), (int)hysteresisNode.Start.Line, (int)hysteresisNode.Start.Column, compiler.Compile(clearExpr));
            }

            var sustain = Get(map, "sustain") is { } sustainNode ? Duration(sustainNode, "sustain") : defaultSustain;
            var cooldown = Get(map, "cooldown") is { } cooldownNode ? Duration(cooldownNode, "cooldown") : defaultCooldown;
            var severity = Get(map, "severity") is { } severityNode ? ParseSeverity(severityNode) : defaultSeverity;
            var message = Get(map, "message") is { } messageNode
                ? Scalar(messageNode, "message")
                : "{asset}: " + Scalar(whenNode, "when") + " ({tag} = {value})";

            return new RuleDefinition(
                id,
                select,
                when,
                clear,
                hysteresis,
                sustain,
                severity,
                message,
                cooldown,
                (int)map.Start.Line,
                (int)map.Start.Column,
                [.. compiler.Tags],
                [.. compiler.Deltas],
                comparison?.Threshold ?? double.NaN);
        }

        private RuleSelector ReadSelector(YamlMappingNode map, string id)
        {
            CheckKeys(map, SelectKeys, $"in 'select' of rule '{id}'");
            var assets = Get(map, "asset") is { } a ? StringList(a, "asset") : [];
            var types = Get(map, "assetType") is { } t ? StringList(t, "assetType") : [];
            var tags = Get(map, "tags") is { } g ? StringList(g, "tags") : [];
            if (assets.Length == 0 && types.Length == 0)
            {
                throw Error(map, $"'select' of rule '{id}' needs 'asset' (a name or glob) or 'assetType'; use asset: \"*\" for every asset");
            }
            return new RuleSelector(assets, types, tags);
        }

        private Expr ParseCondition(YamlNode node, string key)
        {
            var scalar = node as YamlScalarNode ?? throw Error(node, $"'{key}' must be a condition text, e.g. \"current.a > 12\"");
            var textValue = scalar.Value ?? "";
            try
            {
                return Expressions.Parser.Parse(textValue);
            }
            catch (ExpressionException e)
            {
                var (line, column) = Locate(scalar, e.Offset);
                throw new RuleFileException(file, line, column, e.Message);
            }
        }

        private RuleCondition Compile(Compiler compiler, YamlNode node, Expr expr)
        {
            var scalar = (YamlScalarNode)node;
            try
            {
                var (line, column) = Locate(scalar, 0);
                return new RuleCondition(scalar.Value ?? "", line, column, compiler.Compile(expr));
            }
            catch (ExpressionException e)
            {
                var (line, column) = Locate(scalar, e.Offset);
                throw new RuleFileException(file, line, column, e.Message);
            }
        }

        /// <summary>`subject OP constant` (either way round), the shape that has a threshold and allows hysteresis.</summary>
        private static (Expr Subject, BinaryOp Op, double Threshold)? SimpleComparison(Expr folded)
        {
            if (folded is not BinaryExpr b || !Ast.IsComparison(b.Op))
            {
                return null;
            }
            if (b.Right is NumberExpr r && b.Left is not NumberExpr)
            {
                return (b.Left, b.Op, r.Value);
            }
            if (b.Left is NumberExpr l && b.Right is not NumberExpr)
            {
                var flipped = b.Op switch
                {
                    BinaryOp.Lt => BinaryOp.Gt,
                    BinaryOp.Le => BinaryOp.Ge,
                    BinaryOp.Gt => BinaryOp.Lt,
                    BinaryOp.Ge => BinaryOp.Le,
                    _ => b.Op,
                };
                return (b.Right, flipped, l.Value);
            }
            return null;
        }

        /// <summary>Maps an offset inside a scalar's value to a file position, undoing quotes, escapes and block indentation.</summary>
        private (int Line, int Column) Locate(YamlScalarNode node, int offset)
        {
            var line = (int)node.Start.Line;
            var column = (int)node.Start.Column;
            switch (node.Style)
            {
                case ScalarStyle.Plain when node.End.Line == node.Start.Line:
                    return (line, column + offset);
                case ScalarStyle.DoubleQuoted or ScalarStyle.SingleQuoted when node.End.Line == node.Start.Line:
                    return (line, column + 1 + RawOffset(SourceLine(line), column, offset, node.Style == ScalarStyle.DoubleQuoted));
                case ScalarStyle.Literal:
                    return LocateInLiteral(node, offset);
                default:
                    return (line, column);
            }
        }

        private static int RawOffset(string rawLine, int quoteColumn, int valueOffset, bool doubleQuoted)
        {
            var raw = quoteColumn; // index of the first character after the opening quote
            for (var consumed = 0; consumed < valueOffset && raw < rawLine.Length; consumed++)
            {
                if (doubleQuoted && rawLine[raw] == '\\' && raw + 1 < rawLine.Length)
                {
                    raw += rawLine[raw + 1] switch
                    {
                        'x' => 4,
                        'u' => 6,
                        'U' => 10,
                        _ => 2,
                    };
                }
                else if (!doubleQuoted && rawLine[raw] == '\'' && raw + 1 < rawLine.Length && rawLine[raw + 1] == '\'')
                {
                    raw += 2;
                }
                else
                {
                    raw++;
                }
            }
            return raw - quoteColumn;
        }

        private (int Line, int Column) LocateInLiteral(YamlScalarNode node, int offset)
        {
            var value = node.Value ?? "";
            var lineIndex = 0;
            var lineStart = 0;
            for (var i = 0; i < offset && i < value.Length; i++)
            {
                if (value[i] == '\n')
                {
                    lineIndex++;
                    lineStart = i + 1;
                }
            }
            var fileLine = (int)node.Start.Line + 1 + lineIndex;
            var raw = SourceLine(fileLine);
            var indent = 0;
            while (indent < raw.Length && raw[indent] == ' ')
            {
                indent++;
            }
            // Content keeps indentation beyond the block's own; the block indent is that of its first line.
            var blockIndent = BlockIndent((int)node.Start.Line + 1);
            return (fileLine, Math.Min(indent, blockIndent) + (offset - lineStart) + 1);
        }

        private int BlockIndent(int firstLine)
        {
            for (var l = firstLine; l <= Lines.Length; l++)
            {
                var raw = SourceLine(l);
                if (raw.Trim().Length == 0)
                {
                    continue;
                }
                var indent = 0;
                while (indent < raw.Length && raw[indent] == ' ')
                {
                    indent++;
                }
                return indent;
            }
            return 0;
        }

        private string[] Lines => _lines ??= text.Split('\n');

        private string SourceLine(int oneBasedLine) =>
            oneBasedLine >= 1 && oneBasedLine <= Lines.Length ? Lines[oneBasedLine - 1].TrimEnd('\r') : "";

        private void CheckKeys(YamlMappingNode map, string[] allowed, string where)
        {
            foreach (var key in map.Children.Keys)
            {
                var name = Scalar(key, "key");
                if (Array.IndexOf(allowed, name) < 0)
                {
                    throw Error(key, $"unknown key '{name}' {where} (expected {string.Join(", ", allowed)})");
                }
            }
        }

        private static YamlNode? Get(YamlMappingNode map, string key) =>
            map.Children.TryGetValue(new YamlScalarNode(key), out var value) ? value : null;

        private YamlMappingNode Mapping(YamlNode node, string what) =>
            node as YamlMappingNode ?? throw Error(node, $"{what} must be a mapping (key: value lines)");

        private string Scalar(YamlNode node, string key) =>
            node is YamlScalarNode s ? s.Value ?? "" : throw Error(node, $"'{key}' must be a single value");

        private string[] StringList(YamlNode node, string key)
        {
            if (node is YamlScalarNode s)
            {
                return string.IsNullOrEmpty(s.Value) ? throw Error(node, $"'{key}' is empty") : [s.Value];
            }
            if (node is YamlSequenceNode seq)
            {
                var list = new string[seq.Children.Count];
                for (var i = 0; i < list.Length; i++)
                {
                    list[i] = Scalar(seq.Children[i], key);
                    if (list[i].Length == 0)
                    {
                        throw Error(seq.Children[i], $"'{key}' has an empty entry");
                    }
                }
                return list;
            }
            throw Error(node, $"'{key}' must be a value or a list of values");
        }

        private int Int(YamlNode node, string key)
        {
            var s = Scalar(node, key);
            return int.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v)
                ? v
                : throw Error(node, $"'{key}' must be a whole number, not '{s}'");
        }

        private double Number(YamlNode node, string key)
        {
            var s = Scalar(node, key);
            return double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) && double.IsFinite(v)
                ? v
                : throw Error(node, $"'{key}' must be a number, not '{s}'");
        }

        private bool Bool(YamlNode node, string key)
        {
            var s = Scalar(node, key);
            return s switch
            {
                "true" => true,
                "false" => false,
                _ => throw Error(node, $"'{key}' must be true or false, not '{s}'"),
            };
        }

        private TimeSpan Duration(YamlNode node, string key)
        {
            var s = Scalar(node, key);
            return Durations.TryParse(s, out var d)
                ? d
                : throw Error(node, $"bad duration '{s}' for '{key}' (expected e.g. 500ms, 10s, 5m, 1h)");
        }

        private Severity ParseSeverity(YamlNode node)
        {
            var s = Scalar(node, "severity");
            return s is "info" or "warning" or "critical" && EventNames.TryParseSeverity(s, out var severity)
                ? severity
                : throw Error(node, $"bad severity '{s}' (expected info, warning or critical)");
        }

        private static bool IsValidId(string id)
        {
            if (id.Length == 0)
            {
                return false;
            }
            foreach (var c in id)
            {
                if (!(char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c is '.' or '_' or '-'))
                {
                    return false;
                }
            }
            return true;
        }

        private RuleFileException Error(YamlNode node, string reason) =>
            new(file, (int)node.Start.Line, (int)node.Start.Column, reason);

        /// <summary>YamlDotNet prefixes its own "(Line: 3, Col: 5, Idx: ...) - (...):" position; ours is already in front.</summary>
        private static string Clean(string message)
        {
            var cut = message.IndexOf("): ", StringComparison.Ordinal);
            return message.StartsWith('(') && cut > 0 ? message[(cut + 3)..] : message;
        }
    }
}
