using System.Buffers.Binary;
using System.Reflection;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using EdgeAnomaly.Scoring.Bundle;
using EdgeAnomaly.Scoring.Pipeline;
using EdgeAnomaly.Scoring.Tests.Pipeline;

namespace EdgeAnomaly.Scoring.Tests.Bundle;

/// <summary>
/// Pins docs/model-bundle.md to what <see cref="ModelBundle"/> writes: the magic and version, the preamble and trailer
/// offsets, the top-level section order and the list of refusal faults are read from the page and checked against a
/// freshly written bundle, so a format change that skips the doc (or a doc edit that stops describing the writer) fails.
/// </summary>
public partial class BundleFormatDocTests
{
    private static readonly Lazy<string> Doc = new(() => File.ReadAllText(Path.Combine(RepositoryRoot(), "docs", "model-bundle.md")));
    private static readonly Lazy<AssetModel> Model = new(() => AssetModelTrainer.Train("pump-1", Synthetic.History(3600), Synthetic.Options()));

    [Fact]
    public void MagicVersionPreambleAndTrailer_AreWhereTheDocSays()
    {
        var magic = MagicInDoc().Match(Doc.Value);
        var version = VersionInDoc().Match(Doc.Value);
        Assert.True(magic.Success, "docs/model-bundle.md no longer states the magic as: magic `XXXX`");
        Assert.True(version.Success, "docs/model-bundle.md no longer states the version as: `ModelBundle.FormatVersion` = **N**");

        var bytes = ModelBundle.ToBytes(Model.Value);
        Assert.Equal(magic.Groups[1].Value, Encoding.ASCII.GetString(bytes, 0, 4));
        Assert.Equal(ushort.Parse(version.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture), BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(4)));
        Assert.Equal(ModelBundle.FormatVersion, BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(4)));
        Assert.Equal(0, BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(6)));   // reserved
        var length = BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(8));
        Assert.Equal(12 + length + 32 + 4, bytes.Length);   // preamble, content, SHA-256, signature length, no signature
        Assert.Equal(SHA256.HashData(bytes.AsSpan(0, 12 + length)), bytes.AsSpan(12 + length, 32).ToArray());
        Assert.Equal(0, BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(12 + length + 32)));

        // The content opens with the JSON header's length and the header, which names the asset.
        var headerLength = BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(12));
        using var header = System.Text.Json.JsonDocument.Parse(new ReadOnlyMemory<byte>(bytes, 16, headerLength));
        Assert.Equal("pump-1", header.RootElement.GetProperty("asset").GetString());
    }

    [Fact]
    public void TopLevelSections_ComeInTheDocumentedOrder_AndTheContentEndsAtTheEndMarker()
    {
        var expected = TopLevelSectionsInDoc();
        Assert.True(expected.Count >= 10, $"found only [{string.Join(", ", expected)}] in the section table of docs/model-bundle.md");
        var bytes = ModelBundle.ToBytes(Model.Value);
        var contentEnd = 12 + BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(8));
        var first = 16 + BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(12));
        Assert.Equal(expected[0], Encoding.ASCII.GetString(bytes, first, 4));   // right after the header

        var position = first;
        var found = new List<(string Tag, int At)>();
        foreach (var tag in expected)
        {
            var at = bytes.AsSpan(position, contentEnd - position).IndexOf(Encoding.ASCII.GetBytes(tag));
            Assert.True(at >= 0, $"section '{tag}' not found after {string.Join(" ", found.Select(f => f.Tag))} (doc order: {string.Join(" ", expected)})");
            found.Add((tag, position + at));
            position += at + 4;
        }
        Assert.Equal("END.", expected[^1]);
        Assert.Equal(contentEnd, found[^1].At + 4);

        // The untagged regime part holds RGME only when the model has more than one regime.
        var scaler = found.First(f => f.Tag == "RSCL").At;
        var forest = found.First(f => f.Tag == "IFOR").At;
        var hasRegimeModel = bytes.AsSpan(scaler, forest - scaler).IndexOf("RGME"u8) >= 0;
        Assert.Equal(Model.Value.Regimes is not null, hasRegimeModel);
    }

    [Fact]
    public void RefusalTable_NamesEveryBundleFault()
    {
        var refusals = Section(Doc.Value, "## Refusals");
        var documented = FaultRow().Matches(refusals).Select(m => m.Groups[1].Value).Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(Enum.GetNames<BundleFault>().Order(StringComparer.Ordinal), documented);
    }

    /// <summary>Tags of the rows of the top-level table under "## Sections"; a row "`RCAL` x 3" gives three.</summary>
    private static List<string> TopLevelSectionsInDoc()
    {
        var table = Section(Doc.Value, "## Sections");
        var tags = new List<string>();
        foreach (Match row in SectionRow().Matches(table))
        {
            var repeat = row.Groups[2].Success ? int.Parse(row.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture) : 1;
            for (var i = 0; i < repeat; i++)
            {
                tags.Add(row.Groups[1].Value);
            }
        }
        return tags;
    }

    /// <summary>The text from a heading to the next heading of the same level (the first table under it is what matters).</summary>
    private static string Section(string doc, string heading)
    {
        var start = doc.IndexOf("\n" + heading + "\n", StringComparison.Ordinal);
        Assert.True(start >= 0, $"docs/model-bundle.md has no '{heading}' heading");
        var body = doc[(start + heading.Length + 2)..];
        var end = body.IndexOf("\n### ", StringComparison.Ordinal);
        var next = body.IndexOf("\n## ", StringComparison.Ordinal);
        end = end < 0 ? next : next < 0 ? end : Math.Min(end, next);
        return end < 0 ? body : body[..end];
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "EdgeAnomaly.sln")))
            {
                return dir.FullName;
            }
        }
        // Built with --artifacts-path outside the tree: the project records where the repository is.
        var recorded = typeof(BundleFormatDocTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .FirstOrDefault(a => a.Key == "RepositoryRoot")?.Value;
        Assert.True(recorded is not null && File.Exists(Path.Combine(recorded, "EdgeAnomaly.sln")),
            $"no EdgeAnomaly.sln above {AppContext.BaseDirectory} nor at the recorded repository root '{recorded}'");
        return recorded!;
    }

    [GeneratedRegex(@"magic `([A-Z]{4})`")]
    private static partial Regex MagicInDoc();

    [GeneratedRegex(@"`ModelBundle\.FormatVersion` = \*\*(\d+)\*\*")]
    private static partial Regex VersionInDoc();

    // "| 7–9 | `RCAL` x 3 | ..." or "| 1 | `FEAT` | ..."; the untagged regime part has no backticked tag and is skipped.
    [GeneratedRegex(@"^\|\s*[0-9–-]+\s*\|\s*`([A-Z.]{4})`(?:\s*x\s*(\d+))?\s*\|", RegexOptions.Multiline)]
    private static partial Regex SectionRow();

    // "| `Truncated` | `truncated` | ..."; the header row's second cell is not in backticks.
    [GeneratedRegex(@"^\|\s*`([A-Za-z]+)`\s*\|\s*`[a-z-]+`\s*\|", RegexOptions.Multiline)]
    private static partial Regex FaultRow();
}
