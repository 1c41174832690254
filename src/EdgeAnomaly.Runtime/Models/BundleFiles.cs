using System.Runtime.InteropServices;

namespace EdgeAnomaly.Runtime.Models;

/// <summary>Identifies one version of a bundle file on disk without reading it (size and modification time).</summary>
public readonly record struct BundleStamp(long Length, long LastWriteUtcTicks)
{
    public static readonly BundleStamp Missing = new(-1, 0);

    public bool Exists => Length >= 0;

    public static BundleStamp Of(string path)
    {
        try
        {
            var info = new FileInfo(path);
            return info.Exists ? new BundleStamp(info.Length, info.LastWriteTimeUtc.Ticks) : Missing;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return Missing;
        }
    }
}

/// <summary>
/// Writes a bundle so that the real name only ever holds a complete file, also across a power cut: the bytes go to a
/// temporary file in the same folder, which is fsynced, renamed over the real name, and the folder is fsynced so the
/// rename itself is durable.
/// </summary>
public static class BundleFiles
{
    public static void WriteAtomically(string path, ReadOnlySpan<byte> bytes)
    {
        var directory = Path.GetDirectoryName(Path.GetFullPath(path)) ?? ".";
        Directory.CreateDirectory(directory);
        var temporary = path + ".tmp";
        try
        {
            using (var stream = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None, bufferSize: 1))
            {
                stream.Write(bytes);
                stream.Flush(flushToDisk: true);
            }
            File.Move(temporary, path, overwrite: true);
        }
        catch
        {
            TryDelete(temporary);
            throw;
        }
        SyncDirectory(directory);
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Left behind: the next write replaces it.
        }
    }

    /// <summary>Best effort: without it the rename may be lost in a power cut, leaving the previous bundle (never a torn one).</summary>
    private static void SyncDirectory(string directory)
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }
        var name = System.Text.Encoding.UTF8.GetBytes(directory + "\0");
        var fd = Open(name, 0 /* O_RDONLY */);
        if (fd < 0)
        {
            return;
        }
        _ = Fsync(fd);
        _ = Close(fd);
    }

    // Plain DllImport with blittable arguments: no generated marshalling (which would need unsafe code in this project).
    [DllImport("libc", EntryPoint = "open", SetLastError = true)]
    private static extern int Open(byte[] nullTerminatedPath, int flags);

    [DllImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static extern int Fsync(int fd);

    [DllImport("libc", EntryPoint = "close", SetLastError = true)]
    private static extern int Close(int fd);
}
