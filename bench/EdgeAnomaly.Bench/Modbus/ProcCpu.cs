using System.Globalization;

namespace EdgeAnomaly.Bench.Modbus;

/// <summary>CPU time of a process from /proc/PID/stat (utime + stime, in clock ticks of 1/100 s on Linux).</summary>
internal static class ProcCpu
{
    private const double TicksPerSecond = 100; // sysconf(_SC_CLK_TCK) on every Linux this runs on

    public static TimeSpan CpuTime(int pid) => TimeSpan.FromSeconds(Ticks(File.ReadAllText($"/proc/{pid}/stat")) / TicksPerSecond);

    /// <summary>
    /// CPU time per thread name (the kernel's 15-character comm: ".NET TP Worker", ".NET Tiered Com", ...), summed
    /// over the threads of that name. Tells the JIT's background tiering from the polling work itself.
    /// </summary>
    public static Dictionary<string, TimeSpan> ByThreadName(int pid)
    {
        var result = new Dictionary<string, TimeSpan>(StringComparer.Ordinal);
        foreach (var task in Directory.EnumerateDirectories($"/proc/{pid}/task"))
        {
            string stat;
            try
            {
                stat = File.ReadAllText(Path.Combine(task, "stat"));
            }
            catch (IOException)
            {
                continue; // the thread ended between listing and reading
            }
            var open = stat.IndexOf('(');
            var name = stat[(open + 1)..stat.LastIndexOf(')')];
            result[name] = result.GetValueOrDefault(name) + TimeSpan.FromSeconds(Ticks(stat) / TicksPerSecond);
        }
        return result;
    }

    /// <summary>
    /// Voluntary context switches summed over the live threads: how often a thread blocked and was woken again.
    /// Involuntary ones (preemption) are left out because they grow with the machine's load, so a change in
    /// wake-ups shows through a busy box. Threads that exit take their counts with them.
    /// </summary>
    public static long Wakeups(int pid)
    {
        long sum = 0;
        foreach (var task in Directory.EnumerateDirectories($"/proc/{pid}/task"))
        {
            string[] lines;
            try
            {
                lines = File.ReadAllLines(Path.Combine(task, "status"));
            }
            catch (IOException)
            {
                continue;
            }
            foreach (var line in lines)
            {
                if (line.StartsWith("voluntary_ctxt_switches:", StringComparison.Ordinal))
                {
                    sum += long.Parse(line[(line.IndexOf(':') + 1)..].Trim(), CultureInfo.InvariantCulture);
                }
            }
        }
        return sum;
    }

    private static long Ticks(string stat)
    {
        // The command name (field 2) is in parentheses and may hold spaces: count fields after the last ')'.
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        var utime = long.Parse(fields[11], CultureInfo.InvariantCulture); // field 14
        var stime = long.Parse(fields[12], CultureInfo.InvariantCulture); // field 15
        return utime + stime;
    }
}
