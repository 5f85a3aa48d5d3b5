using System.Text;
using System.Text.RegularExpressions;

namespace ImageBuilder.Qemu;

/// <summary>A boot phase reached <paramref name="At"/> after QEMU started (when the serial line naming it arrived).</summary>
public sealed record TimelineEntry(string Phase, TimeSpan At);

/// <summary>
/// A line of the serial console that marks a boot phase: what GRUB, Xen and Linux print, and the markers
/// our images print. <paramref name="Phase"/> may name a captured group of <paramref name="Line"/> as {name}.
/// </summary>
public sealed record TimelinePhase(string Phase, Regex Line);

/// <summary>
/// When each boot phase was reached, read from the serial console as it arrives: GRUB menu (the firmware's time is the
/// time before it: SeaBIOS and OVMF write to the screen, not the serial port) → Xen → kernel → live medium found →
/// root mounted → systemd → Dom0 ready → each guest created and ready → demo done. Each phase counts once, at its first
/// line; phases that a boot does not go through (no systemd in a busybox Dom0, no guests) are absent.
/// </summary>
public sealed class BootTimeline
{
    /// <summary>
    /// The phases in boot order. The first three are what GRUB, Xen and Linux print; the others are the console contract
    /// of our images (README, "Serial-console markers").
    /// </summary>
    public static readonly IReadOnlyList<TimelinePhase> Phases =
    [
        new("GRUB menu", new Regex(@"GNU GRUB +version", RegexOptions.CultureInvariant)),
        new("Xen started", new Regex(@"\(XEN\) Xen version \d", RegexOptions.CultureInvariant)),
        new("kernel started", new Regex(@"Linux version \d", RegexOptions.CultureInvariant)),
        new("live medium found", new Regex(@"imagebuilder-live: medium \S+ found", RegexOptions.CultureInvariant)),
        new("root mounted", new Regex(@"imagebuilder-live: root mounted", RegexOptions.CultureInvariant)),
        new("systemd started", new Regex(@"systemd\[1\]: systemd \d+.* running in system mode", RegexOptions.CultureInvariant)),
        new("Dom0 ready", new Regex(@"IMAGEBUILDER-DOM0-READY", RegexOptions.CultureInvariant)),
        new("kernel ready (no Xen)", new Regex(@"IMAGEBUILDER-KERNEL-READY", RegexOptions.CultureInvariant)),
        new("guest {name} created", new Regex(@"IMAGEBUILDER-DOMU-CREATED name=(?<name>[a-z0-9-]+)", RegexOptions.CultureInvariant)),
        new("guest {name} ready", new Regex(@"IMAGEBUILDER-DOMU-READY name=(?<name>[a-z0-9-]+)", RegexOptions.CultureInvariant)),
        new("demo done", new Regex(@"IMAGEBUILDER-DEMO-DONE", RegexOptions.CultureInvariant)),
    ];

    private readonly StringBuilder partial = new();
    private readonly List<TimelineEntry> entries = [];
    private readonly HashSet<string> reached = new(StringComparer.Ordinal);

    public IReadOnlyList<TimelineEntry> Entries => entries;

    /// <summary>Takes console text as it arrived at <paramref name="at"/>; lines may be split across calls.</summary>
    public void Observe(string text, TimeSpan at)
    {
        ArgumentNullException.ThrowIfNull(text);
        int start = 0;
        for (int newline = text.IndexOf('\n', start); newline >= 0; newline = text.IndexOf('\n', start))
        {
            partial.Append(text, start, newline - start);
            Match(partial.ToString(), at);
            partial.Clear();
            start = newline + 1;
        }

        partial.Append(text, start, text.Length - start);
    }

    /// <summary>Ends the console: a last line without a line break still counts.</summary>
    public void Complete(TimeSpan at)
    {
        if (partial.Length > 0)
        {
            Match(partial.ToString(), at);
            partial.Clear();
        }
    }

    /// <summary>One line per phase: seconds after QEMU started, and since the phase before.</summary>
    public static IEnumerable<string> Format(IReadOnlyList<TimelineEntry> entries)
    {
        ArgumentNullException.ThrowIfNull(entries);
        var previous = TimeSpan.Zero;
        foreach (var entry in entries)
        {
            yield return string.Create(System.Globalization.CultureInfo.InvariantCulture, $"timeline: {entry.At.TotalSeconds,7:0.0} s  (+{(entry.At - previous).TotalSeconds,6:0.0} s)  {entry.Phase}");
            previous = entry.At;
        }
    }

    private void Match(string line, TimeSpan at)
    {
        foreach (var phase in Phases)
        {
            var match = phase.Line.Match(line);
            if (!match.Success)
            {
                continue;
            }

            string name = match.Groups["name"].Success ? phase.Phase.Replace("{name}", match.Groups["name"].Value, StringComparison.Ordinal) : phase.Phase;
            if (reached.Add(name))
            {
                entries.Add(new TimelineEntry(name, at));
            }
        }
    }
}
