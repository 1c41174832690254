using System.Globalization;

namespace EdgeAnomaly.Bench.Modbus;

/// <summary>CPU time of a process from /proc/PID/stat (utime + stime, in clock ticks of 1/100 s on Linux).</summary>
internal static class ProcCpu
{
    private const double TicksPerSecond = 100; // sysconf(_SC_CLK_TCK) on every Linux this runs on

    public static TimeSpan CpuTime(int pid)
    {
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        // The command name (field 2) is in parentheses and may hold spaces: count fields after the last ')'.
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        var utime = long.Parse(fields[11], CultureInfo.InvariantCulture); // field 14
        var stime = long.Parse(fields[12], CultureInfo.InvariantCulture); // field 15
        return TimeSpan.FromSeconds((utime + stime) / TicksPerSecond);
    }
}
