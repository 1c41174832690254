namespace EdgeAnomaly.Models.Tests;

/// <summary>Write/Read helpers for round-trip and corruption tests.</summary>
internal static class ModelIo
{
    public static byte[] Bytes(Action<BinaryWriter> write)
    {
        using var stream = new MemoryStream();
        using (var w = new BinaryWriter(stream, System.Text.Encoding.UTF8, leaveOpen: true))
        {
            write(w);
        }
        return stream.ToArray();
    }

    public static T Read<T>(byte[] bytes, Func<BinaryReader, T> read) => read(new BinaryReader(new MemoryStream(bytes)));

    /// <summary>Every strict prefix of the bytes must be refused with <see cref="InvalidDataException"/>.</summary>
    public static void AssertEveryTruncationRefused<T>(byte[] bytes, Func<BinaryReader, T> read)
    {
        for (var length = 0; length < bytes.Length; length++)
        {
            var prefix = bytes.AsSpan(0, length).ToArray();
            var e = Record.Exception(() => Read(prefix, read));
            Assert.True(e is InvalidDataException, $"prefix of {length}/{bytes.Length} bytes: {e?.GetType().Name ?? "accepted"}");
        }
    }
}
