using System.Text;

namespace EdgeAnomaly.Models.Serialization;

/// <summary>
/// Helpers every model section uses to write and validate its binary form. Each section starts with a four-letter
/// tag so a reader that is out of step (wrong section order, truncated bundle) fails with a message naming what it
/// expected rather than decoding garbage. Every read failure surfaces as <see cref="InvalidDataException"/>.
/// </summary>
public static class ModelBinary
{
    public static void WriteTag(BinaryWriter w, string tag)
    {
        if (tag.Length != 4)
        {
            throw new ArgumentException("A section tag has four ASCII letters.", nameof(tag));
        }
        Span<byte> bytes = stackalloc byte[4];
        Encoding.ASCII.GetBytes(tag, bytes);
        w.Write(bytes);
    }

    public static void ExpectTag(BinaryReader r, string tag)
    {
        Span<byte> bytes = stackalloc byte[4];
        var read = r.Read(bytes);
        if (read != 4)
        {
            throw new InvalidDataException($"Model section '{tag}' is truncated (no section tag).");
        }
        Span<byte> expected = stackalloc byte[4];
        Encoding.ASCII.GetBytes(tag, expected);
        if (!bytes.SequenceEqual(expected))
        {
            throw new InvalidDataException($"Expected model section '{tag}' but found bytes {Convert.ToHexString(bytes)}.");
        }
    }

    /// <summary>Runs a section reader, turning a premature end of stream into <see cref="InvalidDataException"/>.</summary>
    public static T ReadSection<T>(string section, Func<T> read)
    {
        try
        {
            return read();
        }
        catch (EndOfStreamException e)
        {
            throw new InvalidDataException($"Model section '{section}' is truncated.", e);
        }
    }

    public static int ReadInt(BinaryReader r, string section, string field, int min, int max)
    {
        var value = r.ReadInt32();
        if (value < min || value > max)
        {
            throw new InvalidDataException($"Model section '{section}': {field} = {value} is outside [{min}, {max}].");
        }
        return value;
    }

    public static long ReadLong(BinaryReader r, string section, string field, long min, long max)
    {
        var value = r.ReadInt64();
        if (value < min || value > max)
        {
            throw new InvalidDataException($"Model section '{section}': {field} = {value} is outside [{min}, {max}].");
        }
        return value;
    }

    public static double ReadFinite(BinaryReader r, string section, string field)
    {
        var value = r.ReadDouble();
        if (!double.IsFinite(value))
        {
            throw new InvalidDataException($"Model section '{section}': {field} is not a finite number ({value}).");
        }
        return value;
    }

    public static double ReadFinite(BinaryReader r, string section, string field, double min, double max)
    {
        var value = ReadFinite(r, section, field);
        if (value < min || value > max)
        {
            throw new InvalidDataException($"Model section '{section}': {field} = {value} is outside [{min}, {max}].");
        }
        return value;
    }

    public static void WriteDoubles(BinaryWriter w, ReadOnlySpan<double> values)
    {
        w.Write(values.Length);
        foreach (var v in values)
        {
            w.Write(v);
        }
    }

    public static double[] ReadFiniteDoubles(BinaryReader r, string section, string field, int expectedLength)
    {
        var length = r.ReadInt32();
        if (length != expectedLength)
        {
            throw new InvalidDataException($"Model section '{section}': {field} has {length} values, expected {expectedLength}.");
        }
        var values = new double[length];
        for (var i = 0; i < length; i++)
        {
            values[i] = ReadFinite(r, section, field);
        }
        return values;
    }

    public static void WriteString(BinaryWriter w, string value) => w.Write(value);

    public static string ReadString(BinaryReader r, string section, string field, int maxLength)
    {
        string value;
        try
        {
            value = r.ReadString();
        }
        catch (FormatException e)
        {
            throw new InvalidDataException($"Model section '{section}': {field} is not a valid string.", e);
        }
        if (value.Length > maxLength)
        {
            throw new InvalidDataException($"Model section '{section}': {field} is longer than {maxLength} characters.");
        }
        return value;
    }
}
