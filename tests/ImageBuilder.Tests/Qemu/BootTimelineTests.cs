using ImageBuilder.Qemu;

namespace ImageBuilder.Tests.Qemu;

/// <summary>
/// The boot timeline read from a serial console. The console below is an excerpt of a real BIOS CD boot of the demo
/// image (GRUB's escape sequences, Xen's carriage returns and the kernel's time stamps as they arrived), so the phases
/// are found in what GRUB, Xen, Linux and systemd actually print.
/// </summary>
public sealed class BootTimelineTests
{
    private static readonly string[] Console =
    [
        "\u001b[H\u001b[J\u001b[1;1H\u001b[?25l\u001b[m\u001b[H\u001b[J\u001b[1;1H\u001b[2;24HGNU GRUB  version 2.06-13+deb12u2\r\n",
        "      Press enter to boot the selected OS, `e' to edit the commands       \r\n",
        "\r(XEN) Xen version 4.17.5 (Debian 4.17.5+72-g01140da4e8-1+imagebuilder) (imagebuilder@imagebuilder.invalid) (gcc (Debian 12.2.0-14+deb12u1) 12.2.0) debug=n Thu Jan  1 00:00:00 UTC 2026\r\n",
        "(XEN) *** Building a PV Dom0 ***\r\n",
        "[    0.000000] Linux version 6.1.0-56-amd64 (debian-kernel@lists.debian.org) (gcc-12 (Debian 12.2.0-14+deb12u1) 12.2.0, GNU ld (GNU Binutils for Debian) 2.40) #1 SMP PREEMPT_DYNAMIC Debian 6.1.192-2 (2026-11-16)\r\n",
        "[   12.370214] Xen version: 4.17.5 (preserve-AD)\r\n",
        "imagebuilder-live: medium 4e2c57f3-bddf-5931-bb61-f480c13da97b found on /dev/sr0\r\n",
        "imagebuilder-live: root mounted; starting /sbin/init\r\n",
        "[   34.710287] systemd[1]: systemd 252.39-1~deb12u2 running in system mode (+PAM +AUDIT +SELINUX +APPARMOR +IMA +SMACK +SECCOMP)\r\n",
        "[  108.231601] dom0-ready[318]: IMAGEBUILDER-DOM0-READY xen=4.17.5\r\n",
        "[  122.104455] start-guests[365]: IMAGEBUILDER-DOMU-CREATED name=tiny\r\n",
        "[  134.918631] start-guests[365]: IMAGEBUILDER-DOMU-READY name=tiny\r\n",
        "[  150.583003] start-guests[365]: IMAGEBUILDER-DOMU-CREATED name=debian\r\n",
        "[  382.581024] start-guests[510]: IMAGEBUILDER-DOMU-READY name=debian\r\n",
        "[  390.000001] dom0-ready[318]: IMAGEBUILDER-DOM0-READY xen=4.17.5\r\n",
        "[  492.123456] xen-demo[2242]: IMAGEBUILDER-DEMO-DONE\r\n",
    ];

    [Fact]
    public void Each_phase_is_reached_at_the_time_its_line_arrived_in_boot_order()
    {
        var timeline = new BootTimeline();
        for (int line = 0; line < Console.Length; line++)
        {
            timeline.Observe(Console[line], TimeSpan.FromSeconds(line));
        }

        Assert.Equal(
        [
            new TimelineEntry("GRUB menu", TimeSpan.FromSeconds(0)),
            new TimelineEntry("Xen started", TimeSpan.FromSeconds(2)),
            new TimelineEntry("kernel started", TimeSpan.FromSeconds(4)),
            new TimelineEntry("live medium found", TimeSpan.FromSeconds(6)),
            new TimelineEntry("root mounted", TimeSpan.FromSeconds(7)),
            new TimelineEntry("systemd started", TimeSpan.FromSeconds(8)),
            new TimelineEntry("Dom0 ready", TimeSpan.FromSeconds(9)),
            new TimelineEntry("guest tiny created", TimeSpan.FromSeconds(10)),
            new TimelineEntry("guest tiny ready", TimeSpan.FromSeconds(11)),
            new TimelineEntry("guest debian created", TimeSpan.FromSeconds(12)),
            new TimelineEntry("guest debian ready", TimeSpan.FromSeconds(13)),
            new TimelineEntry("demo done", TimeSpan.FromSeconds(15)),
        ], timeline.Entries);
    }

    [Fact]
    public void A_line_split_across_reads_counts_when_it_is_complete()
    {
        string console = string.Concat(Console);
        var timeline = new BootTimeline();
        int at = 0;
        for (int start = 0; start < console.Length; start += 7)
        {
            timeline.Observe(console.Substring(start, Math.Min(7, console.Length - start)), TimeSpan.FromMilliseconds(at++));
        }

        string xen = Console[2];
        int xenLineEnd = console.IndexOf(xen, StringComparison.Ordinal) + xen.Length;
        Assert.Equal(TimeSpan.FromMilliseconds((xenLineEnd - 1) / 7), timeline.Entries.Single(e => e.Phase == "Xen started").At);
        Assert.Equal(12, timeline.Entries.Count);
    }

    [Fact]
    public void A_last_line_without_a_line_break_counts_once_the_console_ends()
    {
        var timeline = new BootTimeline();
        timeline.Observe("[  108.231601] dom0-ready[318]: IMAGEBUILDER-DOM0-READY xen=4.17.5", TimeSpan.FromSeconds(30));
        Assert.Empty(timeline.Entries);

        timeline.Complete(TimeSpan.FromSeconds(31));

        Assert.Equal([new TimelineEntry("Dom0 ready", TimeSpan.FromSeconds(31))], timeline.Entries);
    }

    [Fact]
    public void The_printed_timeline_gives_seconds_since_start_and_since_the_phase_before()
    {
        var lines = BootTimeline.Format([new TimelineEntry("GRUB menu", TimeSpan.FromSeconds(4.2)), new TimelineEntry("Xen started", TimeSpan.FromSeconds(10))]).ToList();

        Assert.Equal(["timeline:     4.2 s  (+   4.2 s)  GRUB menu", "timeline:    10.0 s  (+   5.8 s)  Xen started"], lines);
    }
}
