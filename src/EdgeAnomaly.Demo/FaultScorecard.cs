using System.Globalization;
using System.Text;
using EdgeAnomaly.Core.Events;
using EdgeAnomaly.FirmwareSim.Faults;

namespace EdgeAnomaly.Demo;

/// <summary>One injected fault and the events that answered it (first one first).</summary>
public sealed record FaultOutcome(FaultLabel Fault, IReadOnlyList<GatewayEvent> Events)
{
    public bool Detected => Events.Count > 0;

    /// <summary>From the fault's first altered reading to the first event's start.</summary>
    public TimeSpan? Delay => Detected ? TimeSpan.FromMilliseconds(Events[0].StartMs - Fault.StartMs) : null;
}

/// <summary>The demo's ground truth against what the gateway raised: which faults were caught, and the other events.</summary>
public sealed record FaultScorecard(IReadOnlyList<FaultOutcome> Faults, IReadOnlyList<GatewayEvent> Unmatched)
{
    /// <summary>How long after a fault ends an event still counts as its answer (sustain times, dropout limits).</summary>
    public static readonly TimeSpan DefaultGrace = TimeSpan.FromSeconds(15);

    public int Detected
    {
        get
        {
            var n = 0;
            foreach (var f in Faults)
            {
                n += f.Detected ? 1 : 0;
            }
            return n;
        }
    }

    /// <summary>
    /// An event answers a fault when it is on the fault's asset, reads the fault's tag (any tag for a whole-node
    /// dropout) and opened between the fault's first altered reading and <paramref name="grace"/> after its last.
    /// Events that started before the fault are not its answer even if still open.
    /// </summary>
    public static FaultScorecard Score(IReadOnlyList<FaultLabel> faults, IReadOnlyList<GatewayEvent> events, TimeSpan grace)
    {
        var sorted = new List<GatewayEvent>(events);
        sorted.Sort(static (a, b) => a.StartMs.CompareTo(b.StartMs));
        var matched = new HashSet<string>(StringComparer.Ordinal);
        var byStart = new List<FaultLabel>(faults);
        byStart.Sort(static (a, b) => a.StartMs.CompareTo(b.StartMs));
        var outcomes = new List<FaultOutcome>(faults.Count);
        foreach (var fault in byStart)
        {
            var answers = new List<GatewayEvent>();
            foreach (var e in sorted)
            {
                if (e.Asset == fault.Asset && ReadsTag(e, fault.Tag)
                    && e.StartMs >= fault.StartMs && e.StartMs <= fault.EndMs + (long)grace.TotalMilliseconds)
                {
                    answers.Add(e);
                    matched.Add(e.Id);
                }
            }
            outcomes.Add(new FaultOutcome(fault, answers));
        }
        var unmatched = new List<GatewayEvent>();
        foreach (var e in sorted)
        {
            if (!matched.Contains(e.Id))
            {
                unmatched.Add(e);
            }
        }
        return new FaultScorecard(outcomes, unmatched);
    }

    private static bool ReadsTag(GatewayEvent e, string tag)
    {
        if (tag == FaultSpec.WholeNode)
        {
            return true;
        }
        foreach (var t in e.Tags)
        {
            if (t == tag)
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>Terminal lines: a headline, one line per fault, one for the events no fault explains.</summary>
    public IEnumerable<string> Describe()
    {
        yield return $"ground truth: {Detected} of {Faults.Count} injected faults caught";
        foreach (var f in Faults)
        {
            var where = $"{f.Fault.Asset}/{f.Fault.Tag}";
            var line = new StringBuilder().Append(CultureInfo.InvariantCulture, $"  {f.Fault.Kind.ToWire(),-8} {where,-26} {Clock(f.Fault.StartMs)} for {Seconds(f.Fault.EndMs - f.Fault.StartMs)}  ");
            if (!f.Detected)
            {
                line.Append("MISSED");
            }
            else
            {
                line.Append("caught by ");
                for (var i = 0; i < f.Events.Count; i++)
                {
                    var e = f.Events[i];
                    // An event after the fault's last altered reading answered its end (the value jumping back), not the fault itself.
                    var after = e.StartMs >= f.Fault.EndMs ? ", after it ended" : "";
                    line.Append(i == 0 ? "" : ", ").Append(e.Source).Append(CultureInfo.InvariantCulture, $" (+{Seconds(e.StartMs - f.Fault.StartMs)}{after})");
                }
            }
            yield return line.ToString();
        }
        if (Unmatched.Count > 0)
        {
            var sources = new StringBuilder();
            foreach (var e in Unmatched)
            {
                sources.Append(sources.Length == 0 ? "" : ", ").Append(e.Asset).Append(' ').Append(e.Source);
            }
            yield return $"  events no injected fault explains: {Unmatched.Count} ({sources})";
        }
    }

    private static string Clock(long unixMs) =>
        DateTimeOffset.FromUnixTimeMilliseconds(unixMs).ToLocalTime().ToString("HH:mm:ss", CultureInfo.InvariantCulture);

    private static string Seconds(long ms) => (ms / 1000.0).ToString("0.0", CultureInfo.InvariantCulture) + " s";
}
