using System.Diagnostics;
using Xunit;

namespace EdgeAnomaly.TestSupport;

/// <summary>A fact that needs a real small file system: mounting a tmpfs needs root (CI runs as root).</summary>
public sealed class SmallDiskFactAttribute : FactAttribute
{
    public SmallDiskFactAttribute()
    {
        if (!Environment.IsPrivilegedProcess)
        {
            Skip = "needs root to mount a small tmpfs (mount -t tmpfs); CI runs as root";
        }
        else if (!File.Exists("/bin/mount") && !File.Exists("/usr/bin/mount"))
        {
            Skip = "needs mount(8) to mount a small tmpfs";
        }
    }
}

/// <summary>
/// A real, small file system: a tmpfs of a given size mounted on a scratch folder, filled and emptied with ballast
/// files, so a test sees ENOSPC exactly as a full SD card gives it. Unmounted (lazily, if still busy) at dispose.
/// </summary>
public sealed class SmallDisk : IDisposable
{
    private readonly TempDirectory _dir = new();

    public SmallDisk(long bytes)
    {
        Path = _dir.Path;
        Run("mount", "-t", "tmpfs", "-o", $"size={bytes}", "tmpfs", Path);
    }

    public string Path { get; }

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public long FreeBytes => new DriveInfo(Path).AvailableFreeSpace;

    /// <summary>Writes a ballast file until only <paramref name="leaveFree"/> bytes are free (0: until ENOSPC). Returns its size.</summary>
    public long Fill(string name, long leaveFree = 0)
    {
        var path = File(name);
        var chunk = new byte[64 * 1024];
        Random.Shared.NextBytes(chunk); // tmpfs does not compress, but random bytes keep it honest on any file system
        long written = 0;
        using var stream = new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite, 1, FileOptions.None);
        while (true)
        {
            var room = FreeBytes - leaveFree;
            if (room <= 0)
            {
                break;
            }
            var n = (int)Math.Min(chunk.Length, room);
            try
            {
                stream.Write(chunk, 0, n);
                stream.Flush();
            }
            catch (IOException)
            {
                // ENOSPC: the disk is full, which is what leaveFree 0 asks for. Keep what the file system took.
                break;
            }
            written += n;
        }
        return written;
    }

    public void Delete(string name) => System.IO.File.Delete(File(name));

    public void Dispose()
    {
        if (!TryRun("umount", Path))
        {
            TryRun("umount", "-l", Path);
        }
        _dir.Dispose();
    }

    private static void Run(string file, params string[] args)
    {
        if (!TryRun(file, args))
        {
            throw new InvalidOperationException($"{file} {string.Join(' ', args)} failed");
        }
    }

    private static bool TryRun(string file, params string[] args)
    {
        var psi = new ProcessStartInfo(file, args) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        using var p = Process.Start(psi)!;
        p.WaitForExit();
        return p.ExitCode == 0;
    }
}
