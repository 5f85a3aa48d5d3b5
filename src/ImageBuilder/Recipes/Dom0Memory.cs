using System.Globalization;
using System.Text.RegularExpressions;

namespace ImageBuilder.Recipes;

/// <summary>
/// What a live Dom0 must hold in its RAM for a recipe's guests, besides the guests' own memory (which Xen gives
/// them): the live system (its tmpfs root, xenstored, xenconsoled, xl and the page cache of what runs from the
/// squashfs), one device model (qemu-system-i386) per HVM guest, and, when the recipe runs the demo, the save file of
/// the largest guest, which `xl save` writes to the Dom0's tmpfs. Measured on the demo's Dom0 under QEMU with every
/// guest running (README, the recipe reference's hypervisor.command_line).
/// </summary>
public sealed partial record Dom0Memory(int LiveSystemMiB, int DeviceModelsMiB, GuestSpec? LargestSaved)
{
    /// <summary>
    /// The live system: with every demo guest running, 148 MiB used (the device model's 31 MiB included) and 40 MiB of
    /// tmpfs, 188 MiB; about as much again for the page cache of the programs it runs from the squashfs.
    /// </summary>
    public const int LiveSystem = 384;

    /// <summary>One HVM guest's device model: 31 MiB resident for the demo's 128 MiB guest after its migration; twice that.</summary>
    public const int DeviceModel = 64;

    public int SaveMiB => LargestSaved?.MemoryMiB ?? 0;

    public int TotalMiB => LiveSystemMiB + DeviceModelsMiB + SaveMiB;

    public static Dom0Memory For(IReadOnlyCollection<GuestSpec> guests, DemoMode demo)
    {
        ArgumentNullException.ThrowIfNull(guests);
        var largest = demo == DemoMode.Off ? null : guests.OrderByDescending(g => g.MemoryMiB).FirstOrDefault();
        return new Dom0Memory(LiveSystem, DeviceModel * guests.Count(g => g is HvmGuestSpec), largest);
    }

    /// <summary>
    /// The most memory Xen gives the Dom0 for a dom0_mem value, in MiB, as docs/misc/xen-command-line.pandoc and
    /// xen/arch/x86/dom0_build.c have it: a list of &lt;size&gt;, min:&lt;size&gt; and max:&lt;size&gt; (KiB unless suffixed;
    /// an amount or minimum of 0 is none), each part replacing what an earlier part of its kind set (so several
    /// dom0_mem values on one command line, joined with ',', read as Xen reads them); the amount is raised to the
    /// minimum, then capped by the maximum. A size that depends on the machine (a percentage, a negative size: all but
    /// that) is unknown; without a known amount the maximum is the bound, and without either it is null (Xen gives all
    /// memory but a reserve).
    /// </summary>
    public static long? GrantedMiB(string dom0Mem)
    {
        ArgumentNullException.ThrowIfNull(dom0Mem);
        Part amount = Part.None, min = Part.None, max = Part.None;
        foreach (string part in dom0Mem.Split(','))
        {
            string prefix = part.StartsWith("min:", StringComparison.Ordinal) || part.StartsWith("max:", StringComparison.Ordinal) ? part[..4] : string.Empty;
            long? bytes = Bytes(part[prefix.Length..]);

            // Xen counts pages: an amount or minimum of less than one is no size at all (a maximum of 0 is 0).
            var size = bytes is not { } b ? Part.Unknown : b < 4096 && prefix != "max:" ? Part.None : new Part(b, true);
            switch (prefix)
            {
                case "min:":
                    min = size;
                    break;
                case "max:":
                    max = size;
                    break;
                default:
                    amount = size;
                    break;
            }
        }

        long? raised = amount.Known && (min.Known || min == Part.None) ? Math.Max(amount.Bytes, min.Bytes) : null;
        long? granted = max.Known ? Math.Min(raised ?? long.MaxValue, max.Bytes) : raised;
        return granted / (1024 * 1024);
    }

    /// <summary>One part of dom0_mem as Xen keeps it: not given (or zero), a size in bytes, or a size the machine decides.</summary>
    private readonly record struct Part(long Bytes, bool Known)
    {
        public static readonly Part None = new(0, false);

        public static readonly Part Unknown = new(-1, false);
    }

    /// <summary>Why the Dom0 needs <see cref="TotalMiB"/>, for the recipe error.</summary>
    public string Explain()
    {
        var parts = new List<string> { $"{LiveSystemMiB} MiB for the live system" };
        if (DeviceModelsMiB > 0)
        {
            parts.Add($"{DeviceModelsMiB} MiB for the device models of its HVM guests ({DeviceModel} MiB each)");
        }

        if (LargestSaved is not null)
        {
            parts.Add($"{SaveMiB} MiB for the demo's save of its largest guest ({LargestSaved.Name}) to the Dom0's RAM");
        }

        return string.Join(", ", parts);
    }

    private static long? Bytes(string size)
    {
        var match = SizePattern().Match(size);
        if (!match.Success)
        {
            return null;
        }

        long number = long.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
        int shift = match.Groups[2].Value.ToUpperInvariant() switch
        {
            "B" => 0,
            "M" => 20,
            "G" => 30,
            "T" => 40,
            _ => 10,
        };
        return number > (long.MaxValue >> shift) ? long.MaxValue : number << shift;
    }

    [GeneratedRegex(@"^(\d{1,18})([bBkKmMgGtT]?)$")]
    private static partial Regex SizePattern();
}
