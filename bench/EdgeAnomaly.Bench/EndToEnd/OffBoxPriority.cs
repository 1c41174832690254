using System.Globalization;
using System.Runtime.InteropServices;

namespace EdgeAnomaly.Bench.EndToEnd;

/// <summary>
/// On a real site the nodes publishing readings and the central server subscribing to events run on other machines;
/// in the benchmark they share the gateway's two cores. Lowering their scheduling priority (raising nice, which needs no
/// privilege) keeps the load generator from being measured as the gateway's latency. Linux nice is per thread: every
/// thread of the process is set, and threads created later inherit it from their creator.
/// </summary>
internal static class OffBoxPriority
{
    private const int PrioProcess = 0;

    /// <summary>Sets nice <paramref name="nice"/> on every thread of process <paramref name="pid"/>; returns threads set.</summary>
    public static int Apply(int pid, int nice)
    {
        var set = 0;
        foreach (var task in Directory.EnumerateDirectories($"/proc/{pid}/task"))
        {
            var tid = int.Parse(Path.GetFileName(task), CultureInfo.InvariantCulture);
            if (setpriority(PrioProcess, tid, nice) == 0)
            {
                set++;
            }
        }
        return set;
    }

    [DllImport("libc", EntryPoint = "setpriority", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int setpriority(int which, int who, int prio);
}
